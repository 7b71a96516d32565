"""Writes to users and their profile."""

from django.contrib.auth.models import Group
from django.db import transaction

from accounts import roles
from accounts.models import Institution, User

PROFILE_FIELDS = (
    "full_name_km",
    "full_name_latin",
    "learner_kind",
    "institution",
    "position",
    "phone",
    "preferred_language",
)


def user_profile_update(
    *,
    user: User,
    full_name_km: str,
    full_name_latin: str,
    learner_kind: str,
    institution: Institution | None,
    position: str = "",
    phone: str = "",
    preferred_language: str,
) -> User:
    """Replace the profile a person gives at sign-up and on their profile page."""
    user.full_name_km = full_name_km.strip()
    user.full_name_latin = full_name_latin.strip()
    user.learner_kind = learner_kind
    user.institution = institution
    user.position = position.strip()
    user.phone = phone.strip()
    user.preferred_language = preferred_language
    user.save(update_fields=PROFILE_FIELDS)
    return user


@transaction.atomic
def user_role_set(*, user: User, role: str, member: bool = True) -> None:
    """Add the user to a role's group, or take them out of it."""
    if role not in roles.ALL:
        raise ValueError(f"Unknown role {role!r}")
    group = Group.objects.get(name=role)
    if member:
        user.groups.add(group)
    else:
        user.groups.remove(group)


def institution_upsert(
    *, code: str, name_km: str, name_en: str, kind: str
) -> Institution:
    institution, _created = Institution.objects.update_or_create(
        code=code, defaults={"name_km": name_km, "name_en": name_en, "kind": kind}
    )
    return institution
