"""manage.py sala_setup starts a production site, once; seed_demo refuses to run
with production settings."""

import os
import secrets
import subprocess
import sys
from io import StringIO
from pathlib import Path

import openpyxl
import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from wagtail.models import Locale, Page, Site

from accounts import roles
from accounts.models import User
from certificates.models import SigningKey
from competencies.models import Competence, Framework
from competencies.services import default_framework_metadata
from courses.models import CourseIndexPage
from lms.models import HomePage

BASE_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "tonle-sap-" + secrets.token_hex(6)
EMAIL = "admin@ministry.example.gov.kh"
SHIPPED = default_framework_metadata()["code"]


def setup(*args) -> str:
    out = StringIO()
    call_command("sala_setup", *args, stdout=out)
    return out.getvalue()


def counts() -> dict:
    return {
        "users": User.objects.count(),
        "sites": Site.objects.count(),
        "pages": Page.objects.count(),
        "locales": Locale.objects.count(),
        "frameworks": Framework.objects.count(),
        "competences": Competence.objects.count(),
        "keys": SigningKey.objects.count(),
    }


def framework_xlsx(path: Path, competences: list[tuple[str, str, str]]) -> Path:
    """A framework file as Excel saves it (openpyxl writes real XLSX): three
    levels, one cluster and the given competences."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        [
            "type",
            "code",
            "parent",
            "name_en",
            "name_km",
            "description_en",
            "description_km",
            "source",
        ]
    )
    for code, en, km in [
        ("L1", "Basic", "មូលដ្ឋាន"),
        ("L2", "Intermediate", "មធ្យម"),
        ("L3", "Advanced", "ខ្ពស់"),
    ]:
        sheet.append(["level", code, "", en, km, "", "", "Ministry list"])
    sheet.append(["area", "1", "", "Information literacy", "អក្ខរកម្មព័ត៌មាន", "", "", ""])
    for code, en, km in competences:
        sheet.append(["competence", code, "1", en, km, "", "", ""])
    book.save(path)
    return path


OFFICIAL = [
    ("1.1", "Browsing and searching", "ការរុករក និងស្វែងរក"),
    ("1.2", "Evaluating information", "ការវាយតម្លៃព័ត៌មាន"),
]


def test_sala_setup_starts_a_site_once(db, monkeypatch, settings):
    settings.WAGTAILADMIN_BASE_URL = "https://sala.example.gov.kh"
    monkeypatch.setenv("SALA_ADMIN_PASSWORD", PASSWORD)
    out = setup("--email", EMAIL, "--no-input")

    admin = User.objects.get(email=EMAIL)
    assert admin.is_superuser and admin.is_staff
    assert admin.has_role(roles.ADMINISTRATOR)
    assert admin.check_password(PASSWORD)
    assert EmailAddress.objects.filter(
        user=admin, email=EMAIL, verified=True, primary=True
    ).exists()

    assert set(Locale.objects.values_list("language_code", flat=True)) == {"km", "en"}
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port) == ("sala.example.gov.kh", 443)
    home = site.root_page.specific
    assert isinstance(home, HomePage) and home.locale.language_code == "km"
    assert home.get_translation(Locale.objects.get(language_code="en")).live
    # Wagtail's "Welcome to your new Wagtail site!" page is gone.
    assert not Page.objects.filter(depth=2).exclude(pk__in=HomePage.objects.all())
    catalogue = CourseIndexPage.objects.get(locale__language_code="km")
    assert catalogue.get_parent().pk == home.pk
    assert CourseIndexPage.objects.filter(
        translation_key=catalogue.translation_key, locale__language_code="en"
    ).exists()

    framework = Framework.objects.get(is_default=True)
    assert framework.code == SHIPPED and framework.is_provisional
    assert framework.competences.exists()
    assert SigningKey.objects.filter(is_active=True).count() == 1

    assert "Next:" in out
    steps = [line.strip() for line in out.splitlines() if line.startswith("  ")]
    assert [step.split(".")[0] for step in steps] == [
        str(n) for n in range(1, len(steps) + 1)
    ]
    assert "https://sala.example.gov.kh/admin/" in steps[0]
    assert any("is provisional" in step for step in steps)
    assert PASSWORD not in out

    # Again, with another password in the environment: nothing changes.
    first = counts()
    monkeypatch.setenv("SALA_ADMIN_PASSWORD", "another-" + PASSWORD)
    again = setup("--email", EMAIL, "--no-input")
    assert counts() == first
    assert "exists (kept as it is)" in again
    admin.refresh_from_db()
    assert admin.check_password(PASSWORD)

    # The administrator logs in and is asked for a second factor first.
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": EMAIL, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/en/")["Location"] == reverse("mfa_activate_totp")


def test_sala_setup_imports_the_framework_file_into_the_default(
    db, monkeypatch, tmp_path
):
    monkeypatch.setenv("SALA_ADMIN_PASSWORD", PASSWORD)
    path = framework_xlsx(tmp_path / "official.xlsx", OFFICIAL)
    out = setup("--email", EMAIL, "--no-input", "--framework", str(path))
    framework = Framework.objects.get(is_default=True)
    assert framework.code == SHIPPED
    active = framework.competences.filter(retired_at__isnull=True)
    assert sorted(active.values_list("code", flat=True)) == ["1.1", "1.2"]
    assert active.get(code="1.2").name_km == "ការវាយតម្លៃព័ត៌មាន"
    assert f"{path} imported into {SHIPPED}" in out

    # Running again with the same file changes nothing.
    first = counts()
    assert "0 competences created" in setup(
        "--email", EMAIL, "--no-input", "--framework", str(path)
    )
    assert counts() == first


def test_sala_setup_imports_a_framework_of_its_own_code(db, monkeypatch, tmp_path):
    monkeypatch.setenv("SALA_ADMIN_PASSWORD", PASSWORD)
    path = framework_xlsx(tmp_path / "ministry.xlsx", OFFICIAL)
    setup(
        "--email",
        EMAIL,
        "--no-input",
        "--framework",
        str(path),
        "--framework-code",
        "ministry-2026",
        "--framework-name-en",
        "Ministry framework",
        "--framework-name-km",
        "ក្របខណ្ឌក្រសួង",
    )
    [framework] = Framework.objects.all()
    assert framework.code == "ministry-2026" and framework.is_default
    assert framework.competences.count() == 2


def test_a_bad_framework_file_is_refused_before_anything_is_written(
    db, monkeypatch, tmp_path
):
    monkeypatch.setenv("SALA_ADMIN_PASSWORD", PASSWORD)
    before = counts()
    bad = framework_xlsx(tmp_path / "bad.xlsx", [("1.1", "", "")])
    with pytest.raises(CommandError) as refused:
        setup("--email", EMAIL, "--no-input", "--framework", str(bad))
    assert "Nothing was imported" in str(refused.value)
    # A new framework code without its names is refused too.
    good = framework_xlsx(tmp_path / "good.xlsx", OFFICIAL)
    with pytest.raises(CommandError):
        setup(
            "--email",
            EMAIL,
            "--no-input",
            "--framework",
            str(good),
            "--framework-code",
            "other",
        )
    assert counts() == before


def test_the_password_comes_from_the_environment_or_a_prompt_only(db, monkeypatch):
    monkeypatch.delenv("SALA_ADMIN_PASSWORD", raising=False)
    with pytest.raises(CommandError):
        setup("--email", EMAIL, "--password", PASSWORD)
    with pytest.raises(CommandError) as missing:
        setup("--email", EMAIL, "--no-input")
    assert "SALA_ADMIN_PASSWORD" in str(missing.value)
    monkeypatch.setenv("SALA_ADMIN_PASSWORD", "12345678")
    with pytest.raises(CommandError) as weak:
        setup("--email", EMAIL, "--no-input")
    assert "too short" in str(weak.value) or "too common" in str(weak.value)
    assert not User.objects.exists()

    # Interactive: the e-mail and the password (twice) are asked for.
    monkeypatch.delenv("SALA_ADMIN_PASSWORD")
    monkeypatch.setattr("builtins.input", lambda prompt: EMAIL)
    answers = iter([PASSWORD, "typo", PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    setup()
    assert User.objects.get(email=EMAIL).check_password(PASSWORD)


def test_seed_demo_refuses_production_settings_unless_forced(db, settings, monkeypatch):
    settings.SALA_PRODUCTION = True
    with pytest.raises(CommandError) as refused:
        call_command("seed_demo")
    assert "sala_setup" in str(refused.value)
    assert not HomePage.objects.exists() and not User.objects.exists()

    # --force passes the guard (the seeding itself is tested in test_site).
    class Seeded(Exception):
        pass

    def seeding(**kwargs):
        raise Seeded

    monkeypatch.setattr("lms.management.commands.seed_demo.site_home_ensure", seeding)
    with pytest.raises(Seeded):
        call_command("seed_demo", "--force")


def test_seed_demo_refuses_the_real_production_settings(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "CERTIFICATES_", "SALA_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="lms.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(48),
        DJANGO_ALLOWED_HOSTS="sala.example.org",
        CERTIFICATES_KEK=secrets.token_urlsafe(48),
        CACHE_URL="dbcache://sala_cache",
        DATABASE_URL=f"sqlite:///{tmp_path / 'production.sqlite3'}",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "does not run with production settings" in result.stderr
