"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's
live server. Screenshots of every step go to artifacts/e2e/."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from lms.screens import CHROMIUM, CHROMIUM_ARGS
from lms.services import site_home_ensure

# Playwright's sync API runs an event loop in the test's thread; the ORM calls the
# tests and fixtures make there are still synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "e2e"

# A phone whose browser prefers Khmer, and a desktop whose browser prefers English:
# the site must follow the address, not the browser's preference.
VIEWPORTS = {
    "mobile": {"viewport": {"width": 390, "height": 844}, "locale": "km-KH"},
    "desktop": {"viewport": {"width": 1280, "height": 800}, "locale": "en-US"},
}


# Module scope: the event loop Playwright runs must not outlive the browser tests.
@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(params=list(VIEWPORTS))
def page(request, browser):
    context = browser.new_context(**VIEWPORTS[request.param])
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.viewport_name = request.param
    yield page
    context.close()


@pytest.fixture
def screenshot(request, page):
    """Save a full-page screenshot: artifacts/e2e/<test>-<viewport>/<nn>-<step>.png."""
    test_name = re.sub(r"[^\w-]+", "-", request.node.originalname).strip("-")
    folder = ARTIFACTS / f"{test_name}-{page.viewport_name}"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    steps = []

    def take(step):
        steps.append(step)
        path = folder / f"{len(steps):02d}-{step}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take


@pytest.fixture
def demo_site(live_server, migrated_data):
    """The home pages of the demo, in Khmer and English, on the migrated data."""
    return site_home_ensure()
