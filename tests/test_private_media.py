"""Private media leave only through their views: certificate PDFs (holder and
staff; revoked or not, never by URL), exports, lesson documents. Behind nginx the
view answers with X-Accel-Redirect and nginx sends the file; without it the view
streams it. The last test runs a real nginx (deploy/nginx/sala.conf) in front of
the site."""

import gzip
from urllib.parse import urlsplit

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model

from certificates import services
from certificates.models import CertificateJob
from tests.certificates.conftest import (  # noqa: F401
    certificate,
    complete,
    completed,
    course,
    framework,
    learner,
    site_tree,
    template,
)
from tests.factories import UserFactory
from tests.processes import NGINX, Nginx, production_env, run_python

ACCEL = "/_protected_media/"


def download_url(certificate):  # noqa: F811
    return f"/en/learning/certificates/{certificate.code}/download/"


@pytest.fixture
def accel(settings):
    settings.SALA_MEDIA_ACCEL_REDIRECT = ACCEL


@pytest.fixture
def staff(db):
    user = UserFactory(email="editor@example.org", is_staff=True)
    user.groups.add(Group.objects.get(name="Editor"))
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    return user


def test_the_holder_gets_an_accel_redirect_to_the_pdf(client, certificate, accel):  # noqa: F811
    client.force_login(certificate.user)
    response = client.get(download_url(certificate))
    assert response.status_code == 200
    assert response.content == b""
    assert response["X-Accel-Redirect"] == ACCEL + certificate.pdf.name
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="certificate-{certificate.code_display}.pdf"'
    )


def test_without_the_setting_the_pdf_is_streamed(client, certificate):  # noqa: F811
    client.force_login(certificate.user)
    response = client.get(download_url(certificate))
    assert "X-Accel-Redirect" not in response
    with certificate.pdf.open("rb") as pdf:
        assert b"".join(response.streaming_content) == pdf.read()


def test_others_get_no_redirect(client, certificate, course, accel):  # noqa: F811
    stranger = UserFactory(email="stranger@example.org")
    complete(stranger, course)
    client.force_login(stranger)
    response = client.get(download_url(certificate))
    assert response.status_code == 403 and "X-Accel-Redirect" not in response
    client.logout()
    response = client.get(download_url(certificate))
    assert response.status_code == 302 and "X-Accel-Redirect" not in response


def test_staff_downloads_from_the_admin_go_through_nginx(
    client,
    certificate,  # noqa: F811
    staff,
    accel,
):
    client.force_login(staff)
    response = client.get(f"/admin/certificates/{certificate.pk}/pdf/")
    assert response.status_code == 200, response.content[:500]
    assert response["X-Accel-Redirect"] == ACCEL + certificate.pdf.name
    job = CertificateJob.objects.create(
        kind=CertificateJob.Kind.EXPORT, status=CertificateJob.Status.DONE
    )
    job.file.save("export-1.zip", ContentFile(b"PK\x05\x06" + bytes(18)))
    response = client.get(f"/admin/certificates/jobs/{job.pk}/download/")
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == ACCEL + job.file.name
    assert response["Content-Type"] == "application/zip"


@pytest.fixture
def document(db):
    document = get_document_model().objects.create(
        title="Lesson notes",
        file=ContentFile(b"%PDF-1.4 lesson notes", name="មេរៀន notes.pdf"),
    )
    yield document
    document.file.delete(save=False)


def test_lesson_documents_take_the_same_path(client, document, settings):
    url = document.url
    streamed = client.get(url)
    assert b"".join(streamed.streaming_content) == b"%PDF-1.4 lesson notes"
    settings.SALA_MEDIA_ACCEL_REDIRECT = ACCEL
    response = client.get(url)
    assert response.status_code == 200
    # Percent-encoded: nginx decodes the header's path as it does a request's.
    location = response["X-Accel-Redirect"]
    assert location.startswith(f"{ACCEL}documents/") and " " not in location
    assert "%E1%9E%98" in location  # ម
    assert response.content == b""


_DEBUG_MEDIA = """
import json

import django

django.setup()
from django.test import Client
from django.urls import Resolver404, resolve

image = Client().get("/media/images/a.png", HTTP_HOST="sala.example.org")
try:
    pdf_view = resolve("/media/certificates/2026/01/A.pdf").func.__name__
except Resolver404:
    pdf_view = None
body = b"".join(image.streaming_content).decode()
print(json.dumps([image.status_code, body, pdf_view]))
"""


def test_runserver_serves_only_public_media(tmp_path):
    """DEBUG (lms.settings.dev) serves renditions as nginx does, and never the
    private folders by their URL."""
    import json

    media = tmp_path / "media"
    (media / "images").mkdir(parents=True)
    (media / "images" / "a.png").write_bytes(b"png-bytes")
    (media / "certificates" / "2026" / "01").mkdir(parents=True)
    (media / "certificates" / "2026" / "01" / "A.pdf").write_bytes(b"%PDF-secret")
    env = production_env(
        tmp_path, DJANGO_SETTINGS_MODULE="lms.settings.dev", MEDIA_ROOT=str(media)
    )
    result = run_python(_DEBUG_MEDIA, env)
    assert result.returncode == 0, result.stderr
    status, image, pdf_view = json.loads(result.stdout.splitlines()[-1])
    assert (status, image) == (200, "png-bytes")
    # No view answers for it (a browser would be sent on to /km/media/…,
    # which Wagtail's pages answer with a 404).
    assert pdf_view is None


# --- through a real nginx -----------------------------------------------------


@pytest.fixture
def revoked(course, template):  # noqa: F811
    other = UserFactory(email="revoked@example.org", full_name_latin="CHAN Thida")
    complete(other, course)
    issued = services.certificate_issue(
        user=other, course_key=course.translation_key
    ).certificate
    return services.certificate_revoke(
        certificate=issued, actor=None, reason="Issued in error"
    )


@pytest.mark.skipif(
    NGINX is None, reason="needs nginx (apt-get install nginx or nginx-light)"
)
@pytest.mark.django_db(transaction=True)
def test_through_nginx_pdfs_leave_only_through_their_view(
    live_server,
    client,
    certificate,  # noqa: F811
    revoked,
    document,
    settings,
    tmp_path,
):
    settings.SALA_MEDIA_ACCEL_REDIRECT = ACCEL
    settings.ALLOWED_HOSTS = ["sala.example.org"]
    upstream = urlsplit(live_server.url)
    assert upstream.hostname in ("localhost", "127.0.0.1")
    static = tmp_path / "static"
    static.mkdir()
    nginx = Nginx(
        tmp_path,
        upstream_port=upstream.port,
        static_root=static,
        media_root=django_settings.MEDIA_ROOT,
    )
    client.force_login(certificate.user)
    holder = {
        "Cookie": f"{settings.SESSION_COOKIE_NAME}="
        f"{client.cookies[settings.SESSION_COOKIE_NAME].value}"
    }
    with certificate.pdf.open("rb") as pdf:
        pdf_bytes = pdf.read()
    nginx.start()
    try:
        # By URL, nobody gets a PDF: not a stranger, not the holder, not through
        # the internal location.
        for item in (certificate, revoked):
            for headers in ({}, holder):
                status, _, body = nginx.get(item.pdf.url, headers=headers)
                assert status == 404 and b"%PDF" not in body
            status, _, body = nginx.get(ACCEL + item.pdf.name, headers=holder)
            assert status == 404 and b"%PDF" not in body

        # The holder, through the view: nginx sends the file Django pointed at.
        status, headers, body = nginx.get(download_url(certificate), headers=holder)
        assert status == 200
        assert body == pdf_bytes
        assert headers["Content-Type"] == "application/pdf"
        assert certificate.code_display in headers["Content-Disposition"]
        assert headers["Content-Length"] == str(len(pdf_bytes))
        assert "X-Accel-Redirect" not in headers
        assert "no-store" in headers["Cache-Control"]

        # The revoked certificate: anonymous visitors are sent to log in.
        status, headers, body = nginx.get(download_url(revoked))
        assert status == 302 and "/accounts/login/" in headers["Location"]
        assert b"%PDF" not in body
        # Its public page says it is revoked; no link to the PDF.
        status, headers, body = nginx.get(
            f"/en/verify/{revoked.code}/", headers={"Accept-Encoding": "gzip"}
        )
        assert status == 200 and headers["Content-Encoding"] == "gzip"
        page = gzip.decompress(body).decode()
        assert "revoked" in page.lower()
        assert revoked.pdf.name not in page and "/download/" not in page

        # A lesson document, its Khmer file name percent-encoded on the way.
        status, headers, body = nginx.get(document.url)
        assert (status, body) == (200, b"%PDF-1.4 lesson notes")
    finally:
        nginx.stop()
