"""Read-only questions about users."""

import re

from allauth.mfa.models import Authenticator
from django.utils.translation import gettext_lazy as _

from accounts import roles

KHMER_LETTER = re.compile(r"[\u1780-\u17ff]")


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


def user_missing_names(user) -> list:
    """Which of the names a certificate prints the user has not given: their full
    name in Khmer script and in Latin script. A name that is an e-mail address
    (or holds one, as some imported files do) counts as missing: certificates
    never print an address instead of a name."""
    km = (user.full_name_km or "").strip()
    latin = (user.full_name_latin or "").strip()
    missing = []
    if not km or "@" in km or not KHMER_LETTER.search(km):
        missing.append(_("full name in Khmer"))
    if not latin or "@" in latin or KHMER_LETTER.search(latin):
        missing.append(_("full name in Latin script"))
    return missing


def user_has_holder_names(user) -> bool:
    """Whether a certificate can name the user in both scripts."""
    return not user_missing_names(user)
