"""The Wagtail admin: snippets for the four models, import with preview, export."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from competencies import framework_io
from competencies.admin_views import PENDING_IMPORT_KEY
from competencies.models import Competence, Framework
from competencies.services import framework_load_default
from tests.competencies.conftest import counts, make_csv, make_xlsx
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _english_admin(client):
    """The Wagtail admin follows the browser's language; these tests read English."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/competencies/import/"
EXPORT_URL = "/admin/competencies/export/"


def upload(data, name="framework.csv"):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def preview(client, data, name="framework.csv", **fields):
    return client.post(
        IMPORT_URL, {"action": "preview", "file": upload(data, name), **fields}
    )


def new_framework_fields():
    return {"code": "pilot", "name_en": "Pilot", "name_km": "សាកល្បង"}


def test_editor_previews_then_applies_a_new_framework(client, editor, good_rows):
    client.force_login(editor)
    response = client.get(IMPORT_URL)
    assert response.status_code == 200
    assert b"Import framework" in response.content

    response = preview(client, make_csv(good_rows), **new_framework_fields())
    assert response.status_code == 200
    page = response.content.decode()
    assert "import-summary" in page and "import-errors" not in page
    assert "ការការពារទិន្នន័យផ្ទាល់ខ្លួន និងឯកជនភាព" in page
    assert counts() == (0, 0, 0, 0)
    result = response.context["result"]
    assert result.dry_run and result.summary()["competences"]["created"] == 3
    token = response.context["token"]
    assert token and f'value="{token}"' in page

    response = client.post(IMPORT_URL, {"action": "apply", "token": token})
    assert response.status_code == 302
    assert counts() == (1, 2, 2, 3)
    framework = Framework.objects.get(code="pilot")
    assert framework.name_km == "សាកល្បង"
    assert PENDING_IMPORT_KEY not in client.session

    response = client.get(response["Location"])
    assert "3 competences created" in response.content.decode()

    # The token was used up: applying again changes nothing.
    response = client.post(IMPORT_URL, {"action": "apply", "token": token}, follow=True)
    assert "no longer available" in response.content.decode()
    assert counts() == (1, 2, 2, 3)


def test_preview_lists_errors_by_row_and_column(client, editor, good_rows):
    client.force_login(editor)
    rows = [
        *good_rows,
        ["competence", "A.1", "Z", "Dup", "", "", "", ""],
        ["badtype", "Q", "", "Q", "Q", "", "", ""],
    ]
    response = preview(client, make_csv(rows), **new_framework_fields())
    assert response.status_code == 200
    errors = [(error.row, error.column) for error in response.context["result"].errors]
    assert errors == [(9, "code"), (9, "parent"), (9, "name_km"), (10, "type")]
    page = response.content.decode()
    assert "import-errors" in page and "4 errors" in page
    assert "<td>9</td>" in page and "<code>parent</code>" in page
    assert response.context["token"] is None
    assert 'name="token"' not in page
    assert PENDING_IMPORT_KEY not in client.session
    assert counts() == (0, 0, 0, 0)


def test_preview_of_wrong_encoding_and_broken_workbook(client, editor, good_rows):
    client.force_login(editor)
    framework = framework_load_default()
    rows = [["area", "9", "", "Café", "Kafe", "", "", ""]]
    response = preview(
        client, make_csv(rows, encoding="cp1252"), framework=framework.pk
    )
    errors = response.context["result"].errors
    assert [(e.row, e.column) for e in errors] == [(2, framework_io.WHOLE_ROW)]
    assert "UTF-8" in response.content.decode()

    response = preview(client, b"PK\x03\x04broken", "f.xlsx", framework=framework.pk)
    assert [e.row for e in response.context["result"].errors] == [None]
    assert "Excel" in response.content.decode()


def test_apply_into_existing_framework_from_xlsx(client, editor, good_rows):
    framework = framework_load_default()
    before = framework.competences.count()
    client.force_login(editor)
    rows = [
        [
            "competence",
            "4.5",
            "4",
            "Protecting oneself from scams",
            "ការការពារខ្លួនពីការបោកប្រាស់",
            "",
            "",
            "",
        ],
        [
            "competence",
            "4.2",
            "4",
            "Protecting personal data and privacy",
            "ការការពារទិន្នន័យផ្ទាល់ខ្លួន និងឯកជនភាព",
            "Changed.",
            "",
            "",
        ],
    ]
    response = preview(client, make_xlsx(rows), "new.xlsx", framework=framework.pk)
    result = response.context["result"]
    assert result.errors == []
    assert result.competences.created == ["4.5"]
    assert result.competences.updated == ["4.2"]
    assert len(result.competences.absent) == len(result.competences.retire) == 25
    page = response.content.decode()
    assert "Not in the file: to retire" in page and 'id="import-retire"' in page

    client.post(IMPORT_URL, {"action": "apply", "token": response.context["token"]})
    assert framework.competences.count() == before + 1
    assert Competence.objects.get(code="4.2").description_en == "Changed."
    assert Competence.objects.get(code="4.5").area.code == "4"
    assert framework.competences.filter(retired_at__isnull=False).count() == 25


def test_apply_with_a_wrong_token_does_nothing(client, editor, good_rows):
    client.force_login(editor)
    preview(client, make_csv(good_rows), **new_framework_fields())
    response = client.post(IMPORT_URL, {"action": "apply", "token": "forged"})
    assert response.status_code == 302
    assert counts() == (0, 0, 0, 0)


def test_form_requires_names_for_a_new_framework(client, editor, good_rows):
    client.force_login(editor)
    response = preview(client, make_csv(good_rows), code="pilot")
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name_en", "name_km"}
    assert response.context["result"] is None


def test_form_refuses_other_file_types(client, editor):
    client.force_login(editor)
    # Not .txt: that is how Excel names its "Unicode Text" (UTF-16) files.
    response = preview(client, b"hello", "notes.ods", **new_framework_fields())
    assert "file" in response.context["form"].errors


def test_learner_is_refused(client, learner, good_rows):
    client.force_login(learner)
    for url in (IMPORT_URL, EXPORT_URL):
        response = client.get(url)
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert not response["Location"].startswith(url)
    response = preview(client, make_csv(good_rows), **new_framework_fields())
    assert response.status_code in (302, 403)
    assert counts() == (0, 0, 0, 0)


def test_anonymous_is_sent_to_login(client):
    response = client.get(IMPORT_URL)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_admin_user_without_competence_permissions_is_refused(client, good_rows):
    user = UserFactory(roles=[], mfa=True, is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_competence"),
    )
    client.force_login(user)
    response = preview(client, make_csv(good_rows), **new_framework_fields())
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert counts() == (0, 0, 0, 0)
    # Viewing is enough to export.
    assert client.get(EXPORT_URL).status_code == 200


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_downloads_the_framework(client, editor, fmt):
    framework = framework_load_default()
    client.force_login(editor)
    response = client.get(EXPORT_URL)
    assert response.status_code == 200
    assert response.context["form"]["framework"].value() == framework.pk

    response = client.get(EXPORT_URL, {"framework": framework.pk, "format": fmt})
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="kh-dmil-2024.{fmt}"'
    )
    parsed = framework_io.read_table(response.content, filename=f"x.{fmt}")
    assert parsed.errors == []
    assert len(parsed.rows) == 3 + 7 + 26
    assert parsed.rows[0].name_km == "មូលដ្ឋាន"


def test_export_with_an_unknown_framework_shows_the_form(client, editor):
    client.force_login(editor)
    response = client.get(EXPORT_URL, {"framework": 999, "format": "csv"})
    assert response.status_code == 200
    assert "framework" in response.context["form"].errors


SNIPPET_URLS = [
    "/admin/snippets/competencies/framework/",
    "/admin/snippets/competencies/area/",
    "/admin/snippets/competencies/competence/",
    "/admin/snippets/competencies/proficiencylevel/",
]


@pytest.mark.parametrize("url", SNIPPET_URLS)
def test_snippet_listings_load_with_both_labels(client, url):
    framework = framework_load_default()
    admin = UserFactory(roles=[], mfa=True, is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    khmer_labels = [framework.name_km, "មូលដ្ឋាន", "សុវត្ថិភាព"]
    khmer_labels += [c.name_km for c in framework.competences.all()[:5]]
    assert any(label in page for label in khmer_labels)
    response = client.get(url, {"q": "kh-dmil" if "framework/" in url else "L1"})
    assert response.status_code == 200


def test_competence_listing_filters_and_searches(client, editor):
    framework = framework_load_default()
    safety = framework.areas.get(code="4")
    client.force_login(editor)
    url = SNIPPET_URLS[2]
    response = client.get(url, {"framework": framework.pk, "area": safety.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert "ការការពារទិន្នន័យផ្ទាល់ខ្លួន និងឯកជនភាព" in page
    assert "Computational thinking" not in page

    response = client.get(url, {"q": "ឯកជនភាព"})
    page = response.content.decode()
    assert "Protecting personal data and privacy" in page
    assert "Computational thinking" not in page


def test_editor_edits_a_competence(client, editor):
    framework_load_default()
    competence = Competence.objects.get(code="4.2")
    client.force_login(editor)
    url = f"/admin/snippets/competencies/competence/edit/{competence.pk}/"
    response = client.get(url)
    assert response.status_code == 200
    response = client.post(
        url,
        {
            "area": competence.area_id,
            "code": "4.2",
            "sort_order": 2,
            "name_en": "Protecting personal data",
            "name_km": competence.name_km,
            "description_en": "",
            "description_km": "",
            "source": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    competence.refresh_from_db()
    assert competence.name_en == "Protecting personal data"


def test_menu_shows_the_group_with_import_and_export(client, editor):
    client.force_login(editor)
    response = client.get("/admin/")
    page = response.content.decode()
    assert "Competency framework" in page
    assert IMPORT_URL in page and EXPORT_URL in page


def test_duplicate_competence_code_is_a_form_error(client, editor):
    framework_load_default()
    competence = Competence.objects.get(code="4.2")
    client.force_login(editor)
    response = client.post(
        "/admin/snippets/competencies/competence/add/",
        {
            "area": competence.area_id,
            "code": "4.2",
            "sort_order": 9,
            "name_en": "Copy",
            "name_km": "ចម្លង",
            "description_en": "",
            "description_km": "",
            "source": "",
        },
    )
    assert response.status_code == 200
    assert "already exists in this framework" in response.content.decode()
    assert Competence.objects.filter(code="4.2").count() == 1


def test_competence_listing_keeps_each_cluster_together(client, editor):
    framework_load_default()
    client.force_login(editor)
    page = client.get(SNIPPET_URLS[2]).content.decode()
    positions = [page.index(name) for name in ("Software operations", "Browsing,")]
    assert positions == sorted(positions)
