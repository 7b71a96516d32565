"""Production settings pass Django's deployment checks without a warning."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _run_check(tmp_path, **overrides):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "CELERY_", "EMAIL_", "CACHE_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="lms.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(48)[:64],
        DJANGO_ALLOWED_HOSTS="sala.example.org",
        CERTIFICATES_KEK=secrets.token_urlsafe(48),
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        CACHE_URL="redis://127.0.0.1:6379/1",
    )
    env.update(overrides)
    env = {key: value for key, value in env.items() if value is not None}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_production_settings(tmp_path):
    result = _run_check(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_a_short_secret_key(tmp_path):
    result = _run_check(tmp_path, DJANGO_SECRET_KEY="too-short")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_check_deploy_fails_without_cache_url(tmp_path):
    """Rate limits and caches must be shared between processes: without CACHE_URL
    (local memory), production refuses to deploy (other caches: lms.checks tests
    in tests/faults/test_settings.py)."""
    result = _run_check(tmp_path, CACHE_URL=None)
    assert result.returncode != 0, result.stdout
    assert "sala.E001" in result.stderr, result.stderr
    assert "CACHE_URL" in result.stderr
