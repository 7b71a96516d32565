"""Editors and administrators manage templates and certificates in the admin."""

import csv
import io
import zipfile

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from certificates import selectors, services, signing, verification
from certificates.models import (
    Certificate,
    CertificateJob,
    CertificateTemplate,
)
from competencies.models import Competence, ProficiencyLevel
from tests.certificates.conftest import complete
from tests.factories import UserFactory


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user(
        email="editor@example.org", password="x-password-1", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Editor"))
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    return user


@pytest.fixture
def issued(completed):
    return services.certificate_issue(
        user=completed["user"], course_key=completed["course"].translation_key
    ).certificate


def test_editor_builds_a_template_and_previews_it(client, editor, course, framework):
    client.force_login(editor)
    data = nested_form_data(
        {
            "name": "Ministry completion",
            "title_km": "វិញ្ញាបនបត្រ",
            "title_en": "Certificate",
            "statement_km": "បានបញ្ចប់វគ្គសិក្សា",
            "statement_en": "has completed the course",
            "issuer_name_km": "អ្នកចេញ",
            "issuer_name_en": "Issuer",
            "issuer_logo": "",
            "institution_name_km": "",
            "institution_name_en": "",
            "institution_logo": "",
            "minimum_score": "60",
            "validity_months": "24",
            "is_active": "on",
            "signatories": inline_formset(
                [
                    {
                        "name_km": "កែវ សុវណ្ណ",
                        "name_en": "KEO Sovann",
                        "title_km": "នាយក",
                        "title_en": "Director",
                        "signature": "",
                    }
                ]
            ),
            "courses": inline_formset([{"course": course.pk}]),
            "contests": inline_formset([]),
            "competence_rules": inline_formset(
                [
                    {
                        "competence": Competence.objects.get(code="4.2").pk,
                        "minimum_level": ProficiencyLevel.objects.get(code="L1").pk,
                    }
                ]
            ),
        }
    )
    response = client.post(
        "/admin/snippets/certificates/certificatetemplate/add/", data
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    template = CertificateTemplate.objects.get(name="Ministry completion")
    assert template.signatories.get().name_en == "KEO Sovann"
    assert template.courses.get().course_id == course.pk
    assert template.competence_rules.count() == 1
    edit = client.get(
        f"/admin/snippets/certificates/certificatetemplate/edit/{template.pk}/"
    )
    assert (
        f"/admin/certificates/templates/{template.pk}/preview.pdf"
        in edit.content.decode()
    )
    preview = client.get(f"/admin/certificates/templates/{template.pk}/preview.pdf")
    assert preview.status_code == 200
    assert preview["Content-Type"] == "application/pdf"
    assert preview.content.startswith(b"%PDF")


def test_staff_list_revoke_and_reissue(client, editor, issued):
    client.force_login(editor)
    response = client.get("/admin/certificates/", {"q": "SOK Dara"})
    assert issued.code_display in response.content.decode()
    detail = client.get(f"/admin/certificates/{issued.pk}/")
    assert detail.status_code == 200 and issued.pdf_sha256 in detail.content.decode()

    response = client.post(
        f"/admin/certificates/{issued.pk}/reissue/", {"note": "Name corrected"}
    )
    new = Certificate.objects.exclude(pk=issued.pk).get()
    assert response["Location"] == f"/admin/certificates/{new.pk}/"
    response = client.post(
        f"/admin/certificates/{new.pk}/revoke/", {"reason": "Issued in error"}
    )
    new.refresh_from_db()
    assert new.status == "revoked" and new.events.last().actor == editor
    issued.refresh_from_db()
    assert issued.status == "superseded"
    # The published status list says so at once; the superseded one is not revoked.
    jwks = client.get("/.well-known/jwks.json").json()
    for certificate, revoked in ((new, "revoked"), (issued, "not_revoked")):
        vc = signing.unverified_claims(certificate.credential)["vc"]
        url = vc["credentialStatus"]["statusListCredential"]
        token = client.get(url.removeprefix(selectors.site_url())).content.decode()
        assert (
            verification.revocation_state(vc, list_tokens={url: token}, jwks=jwks)
            == revoked
        )
    detail = client.get(f"/admin/certificates/{new.pk}/").content.decode()
    assert f"/api/v1/status/{new.status_list_id}" in detail
    assert f" {new.status_list_index}</a>" in detail


def test_bulk_issue_and_zip_export_with_progress(
    client, editor, completed, course, django_capture_on_commit_callbacks
):
    second = UserFactory(
        email="b@example.org",
        full_name_km="ចាន់ ធីតា",
        full_name_latin='=HYPERLINK("http://x","CHAN Thida")',
    )
    complete(second, course)
    UserFactory(email="not-done@example.org")  # not completed: nothing for them
    client.force_login(editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/certificates/issue/", {"course": str(course.translation_key)}
        )
    job = CertificateJob.objects.get(kind="issue")
    assert response["Location"] == f"/admin/certificates/jobs/{job.pk}/"
    job.refresh_from_db()
    assert (job.status, job.total, job.issued, job.skipped) == ("done", 2, 2, 0)
    page = client.get(f"/admin/certificates/jobs/{job.pk}/").content.decode()
    assert 'value="100"' in page and 'http-equiv="refresh"' not in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/certificates/issue/", {"course": str(course.translation_key)}
        )
    again = CertificateJob.objects.filter(kind="issue").first()
    assert (again.issued, again.skipped) == (0, 2)
    assert Certificate.objects.count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/certificates/export/",
            {"course": str(course.translation_key), "date_from": "", "date_to": ""},
        )
    export = CertificateJob.objects.get(kind="export")
    assert export.status == "done" and export.done == 2
    download = client.get(f"/admin/certificates/jobs/{export.pk}/download/")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    names = archive.namelist()
    assert "certificates.csv" in names and len(names) == 3
    manifest = archive.read("certificates.csv").decode("utf-8-sig")
    assert "ចាន់ ធីតា" in manifest and "SOK Dara" in manifest
    # A name typed as a formula is text in the manifest, never a live formula.
    by_holder = {
        row["holder_name_km"]: row for row in csv.DictReader(io.StringIO(manifest))
    }
    assert (
        by_holder["ចាន់ ធីតា"]["holder_name_latin"]
        == '\'=HYPERLINK("http://x","CHAN Thida")'
    )
    assert "\n=" not in manifest and ",=" not in manifest
    for certificate in Certificate.objects.all():
        [name] = [n for n in names if certificate.code in n]
        assert archive.read(name) == certificate.pdf.read()

    response = client.post(
        "/admin/certificates/export/",
        {"course": "", "date_from": "2030-01-02", "date_to": "2030-01-01"},
    )
    assert response.status_code == 200
    assert CertificateJob.objects.filter(kind="export").count() == 1


def test_a_running_job_page_refreshes_itself(client, editor):
    job = CertificateJob.objects.create(kind="export", status="running", total=10)
    job.done = 4
    job.save()
    client.force_login(editor)
    page = client.get(f"/admin/certificates/jobs/{job.pk}/").content.decode()
    assert 'http-equiv="refresh"' in page and 'value="40"' in page


def test_learners_and_trainers_are_kept_out(client, issued):
    for role in ("Learner", "Trainer"):
        user = UserFactory(
            email=f"{role.lower()}@example.org", roles=[role], mfa=True, is_staff=True
        )
        client.force_login(user)
        for url in (
            "/admin/certificates/",
            f"/admin/certificates/{issued.pk}/",
            "/admin/certificates/issue/",
            "/admin/certificates/export/",
            f"/admin/certificates/templates/{issued.template_id}/preview.pdf",
        ):
            assert client.get(url).status_code in (302, 403), (role, url)
        response = client.post(
            f"/admin/certificates/{issued.pk}/revoke/", {"reason": "x"}
        )
        assert response.status_code in (302, 403)
    issued.refresh_from_db()
    assert issued.status == "valid"


def test_demo_template_is_idempotent(db, course, framework):
    from certificates.demo import demo_certificate_templates_load
    from certificates.models import SigningKey

    [template] = demo_certificate_templates_load()
    [again] = demo_certificate_templates_load()
    assert template.pk == again.pk
    assert CertificateTemplate.objects.count() == 1
    assert template.courses.count() == 1 and template.signatories.count() == 2
    assert "demo" in template.issuer_name_en.lower()
    assert SigningKey.objects.count() == 1
