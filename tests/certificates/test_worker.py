"""End to end with a real Celery worker: PostgreSQL, Redis, a separate process."""

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from certificates import selectors, signing
from certificates.models import Certificate
from courses.models import Enrolment
from tests.faults.worker_process import database_url

BROKER = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/0"
ROOT = Path(__file__).resolve().parents[2]


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), 2):
            return True
    except OSError:
        return False


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_issues_the_certificate_of_a_completed_course(
    migrated_data, completed, tmp_path, settings
):
    if not _reachable(BROKER):
        pytest.skip(f"needs Redis at {BROKER}")
    from certificates.tasks import certificate_issue_for_enrolment
    from lms.celery import app

    media = tmp_path / "worker-media"
    queue = f"certificates-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings.dev",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": BROKER,
        "MEDIA_ROOT": str(media),
        "CERTIFICATES_SITE_URL": "http://sala.test",
        "EMAIL_URL": "consolemail://",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "lms",
            "worker",
            "--pool=solo",
            "--queues",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False  # test settings run tasks in-process
    try:
        enrolment = Enrolment.objects.get(user=completed["user"])
        with app.connection_for_write(BROKER) as broker:
            for _ in range(2):  # delivered twice: the task must not issue twice
                certificate_issue_for_enrolment.apply_async(
                    args=[enrolment.pk], queue=queue, connection=broker
                )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and worker.poll() is None:
            if Certificate.objects.exists():
                time.sleep(2)  # let the second delivery run too
                break
            time.sleep(0.5)
    finally:
        app.conf.task_always_eager = eager
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
    certificate = Certificate.objects.filter(user=completed["user"]).first()
    assert certificate is not None, output[-3000:]
    assert Certificate.objects.count() == 1, output[-3000:]
    assert output.count("succeeded") == 2, output[-3000:]
    pdf = (media / certificate.pdf.name).read_bytes()
    assert signing.sha256_hex(pdf) == certificate.pdf_sha256
    claims = signing.credential_verify(certificate.credential, jwks=selectors.jwks())
    assert claims["vc"]["id"] == f"http://sala.test/verify/{certificate.code}/"
