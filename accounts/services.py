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


def user_profile_update(*, user: User, **fields) -> User:
    """Set profile fields on a user; unknown keys are ignored by design of the form."""
    for name in PROFILE_FIELDS:
        if name in fields:
            setattr(user, name, fields[name])
    user.save()
    return user


@transaction.atomic
def user_role_set(*, user: User, role: str, member: bool = True) -> None:
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
