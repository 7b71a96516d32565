"""The site shell: home pages in both languages, the language switcher, errors,
fonts, page weight, migrations and the demo data."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from wagtail.models import Locale, Page, Revision, Site

from accounts.models import User
from certificates.models import CertificateTemplate
from cohorts.models import Membership
from competencies.models import Competence, Framework
from competitions.models import Contest
from courses.demo import catalogue_ensure
from lms.demo_content import DEMO_ACCOUNTS, DEMO_PASSWORD
from lms.models import HomePage
from lms.services import site_home_ensure

KHMER = re.compile("[\u1780-\u17ff]")


class _Forms(HTMLParser):
    """Collect the forms of a page: action, method, inputs and submit buttons."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"attrs": attrs, "inputs": {}, "buttons": []})
        elif self.forms and tag == "input" and attrs.get("name"):
            self.forms[-1]["inputs"][attrs["name"]] = attrs.get("value", "")
        elif self.forms and tag == "button" and attrs.get("name"):
            self.forms[-1]["buttons"].append((attrs["name"], attrs.get("value", "")))


def _language_switcher(html):
    parser = _Forms()
    parser.feed(html)
    forms = [
        form
        for form in parser.forms
        if "language-switcher" in form["attrs"].get("class", "")
    ]
    assert len(forms) == 1
    return forms[0]


def _html_lang(html):
    return re.search(r'<html lang="([^"]+)"', html).group(1)


@pytest.fixture
def home(db):
    return site_home_ensure()


@pytest.fixture
def framework(db):
    return Framework.objects.create(
        code="dmil-test",
        name_en="Digital literacy framework",
        name_km="ក្របខណ្ឌអក្ខរកម្មឌីជីថល",
        is_default=True,
    )


def test_home_page_in_khmer(client, home):
    response = client.get("/km/")
    html = response.content.decode()
    assert response.status_code == 200
    assert _html_lang(html) == "km"
    assert "រៀនជំនាញឌីជីថលជាមួយសាលា" in html
    for heading in ("មន្ត្រីរាជការ", "និស្សិត", "គ្រូបណ្តុះបណ្តាល"):
        assert heading in html
    assert "Civil servants" not in html


def test_home_page_in_english(client, home):
    response = client.get("/en/")
    html = response.content.decode()
    assert response.status_code == 200
    assert _html_lang(html) == "en"
    assert "Learn digital skills with Sala" in html
    for heading in ("Civil servants", "Students", "Trainers"):
        assert heading in html
    assert "មន្ត្រីរាជការ" not in html


def test_header_and_hero_link_to_the_catalogue_in_the_active_language(client, home):
    assert 'href="/en/courses/"' not in client.get("/en/").content.decode()
    catalogue_ensure(home_km=home, locale_en=Locale.objects.get(language_code="en"))
    english = client.get("/en/").content.decode()
    khmer = client.get("/km/").content.decode()
    assert english.count('href="/en/courses/"') == 2
    assert khmer.count('href="/km/courses/"') == 2


def test_header_of_a_signed_in_learner(client, home):
    client.force_login(User.objects.create_user(email="dara@example.org"))
    header = client.get("/en/").content.decode().split("</header>")[0]
    with translation.override("en"):
        for name in ("courses:my_learning", "accounts:profile", "account_logout"):
            assert f'"{reverse(name)}"' in header, name
        assert f'"{reverse("account_login")}"' not in header


def test_site_root_is_the_khmer_home_page_and_welcome_page_is_gone(home):
    site = Site.objects.get(is_default_site=True)
    assert site.root_page.specific == home
    assert home.locale.language_code == "km"
    english = home.get_translation(Locale.objects.get(language_code="en"))
    assert english.live and home.live
    assert not Page.objects.filter(depth=2).exact_type(Page).exists()


@pytest.mark.parametrize(
    ("path", "language", "expected"),
    [
        ("/km/", "en", "/en/"),
        ("/en/", "km", "/km/"),
        ("/km/framework/", "en", "/en/framework/"),
        ("/en/framework/", "km", "/km/framework/"),
    ],
)
def test_language_switcher_goes_to_the_same_page_in_the_other_language(
    client, home, framework, path, language, expected
):
    page = client.get(path)
    assert page.status_code == 200
    switcher = _language_switcher(page.content.decode())
    assert switcher["attrs"]["action"] == reverse("set_language")
    assert switcher["attrs"]["method"] == "post"
    assert switcher["inputs"]["next"] == path
    assert switcher["buttons"] == [("language", language)]

    data = dict(switcher["inputs"])
    data["language"] = language
    response = client.post(switcher["attrs"]["action"], data)
    assert response.status_code == 302
    assert response["Location"] == expected

    followed = client.get(response["Location"])
    assert followed.status_code == 200
    assert _html_lang(followed.content.decode()) == language


def test_404_page_renders_in_the_site_shell(client, home):
    response = client.get("/en/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html
    assert 'class="site-header"' in html
    assert _html_lang(html) == "en"

    response = client.get("/km/no-such-page/")
    assert response.status_code == 404
    assert _html_lang(response.content.decode()) == "km"


def test_500_page_renders_without_a_request():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong" in html
    assert KHMER.search(html)


def _font_urls(css):
    return re.findall(r'url\("?([^")]+\.woff2)"?\)', css)


@pytest.mark.parametrize(
    "name",
    [
        "NotoSans-Regular.woff2",
        "NotoSans-Bold.woff2",
        "NotoSansKhmer-Regular.woff2",
        "NotoSansKhmer-Bold.woff2",
    ],
)
def test_fonts_are_served_as_woff2(client, name):
    response = client.get(f"/static/fonts/{name}")
    assert response.status_code == 200
    assert response["Content-Type"] == "font/woff2"
    body = b"".join(response.streaming_content)
    assert body[:4] == b"wOF2"


def test_home_page_with_its_css_and_fonts_weighs_under_150_kb(client, home):
    html = client.get("/km/").content
    css_path = Path(finders.find("css/sala.css"))
    css = css_path.read_text()
    fonts = _font_urls(css)
    # Khmer text, Latin text (names, "CSV"), and bold headings in both scripts.
    assert len(fonts) == 4
    font_bytes = 0
    for url in fonts:
        font = (css_path.parent / url).resolve()
        assert font.is_file(), url
        font_bytes += font.stat().st_size
    # Everything the page asks for at first paint: fonts preloaded in the head
    # must be among those the CSS declares.
    preloaded = re.findall(r'href="/static/(fonts/[^"]+)" as="font"', html.decode())
    assert preloaded
    assert {Path(p).name for p in preloaded} <= {Path(u).name for u in fonts}
    total = len(html) + len(css.encode()) + font_bytes
    assert total < 150 * 1024, f"{total} bytes"


def test_no_missing_migrations(db):
    call_command("makemigrations", check=True, dry_run=True, verbosity=0)


def _counts():
    return {
        "locales": Locale.objects.count(),
        "pages": Page.objects.count(),
        "revisions": Revision.objects.count(),
        "sites": Site.objects.count(),
        "users": User.objects.count(),
        "emails": EmailAddress.objects.count(),
        "frameworks": Framework.objects.count(),
        "competences": Competence.objects.count(),
        "memberships": User.groups.through.objects.count(),
        "certificate_templates": CertificateTemplate.objects.count(),
        "contests": Contest.objects.count(),
        "cohort_members": Membership.objects.count(),
    }


def test_seed_demo_is_idempotent_and_its_logins_work(db, capsys):
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")
    assert _counts() == first

    assert first["sites"] == 1
    assert HomePage.objects.count() == 2
    assert first["frameworks"] >= 1 and first["competences"] > 0
    assert first["certificate_templates"] == 3 and first["contests"] == 1
    assert first["cohort_members"] > 1
    output = capsys.readouterr().out
    assert DEMO_PASSWORD in output
    assert "TOTP" in output

    for account in DEMO_ACCOUNTS:
        user = User.objects.get(email=account["email"])
        assert user.has_role(account["role"])
        assert EmailAddress.objects.filter(
            user=user, email=account["email"], verified=True, primary=True
        ).exists()
        assert user.full_name_km and user.full_name_latin

    learner = User.objects.get(email="learner@sala.demo")
    assert learner.learner_kind == "civil_servant"
    assert learner.institution.code == "mptc"
    student = User.objects.get(email="student@sala.demo")
    assert (student.learner_kind, student.institution.code) == ("student", "rupp")
    assert User.objects.get(email="editor@sala.demo").is_staff
    assert User.objects.get(email="admin@sala.demo").is_superuser

    # Every account logs in with the printed password; the roles that need a
    # second factor are sent to set it up first.
    for account in DEMO_ACCOUNTS:
        client = Client()
        response = client.post(
            reverse("account_login"),
            {"login": account["email"], "password": DEMO_PASSWORD},
        )
        assert response.status_code == 302, account["email"]
        home = client.get("/en/")
        if account["role"] == "Learner":
            assert home.status_code == 200
            assert "Log out" in home.content.decode()
        else:
            assert home.status_code == 302, account["email"]
            assert home["Location"] == reverse("mfa_activate_totp")


def test_the_header_links_each_role_to_its_tools(client, home):
    """Trainers reach their dashboard, coordinators their ministry's report,
    editors and administrators the admin and the competitions they organise, in
    both languages; learners see none of these."""
    from accounts import roles
    from accounts.models import Institution
    from cohorts import services as cohort_services
    from tests.factories import UserFactory

    def header(user, language):
        client.force_login(user)
        html = client.get(f"/{language}/").content.decode()
        return html[html.index("<header") : html.index("</header>")]

    learner = UserFactory(email="header-learner@example.org")
    trainer = UserFactory(
        email="header-trainer@example.org", roles=[roles.TRAINER], mfa=True
    )
    editor = UserFactory(
        email="header-editor@example.org", roles=[roles.EDITOR], mfa=True
    )
    coordinator = UserFactory(email="header-coordinator@example.org", mfa=True)
    ministry = Institution.objects.order_by("pk").first()
    cohort_services.coordinator_appoint(user=coordinator, institution=ministry)
    dashboard = reverse("cohorts:dashboard")
    rollup = reverse("cohorts:rollup", args=[ministry.code])
    for language, labels in (
        ("en", ("Trainer dashboard", "Ministry report", "Admin")),
        ("km", ("ផ្ទាំងគ្រប់គ្រងគ្រូបណ្តុះបណ្តាល", "របាយការណ៍ក្រសួង", "ផ្ទាំងគ្រប់គ្រងវេទិកា")),
    ):
        with translation.override(language):
            dashboard = reverse("cohorts:dashboard")
            rollup = reverse("cohorts:rollup", args=[ministry.code])
        plain = header(learner, language)
        assert dashboard not in plain and "/admin/" not in plain
        assert f'href="{dashboard}">{labels[0]}<' in header(trainer, language)
        assert f'href="{rollup}">{labels[1]}<' in header(coordinator, language)
        tools = header(editor, language)
        assert f'href="/admin/">{labels[2]}<' in tools
        assert "/admin/snippets/competitions/contest/" in tools
        assert dashboard not in tools
