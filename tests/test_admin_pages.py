"""Every admin page answers, for every staff role, on the demo content: each menu
entry, each snippet listing with its add form and one edit form, each page type's
edit form, and every custom page an app registers (organisers' competition pages,
certificates, the framework import). A role may be refused (403, or sent to log
in), never served a server error. Every icon a page uses is one of Wagtail's."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import URLPattern, reverse
from wagtail import hooks
from wagtail.admin.menu import admin_menu
from wagtail.models import Page
from wagtail.snippets.models import get_snippet_models

from accounts import roles
from certificates.models import Certificate, CertificateJob, CertificateTemplate
from competitions.models import Contest
from tests.factories import UserFactory

STAFF = [roles.EDITOR, roles.ADMINISTRATOR, roles.TRAINER, roles.COORDINATOR]
ICON_RE = re.compile(r'href="#icon-([\w-]+)"')
# An inline script the browser would run: no src, and JavaScript (or no) type.
INLINE_SCRIPT_RE = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>", re.IGNORECASE)
NONCE_RE = re.compile(r"'nonce-([\w-]+)'")
HANDLER_RE = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def csp_problems(response) -> list[str]:
    """Inline scripts the page's Content-Security-Policy would block: without the
    response's nonce, or inline event handlers (never allowed)."""
    policy = response.get("Content-Security-Policy", "")
    nonce = NONCE_RE.search(policy)
    if not nonce:
        return ["no Content-Security-Policy with a nonce"]
    html = response.content.decode()
    problems = []
    for attrs in INLINE_SCRIPT_RE.findall(html):
        type_ = re.search(r'type="([^"]+)"', attrs)
        if type_ and "javascript" not in type_.group(1) and "module" != type_.group(1):
            continue  # data (application/json), not run
        if f'nonce="{nonce.group(1)}"' not in attrs:
            problems.append(f"inline script without the nonce: <script{attrs}>")
    problems += [f"inline handler: {m[:80]}" for m in HANDLER_RE.findall(html)]
    return problems


def wagtail_icons() -> set[str]:
    """The icons of Wagtail's sprite (its own and any registered by a hook)."""
    from wagtail.admin.icons import get_icons

    return set(re.findall(r'id="icon-([\w-]+)"', get_icons()))


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo content, seeded once for the module; its files in ``media``."""
    from django.test import override_settings

    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        call_command("seed_demo", stdout=StringIO())
        yield media
        from tests.conftest import _restore_migrated_data

        _restore_migrated_data()


def _menu_urls(request) -> list[str]:
    urls = []

    def walk(items):
        for item in items:
            if getattr(item, "menu", None) is not None:
                walk(item.menu.menu_items_for_request(request))
            elif item.url and item.url.startswith("/admin/"):
                urls.append(item.url)

    walk(admin_menu.menu_items_for_request(request))
    return urls


def _snippet_urls() -> list[str]:
    urls = []
    for model in get_snippet_models():
        viewset = model.snippet_viewset
        urls.append(reverse(viewset.get_url_name("list")))
        urls.append(reverse(viewset.get_url_name("add")))
        instance = model.objects.order_by("pk").first()
        if instance is not None:
            urls.append(reverse(viewset.get_url_name("edit"), args=[instance.pk]))
    return urls


def _page_urls() -> list[str]:
    urls = ["/admin/pages/"]
    seen = set()
    for page in Page.objects.filter(depth__gt=1).specific().order_by("path"):
        kind = type(page)
        if kind in seen:
            continue
        seen.add(kind)
        urls.append(reverse("wagtailadmin_pages:edit", args=[page.pk]))
        urls.append(reverse("wagtailadmin_explore", args=[page.pk]))
        parent = page.get_parent()
        urls.append(
            reverse(
                "wagtailadmin_pages:add",
                args=[kind._meta.app_label, kind._meta.model_name, parent.pk],
            )
        )
    return urls


def _custom_urls() -> list[str]:
    """Every URL the apps register in the admin, filled with a demo object (GET
    only: views that change things answer a GET with 405 or a form)."""
    contest = Contest.objects.order_by("pk").first()
    certificate = Certificate.objects.order_by("pk").first()
    job = CertificateJob.objects.order_by("pk").first()
    template = CertificateTemplate.objects.order_by("pk").first()
    fills = {
        "competitions_admin_": {"pk": contest and contest.pk, "fmt": "xlsx"},
        "certificates_admin_job": {"pk": job and job.pk},
        "certificates_admin_preview": {"pk": template and template.pk},
        "certificates_admin_contest_issue": {"contest_pk": contest and contest.pk},
        "certificates_admin_": {"pk": certificate and certificate.pk},
    }
    urls = []
    for hook in hooks.get_hooks("register_admin_urls"):
        for pattern in hook():
            if not isinstance(pattern, URLPattern) or not pattern.name:
                continue
            wanted = set(pattern.pattern.regex.groupindex)
            fill = next(
                (v for prefix, v in fills.items() if pattern.name.startswith(prefix)),
                {},
            )
            kwargs = {name: fill.get(name) for name in wanted}
            if any(value is None for value in kwargs.values()):
                continue
            urls.append(reverse(pattern.name, kwargs=kwargs))
    return urls


@pytest.mark.django_db
@pytest.mark.parametrize("role", STAFF)
def test_every_admin_page_answers_for_every_staff_role(client, demo, role, settings):
    settings.MEDIA_ROOT = demo
    user = UserFactory(roles=[role], mfa=True, email=f"{role.lower()}@admin.test")
    client.force_login(user)
    request = RequestFactory().get("/admin/")
    request.user = user
    home = client.get("/admin/")
    if role in (roles.TRAINER, roles.COORDINATOR):
        # No access to the admin at all: sent away, not an error.
        assert home.status_code in (302, 403)
        urls = _snippet_urls() + _custom_urls()
    else:
        assert home.status_code == 200
        urls = _menu_urls(request) + _snippet_urls() + _page_urls() + _custom_urls()
    assert len(urls) > 20
    known = wagtail_icons()
    problems = []
    for url in dict.fromkeys(urls):
        response = client.get(url)
        if response.status_code >= 500 or response.status_code not in (
            200,
            302,
            403,
            404,
            405,
        ):
            problems.append(f"{url}: {response.status_code}")
            continue
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            unknown = set(ICON_RE.findall(response.content.decode())) - known
            if unknown:
                problems.append(f"{url}: unknown icons {sorted(unknown)}")
            problems += [f"{url}: {p}" for p in csp_problems(response)[:3]]
    assert problems == []


def test_the_icon_check_knows_wagtails_icons():
    icons = wagtail_icons()
    assert {"doc-full", "view", "edit", "history", "download"} <= icons
    assert "no-such-icon" not in icons
