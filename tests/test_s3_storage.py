"""Media on S3-compatible storage (lms/storage.py), against moto's S3 server started
on a loopback port by the test: the objects are read back with boto3, and fetched
over HTTP as a browser (or a stranger) would.

A certificate issued when a learner completes a course lands in the bucket, not on
the disk; its holder downloads the same bytes through the view, others get 403;
the bucket answers no unsigned request. A ZIP export, a lesson document and a
Wagtail image with its rendition take the same storage, and the settings read the
bucket from the environment as the README says."""

import csv
import hashlib
import io
import json
import logging
import urllib.error
import urllib.request
import uuid
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

moto_server = pytest.importorskip("moto.server", reason="needs moto[server]")
pytest.importorskip("storages.backends.s3", reason="needs django-storages[s3]")

import boto3  # noqa: E402
from allauth.mfa.models import Authenticator  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.images import ImageFile  # noqa: E402
from django.core.files.storage import default_storage, storages  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from PIL import Image as PILImage  # noqa: E402
from pypdf import PdfReader  # noqa: E402
from storages.backends.s3 import S3Storage  # noqa: E402
from wagtail.documents import get_document_model  # noqa: E402
from wagtail.images import get_image_model  # noqa: E402
from wagtail.models import Collection  # noqa: E402

from certificates import services, verification  # noqa: E402
from certificates.models import Certificate, CertificateJob  # noqa: E402
from courses import services as course_services  # noqa: E402
from lms.storage import s3_storage  # noqa: E402
from tests.certificates.conftest import (  # noqa: E402, F401
    complete,
    course,
    framework,
    learner,
    site_tree,
    template,
)
from tests.factories import UserFactory  # noqa: E402
from tests.processes import dead_port, production_env, run_python  # noqa: E402

BUCKET = "sala-media"
REGION = "us-east-1"
ACCESS_KEY = "sala-test-key"
SECRET_KEY = "sala-test-secret"
ACCEL = "/_protected_media/"


@pytest.fixture(scope="module")
def s3_server():
    """moto's S3 on a free loopback port, with an empty private bucket."""
    port = dead_port()
    server = moto_server.ThreadedMotoServer(
        ip_address="127.0.0.1", port=port, verbose=False
    )
    # One log line per request to the stand-in would bury a failure's report.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
    client.create_bucket(Bucket=BUCKET)
    try:
        yield endpoint, client
    finally:
        server.stop()


class Bucket:
    """What a test sees of the bucket, through boto3, never through Sala."""

    def __init__(self, endpoint, client, prefix):
        self.endpoint, self.client, self.prefix = endpoint, client, prefix

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}"

    def keys(self) -> set[str]:
        listing = self.client.list_objects_v2(Bucket=BUCKET, Prefix=self.prefix + "/")
        return {item["Key"] for item in listing.get("Contents", [])}

    def read(self, name: str) -> bytes:
        return self.client.get_object(Bucket=BUCKET, Key=self.key(name))["Body"].read()

    def anonymous_get(self, name: str) -> tuple[int, bytes]:
        """An unsigned GET of the object's address, as anyone on the network."""
        return http_get(f"{self.endpoint}/{BUCKET}/{self.key(name)}")


def http_get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture
def s3(s3_server, settings):
    """Sala's default storage on the bucket, under a folder of this test's own,
    built by the same function the settings use."""
    endpoint, client = s3_server
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    # Django's setting_changed receiver empties the storages handler and
    # default_storage, so every FileField (and Wagtail's renditions, whose storage
    # is default_storage) sees the bucket from here on, and the disk again after.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage(
            bucket=BUCKET,
            endpoint_url=endpoint,
            region=REGION,
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
            prefix=prefix,
        ),
    }
    assert isinstance(storages["default"], S3Storage)
    assert default_storage.bucket_name == BUCKET
    return Bucket(endpoint, client, prefix)


def on_disk(settings, name: str) -> bool:
    return (Path(settings.MEDIA_ROOT) / name).exists()


def png(width=120, height=60, colour="navy") -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def download_url(certificate) -> str:
    return f"/en/learning/certificates/{certificate.code}/download/"


@pytest.fixture
def staff(db):
    user = UserFactory(email="editor@example.org", is_staff=True)
    user.groups.add(Group.objects.get(name="Editor"))
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    return user


@pytest.fixture
def issued(s3, learner, course, template, django_capture_on_commit_callbacks):  # noqa: F811
    """The learner completes the course's lesson, with the template's logo in the
    bucket too; the certificate is issued on commit, as in production."""
    logo = get_image_model().objects.create(
        title="Logo", file=ImageFile(io.BytesIO(png()), name="logo.png")
    )
    template.issuer_logo = logo
    template.save()
    with django_capture_on_commit_callbacks(execute=True):
        course_services.enrolment_create(user=learner, course=course)
        [lesson] = course.get_children().specific()
        course_services.lesson_complete(user=learner, lesson=lesson)
    return Certificate.objects.get(user=learner)


def test_the_certificate_pdf_is_written_to_the_bucket(s3, issued, settings):
    name = issued.pdf.name
    assert name.startswith("certificates/") and name.endswith(".pdf")
    assert s3.key(name) in s3.keys()
    assert not on_disk(settings, name)
    body = s3.read(name)
    # The bytes stored are the ones signed: their hash is the one recorded at
    # issue, and they carry the certificate's credential.
    assert hashlib.sha256(body).hexdigest() == issued.pdf_sha256
    assert verification.embedded_credential(body) == issued.credential
    # The logo was read from the bucket by the renderer and drawn.
    assert s3.key(issued.template.issuer_logo.file.name) in s3.keys()
    assert len(PdfReader(io.BytesIO(body)).pages[0].images) >= 1


def test_the_holder_downloads_it_through_the_view(client, s3, issued, settings):
    # Even with nginx's internal location configured: it points at a disk that
    # does not hold the file, so the view streams the object.
    settings.SALA_MEDIA_ACCEL_REDIRECT = ACCEL
    client.force_login(issued.user)
    response = client.get(download_url(issued))
    assert response.status_code == 200
    assert "X-Accel-Redirect" not in response
    body = b"".join(response.streaming_content)
    assert body == s3.read(issued.pdf.name)
    assert response["Content-Length"] == str(len(body))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="certificate-{issued.code_display}.pdf"'
    )


def test_strangers_get_403_and_anonymous_visitors_a_login(
    client,
    s3,
    issued,
    course,  # noqa: F811
):
    stranger = UserFactory(email="stranger@example.org")
    complete(stranger, course)
    client.force_login(stranger)
    response = client.get(download_url(issued))
    assert response.status_code == 403
    assert b"%PDF" not in response.content
    client.logout()
    response = client.get(download_url(issued))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_revoked_pdf_is_for_staff_only(client, s3, issued, staff):
    services.certificate_revoke(certificate=issued, actor=None, reason="In error")
    client.force_login(issued.user)
    assert client.get(download_url(issued)).status_code == 403
    client.force_login(staff)
    response = client.get(f"/admin/certificates/{issued.pk}/pdf/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == s3.read(issued.pdf.name)


def test_the_bucket_answers_no_unsigned_request(s3, issued):
    name = issued.pdf.name
    status, body = s3.anonymous_get(name)
    assert status == 403 and b"%PDF" not in body
    acl = s3.client.get_object_acl(Bucket=BUCKET, Key=s3.key(name))
    grantees = [grant["Grantee"].get("URI", "") for grant in acl["Grants"]]
    assert not any("AllUsers" in uri or "AuthenticatedUsers" in uri for uri in grantees)
    # The stand-in does tell the two apart: the storage's own signed URL is
    # answered, as is an object someone made public on purpose.
    signed = default_storage.url(name)
    assert "Signature=" in signed
    assert http_get(signed) == (200, s3.read(name))
    s3.client.put_object(
        Bucket=BUCKET, Key=s3.key("public.txt"), Body=b"open", ACL="public-read"
    )
    assert s3.anonymous_get("public.txt") == (200, b"open")


def test_objects_are_not_overwritten(s3):
    first = default_storage.save("certificates/same.pdf", ContentFile(b"one"))
    second = default_storage.save("certificates/same.pdf", ContentFile(b"two"))
    assert first == "certificates/same.pdf" and second != first
    assert (s3.read(first), s3.read(second)) == (b"one", b"two")


def test_the_export_zip_lands_in_the_bucket_and_downloads(
    client, s3, issued, staff, settings
):
    job = services.certificate_job_create(
        kind=CertificateJob.Kind.EXPORT, requested_by=staff
    )
    job = services.certificate_job_run(job_id=job.pk)
    assert job.status == CertificateJob.Status.DONE, job.error
    name = job.file.name
    assert name.startswith("certificate-exports/") and name.endswith(".zip")
    assert s3.key(name) in s3.keys() and not on_disk(settings, name)
    assert s3.anonymous_get(name)[0] == 403

    client.force_login(staff)
    response = client.get(f"/admin/certificates/jobs/{job.pk}/download/")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body == s3.read(name)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        manifest = archive.read("certificates.csv").decode("utf-8-sig")
        [row] = list(csv.DictReader(io.StringIO(manifest)))
        pdf = archive.read(row["file"])
    assert pdf == s3.read(issued.pdf.name)
    assert row["pdf_sha256"] == hashlib.sha256(pdf).hexdigest() == issued.pdf_sha256


def test_the_credentials_check_reads_the_pdfs_from_the_bucket(s3, issued):
    report = services.credentials_check(files=True)
    assert report.checked == 1
    assert report.ok, report.failures
    # A PDF changed in the bucket behind Sala's back is caught there.
    s3.client.put_object(Bucket=BUCKET, Key=s3.key(issued.pdf.name), Body=b"%PDF-x")
    report = services.credentials_check(files=True)
    assert {code for code, _ in report.failures} == {issued.code_display}
    assert any("SHA-256" in reason for _, reason in report.failures)


def test_an_uploaded_image_and_its_rendition(client, s3, staff, site_tree, settings):  # noqa: F811
    client.force_login(staff)
    response = client.post(
        "/admin/images/add/",
        {
            "title": "Lesson picture",
            "file": SimpleUploadedFile("picture.png", png(), "image/png"),
            "collection": Collection.get_first_root_node().pk,
        },
    )
    assert response.status_code == 302, response.content[:2000]
    image = get_image_model().objects.get(title="Lesson picture")
    assert image.file.name.startswith("original_images/")
    assert s3.key(image.file.name) in s3.keys()
    assert not on_disk(settings, image.file.name)
    assert (image.width, image.height) == (120, 60)

    rendition = image.get_rendition("fill-40x30")
    assert rendition.file.name.startswith("images/")
    assert s3.key(rendition.file.name) in s3.keys()
    # Pages link to it with a signed URL at the bucket's address, which the
    # browser can fetch; the object itself stays private.
    status, body = http_get(rendition.url)
    assert status == 200
    assert PILImage.open(io.BytesIO(body)).size == (40, 30)
    assert s3.anonymous_get(rendition.file.name)[0] == 403
    assert s3.anonymous_get(image.file.name)[0] == 403

    # The Content-Security-Policy lets pages load images from there.
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(rendition.url))
    policy = client.get("/en/")["Content-Security-Policy"]
    [img_src] = [part for part in policy.split("; ") if part.startswith("img-src ")]
    assert origin in img_src.split()


def test_a_lesson_document_is_streamed_not_redirected(client, db, s3, settings):
    settings.SALA_MEDIA_ACCEL_REDIRECT = ACCEL
    document = get_document_model().objects.create(
        title="Lesson notes",
        file=ContentFile(b"%PDF-1.4 lesson notes", name="មេរៀន notes.pdf"),
    )
    assert s3.key(document.file.name) in s3.keys()
    response = client.get(document.url)
    # Wagtail would redirect to the storage's (bearer) URL; Sala streams it.
    assert response.status_code == 200
    assert "X-Accel-Redirect" not in response
    assert b"".join(response.streaming_content) == b"%PDF-1.4 lesson notes"


_SAVE_THROUGH_SETTINGS = """
import json

import django

django.setup()
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

name = default_storage.save("probe/settings.txt", ContentFile(b"from the settings"))
print(json.dumps({
    "backend": settings.STORAGES["default"]["BACKEND"],
    "static": settings.STORAGES["staticfiles"]["BACKEND"],
    "name": name,
    "acl": default_storage.default_acl,
    "signed": default_storage.querystring_auth,
    "expire": default_storage.querystring_expire,
    "overwrite": default_storage.file_overwrite,
    "url": default_storage.url(name),
    "docs": settings.WAGTAILDOCS_SERVE_METHOD,
}))
"""


@pytest.mark.parametrize(
    "variables",
    [
        {
            "SALA_S3_BUCKET": BUCKET,
            "SALA_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "SALA_S3_SECRET_ACCESS_KEY": SECRET_KEY,
            "SALA_S3_URL_EXPIRE": "120",
        },
        # The names django-storages and boto3 document, for an existing setup.
        {
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        },
    ],
    ids=["sala-names", "aws-names"],
)
def test_production_settings_read_the_bucket_from_the_environment(
    s3_server, tmp_path, variables
):
    endpoint, client = s3_server
    prefix = f"settings-{uuid.uuid4().hex[:12]}"
    # This machine's own AWS variables, if any, reach the process only as given.
    overrides = dict.fromkeys(
        ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_STORAGE_BUCKET_NAME")
    )
    overrides.update(variables)
    env = production_env(
        tmp_path,
        SALA_S3_ENDPOINT_URL=endpoint,
        SALA_S3_REGION=REGION,
        SALA_S3_PREFIX=prefix,
        **overrides,
    )
    result = run_python(_SAVE_THROUGH_SETTINGS, env)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.splitlines()[-1])
    assert seen["backend"] == "storages.backends.s3.S3Storage"
    assert seen["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert (seen["acl"], seen["signed"], seen["overwrite"]) == (None, True, False)
    assert seen["expire"] == int(variables.get("SALA_S3_URL_EXPIRE", 300))
    assert seen["docs"] == "serve_view"
    # Path-style at the endpoint given, as MinIO and Ceph answer.
    assert seen["url"].startswith(f"{endpoint}/{BUCKET}/{prefix}/probe/")
    stored = client.get_object(Bucket=BUCKET, Key=f"{prefix}/{seen['name']}")
    assert stored["Body"].read() == b"from the settings"
