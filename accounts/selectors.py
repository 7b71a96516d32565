"""Read-only questions about users."""

from allauth.mfa.models import Authenticator

from accounts import roles


def user_requires_mfa(user) -> bool:
    """Staff and the Trainer, Editor and Administrator roles need a second factor."""
    if user.is_staff or user.is_superuser:
        return True
    return user.groups.filter(name__in=roles.MFA_REQUIRED).exists()


def user_has_mfa(user) -> bool:
    return Authenticator.objects.filter(
        user=user, type=Authenticator.Type.TOTP
    ).exists()


def user_must_activate_mfa(user) -> bool:
    """Whether the user must set up an authenticator app before going on."""
    return user_requires_mfa(user) and not user_has_mfa(user)
