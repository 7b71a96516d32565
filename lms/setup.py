"""Writes that start a production site (``manage.py sala_setup``): the first
administrator, the site tree and the competency framework. Each is
safe to run again: what exists is left as it is.

The site tree comes from the same functions as the demo's (``site_home_ensure``,
``catalogue_ensure``), so a production site and the demo cannot drift apart;
nothing of the demo's content (courses, accounts, cohort) is created.
"""

from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from wagtail.models import Locale

from accounts import roles
from accounts.models import User
from competencies.models import Framework
from competencies.services import (
    ImportResult,
    default_framework_metadata,
    framework_import,
    framework_load_default,
)
from courses.demo import catalogue_ensure
from lms.models import HomePage
from lms.services import demo_account_ensure, site_home_ensure


class SetupError(Exception):
    """A setup step refused, with the reason; nothing of that step was written."""


def is_production() -> bool:
    """Whether these are production settings: ``SALA_PRODUCTION`` when a
    deployment sets it (its own settings module), else the project's production
    module with DEBUG off."""
    flag = getattr(settings, "SALA_PRODUCTION", None)
    if flag is not None:
        return bool(flag)
    module = getattr(settings, "SETTINGS_MODULE", "") or ""
    return not settings.DEBUG and module.endswith("settings.production")


def administrator_ensure(*, email: str, password: str | None) -> tuple[User, bool]:
    """The administrator with this e-mail: a superuser in the Administrator role
    with a verified address, created with ``password`` when missing. An existing
    account keeps its password (``password`` may then be None)."""
    email = User.objects.normalize_email(email.strip())
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        if not password:
            raise SetupError("A password is needed to create the administrator.")
        candidate = User(email=email)
        try:
            password_validation.validate_password(password, user=candidate)
        except ValidationError as error:
            raise SetupError(" ".join(error.messages)) from error
    return demo_account_ensure(
        email=existing.email if existing else email,
        password=password or "",
        role=roles.ADMINISTRATOR,
        is_staff=True,
        is_superuser=True,
        profile={},
    )


def site_address() -> tuple[str, int]:
    """(host name, port) of the public address, for the Wagtail Site."""
    parts = urlsplit(settings.WAGTAILADMIN_BASE_URL)
    default_port = 443 if parts.scheme == "https" else 80
    return parts.hostname or "localhost", parts.port or default_port


@transaction.atomic
def site_tree_ensure(*, hostname: str, port: int) -> tuple[HomePage, bool]:
    """Both locales, the home page in Khmer (the Site's root) and English, and the
    course catalogue under them; whether anything was missing."""
    before = HomePage.objects.count()
    home = site_home_ensure(hostname=hostname, port=port)
    locale_en = Locale.objects.get(language_code="en")
    catalogue_ensure(home_km=home, locale_en=locale_en)
    return home, HomePage.objects.count() != before


def framework_file_check(path: Path, *, code: str, name_en: str, name_km: str):
    """Read and check a framework file, writing nothing; raise ``SetupError`` with
    every problem found. Returns the file's bytes."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SetupError(f"Cannot read {path}: {error}") from error
    names = _framework_names(code, name_en, name_km)
    result = framework_import(
        framework_code=code, file=data, filename=path.name, dry_run=True, **names
    )
    if result.errors:
        problems = "; ".join(str(error) for error in result.errors)
        raise SetupError(f"{path}: {problems}. Nothing was imported.")
    return data


def _framework_names(code: str, name_en: str, name_km: str) -> dict:
    metadata = default_framework_metadata()
    if code == metadata["code"]:
        name_en = name_en or metadata["name_en"]
        name_km = name_km or metadata["name_km"]
    return {"name_en": name_en, "name_km": name_km}


@transaction.atomic
def framework_setup(
    *,
    path: Path | None,
    code: str = "",
    name_en: str = "",
    name_km: str = "",
) -> tuple[Framework, ImportResult | None]:
    """The default framework: the shipped provisional one, with ``path`` (the
    official list, say) imported into it; or, with another ``code``, the file
    imported into that framework, which becomes the default when none is."""
    shipped = default_framework_metadata()["code"]
    code = code or shipped
    if path is None:
        return framework_load_default(), None
    data = framework_file_check(path, code=code, name_en=name_en, name_km=name_km)
    if code == shipped:
        framework_load_default()
    result = framework_import(
        framework_code=code,
        file=data,
        filename=path.name,
        **_framework_names(code, name_en, name_km),
    )
    framework = result.framework
    if not Framework.objects.filter(is_default=True).exists():
        framework.is_default = True
        framework.save(update_fields=["is_default"])
    return framework, result
