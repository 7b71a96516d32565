import re

import pytest

from tests.factories import DEFAULT_PASSWORD

LINK = re.compile(r"https?://[^/\s]+(/\S+)")


def link_path(message) -> str:
    """The path of the one link in an e-mail body."""
    [path] = LINK.findall(message.body)
    return path


@pytest.fixture
def login(client):
    """Sign in through the allauth form, as a person would (allauth then knows
    the login is recent, which e-mail and MFA changes require)."""

    def _login(user, password=DEFAULT_PASSWORD, lang="en"):
        return client.post(
            f"/{lang}/accounts/login/", {"login": user.email, "password": password}
        )

    return _login


@pytest.fixture
def mfa_tolerance(settings):
    # Accept the neighbouring 30-second windows, so a test crossing one passes.
    settings.MFA_TOTP_TOLERANCE = 1
