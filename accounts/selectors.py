"""Read-only questions about users."""

from allauth.mfa.models import Authenticator

from accounts import roles


def user_requires_mfa(user) -> bool:
    if user.is_staff or user.is_superuser:
        return True
    return user.groups.filter(name__in=roles.MFA_REQUIRED).exists()


def user_has_mfa(user) -> bool:
    return Authenticator.objects.filter(
        user=user, type=Authenticator.Type.TOTP
    ).exists()
