"""The Content-Security-Policy: on every response, a fresh nonce each time, and
no template of Sala's with a script the policy would block. (The browser run of
every screen, tests/e2e/test_screens.py, checks that nothing is blocked.)"""

import re
from pathlib import Path

from django.conf import settings

from lms import csp

# Sala's own apps: those whose folder is in the project.
TEMPLATES = [
    path
    for app in settings.INSTALLED_APPS
    if (Path(settings.BASE_DIR) / app).is_dir()
    for path in (Path(settings.BASE_DIR) / app / "templates").rglob("*.html")
]


def test_every_response_has_the_policy_with_a_fresh_nonce(client, db):
    first = client.get("/en/accounts/login/")
    second = client.get("/en/accounts/login/")
    policies = [r["Content-Security-Policy"] for r in (first, second)]
    for policy in policies:
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["script-src"].startswith("'self' 'nonce-")
        assert "unsafe-inline" not in directives["script-src"]
        assert "unsafe-eval" not in directives["script-src"]
        assert directives["object-src"] == "'none'"
        assert directives["frame-ancestors"] == "'self'"
    nonces = [re.search(r"'nonce-([\w-]+)'", p).group(1) for p in policies]
    assert nonces[0] != nonces[1] and len(nonces[0]) >= 16


def test_report_only_switch(client, db, settings):
    settings.SALA_CSP_REPORT_ONLY = True
    response = client.get("/en/accounts/login/")
    assert "Content-Security-Policy" not in response
    assert "script-src" in response["Content-Security-Policy-Report-Only"]


def test_wagtail_choosers_carry_the_nonce_of_the_request(rf):
    from wagtail.admin.widgets import AdminPageChooser

    def view(request):
        from django.http import HttpResponse

        return HttpResponse(AdminPageChooser().render("page", None, {"id": "id_page"}))

    response = csp.ContentSecurityPolicyMiddleware(view)(rf.get("/admin/"))
    nonce = re.search(r"'nonce-([\w-]+)'", response["Content-Security-Policy"])
    html = response.content.decode()
    assert f'<script nonce="{nonce.group(1)}">' in html
    assert "<script>" not in html
    # Outside a request there is no nonce to give.
    assert csp.current_nonce() == ""


def test_no_template_of_sala_has_a_script_the_policy_blocks():
    assert len(TEMPLATES) > 50
    problems = []
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script(?![^>]*\bsrc=)([^>]*)>", text):
            attrs = match.group(1)
            if "application/json" in attrs or "{% csp_nonce %}" in attrs:
                continue
            problems.append(f"{path}: inline <script{attrs}>")
        for match in re.finditer(r"<[a-z][^>]*\son[a-z]+\s*=", text):
            problems.append(f"{path}: inline handler {match.group(0)[:60]}")
        if "javascript:" in text:
            problems.append(f"{path}: javascript: URL")
    assert problems == []
