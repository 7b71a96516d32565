"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's
live server. Screenshots of every step go to artifacts/e2e/."""

import os
import re
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import sync_playwright

from lms.services import site_home_ensure

# Playwright's sync API runs an event loop in the test's thread; the ORM calls the
# tests and fixtures make there are still synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "e2e"

# A phone whose browser prefers Khmer, and a desktop whose browser prefers English:
# the site must follow the address, not the browser's preference.
VIEWPORTS = {
    "mobile": {"viewport": {"width": 390, "height": 844}, "locale": "km-KH"},
    "desktop": {"viewport": {"width": 1280, "height": 800}, "locale": "en-US"},
}


# Module scope: the event loop Playwright runs must not outlive the browser tests.
@pytest.fixture(scope="module", autouse=True)
def browser(django_db_setup):
    serialized = {
        alias: getattr(connections[alias], "_test_serialized_contents", None)
        for alias in connections
    }
    with sync_playwright() as playwright:
        # Playwright now runs an event loop in this thread, and asgiref hands
        # code under a running loop its own database connection objects. Give
        # them the data Django serialized at set-up, so that serialized_rollback
        # restores what the migrations created (roles, institutions, Wagtail's
        # root page) before each browser test, whichever tests ran before.
        for alias, contents in serialized.items():
            if contents is not None:
                connections[alias]._test_serialized_contents = contents
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
def demo_site(live_server):
    """The home pages of the demo, in Khmer and English."""
    return site_home_ensure()
