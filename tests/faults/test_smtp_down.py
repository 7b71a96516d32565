"""The SMTP server down or hanging: certificates are issued all the same.

Django's SMTP backend is pointed at loopback: first at a port where nothing
listens (refused), then at a server that accepts the connection and never
answers (hanging, held up only for EMAIL_TIMEOUT), then at a working SMTP server
(the standard library's smtpd, an implementation of its own). The certificate is
issued and recorded whatever the SMTP server does; a bulk job finishes; the
e-mail is tried again and delivered once the server works, once.
"""

import contextlib
import socket
import threading
import time
import warnings
from datetime import timedelta
from email import message_from_bytes

import pytest
from django.utils import timezone

from certificates import services
from certificates.models import Certificate, CertificateJob
from certificates.services.issuance import certificate_email_key
from courses import services as course_services
from lms import durable
from lms.models import DurableTask
from tests.certificates.conftest import complete, course, learner, template  # noqa: F401
from tests.courses.conftest import framework, site_tree  # noqa: F401
from tests.factories import UserFactory
from tests.faults.worker_process import Worker, celery_client, wait_until

with warnings.catch_warnings():
    # Deprecated, and gone from Python 3.12 on (aiosmtpd replaces them).
    warnings.simplefilter("ignore", DeprecationWarning)
    asyncore = pytest.importorskip("asyncore")
    smtpd = pytest.importorskip("smtpd")

EMAIL_TIMEOUT = 1


def spare_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class HangingServer:
    """Accepts TCP connections and never says a word (no SMTP greeting)."""

    def __init__(self, port):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(8)
        self.accepted = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def close(self):
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        for connection in self.accepted:
            connection.close()
        self.thread.join(5)


class WorkingServer(smtpd.SMTPServer):
    """A real SMTP server (smtpd) that keeps what it receives."""

    def __init__(self, port):
        self.received = []
        self._map = {}
        super().__init__(("127.0.0.1", port), None, map=self._map)
        self.thread = threading.Thread(
            target=asyncore.loop, kwargs={"timeout": 0.05, "map": self._map}
        )
        self.thread.daemon = True
        self.thread.start()

    def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
        self.received.append((rcpttos, message_from_bytes(data)))

    def stop(self):
        self.close()
        for channel in list(self._map.values()):
            channel.close()
        self.thread.join(5)


@pytest.fixture
def smtp(settings):
    """Django's SMTP backend on a loopback port where nothing listens yet."""
    port = spare_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = EMAIL_TIMEOUT
    return port


def later(minutes):
    return timezone.now() + timedelta(minutes=minutes)


def test_certificates_are_issued_while_smtp_refuses_or_hangs_and_mailed_once_it_works(
    learner,  # noqa: F811
    course,  # noqa: F811
    template,  # noqa: F811
    smtp,
    settings,
    django_capture_on_commit_callbacks,
):
    # Refused: the learner completes the course; the certificate is issued and
    # recorded, its e-mail waits.
    with django_capture_on_commit_callbacks(execute=True):
        course_services.enrolment_create(user=learner, course=course)
        [lesson] = course.get_children().specific()
        course_services.lesson_complete(user=learner, lesson=lesson)
    certificate = Certificate.objects.get(user=learner)
    assert certificate.events.filter(action="issued").exists()
    row = DurableTask.objects.get(key=certificate_email_key(certificate.pk, "issued"))
    assert row.status == DurableTask.Status.PENDING
    assert "Connection refused" in row.last_error or "111" in row.last_error

    # A bulk job while SMTP refuses: it finishes, its counters right.
    others = UserFactory.create_batch(2)
    for other in others:
        complete(other, course)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.certificate_job_create(
            kind=CertificateJob.Kind.ISSUE,
            requested_by=None,
            course_key=course.translation_key,
        )
    job.refresh_from_db()
    assert job.status == CertificateJob.Status.DONE, job.error
    assert (job.total, job.done, job.issued, job.skipped) == (3, 3, 2, 1)
    assert Certificate.objects.count() == 3
    assert (
        DurableTask.objects.filter(
            key__startswith="certificates.email:", status="pending"
        ).count()
        == 3
    )

    # Hanging: the attempt gives up after EMAIL_TIMEOUT, the e-mail still waits.
    hanging = HangingServer(smtp)
    try:
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            swept = durable.durable_sweep(now=later(11))
        elapsed = time.monotonic() - started
    finally:
        hanging.close()
    assert hanging.accepted, "the sweeper never reached the hanging server"
    assert swept.sent == 3
    assert EMAIL_TIMEOUT <= elapsed < 3 * (EMAIL_TIMEOUT + 1)
    assert not DurableTask.objects.filter(
        key__startswith="certificates.email:", status="done"
    ).exists()
    row.refresh_from_db()
    assert "timed out" in row.last_error

    # Working: the next send delivers each e-mail, once.
    server = WorkingServer(smtp)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert durable.durable_sweep(now=later(22)).sent == 3
        assert wait_until(lambda: len(server.received) >= 3, 10)
        # Swept again, and the task delivered again: nothing more is sent.
        with django_capture_on_commit_callbacks(execute=True):
            assert durable.durable_sweep(now=later(60)).sent == 0
            from certificates.tasks import certificate_email_send

            certificate_email_send.delay(certificate.pk, "issued")
        time.sleep(0.5)
    finally:
        server.stop()
    assert sorted(to for to, _message in server.received) == sorted(
        [[learner.email]] + [[other.email] for other in others]
    )
    [(_to, message)] = [m for m in server.received if m[0] == [learner.email]]
    assert certificate.code_display in message.get_payload(decode=True).decode()
    assert not DurableTask.objects.exclude(status="done").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_retries_the_email_until_smtp_works(
    migrated_data,
    learner,  # noqa: F811
    course,  # noqa: F811
    template,  # noqa: F811
    redis_server,
    settings,
    tmp_path,
):
    from certificates.tasks import certificate_issue_for_enrolment
    from courses.models import Enrolment

    port = spare_port()
    hanging = HangingServer(port)
    worker = Worker(
        broker_url=redis_server.url,
        media_root=settings.MEDIA_ROOT,
        log_path=tmp_path / "worker.log",
        EMAIL_URL=f"smtp://127.0.0.1:{port}",
        EMAIL_TIMEOUT=EMAIL_TIMEOUT,
    ).start()
    server = None
    try:
        assert worker.wait_for("ready."), worker.output[-3000:]
        complete(learner, course)
        enrolment = Enrolment.objects.get(user=learner)
        with celery_client(redis_server.url):
            certificate_issue_for_enrolment.delay(enrolment.pk)
            # Issued, and its task succeeded, while the e-mail hangs.
            assert wait_until(
                lambda: Certificate.objects.filter(user=learner).exists(), 120
            ), worker.output[-3000:]
            assert worker.wait_for("retry 1 in 5 s", 60), worker.output[-3000:]
            hanging.close()
            assert worker.wait_for("retry 2 in 10 s", 60), worker.output[-3000:]
            server = WorkingServer(port)
            assert wait_until(lambda: server.received, 60), worker.output[-3000:]
            time.sleep(2)
    finally:
        worker.stop()
        hanging.close()
        if server is not None:
            server.stop()
    output = worker.output
    certificate = Certificate.objects.get(user=learner)
    assert "certificate_issue_for_enrolment" in output
    assert "succeeded in" in output
    assert "timed out" in output  # the hanging server
    assert "Connection refused" in output  # nothing listening
    [(to, message)] = server.received
    assert to == [learner.email]
    assert certificate.code_display in message.get_payload(decode=True).decode()
    row = DurableTask.objects.get(key=certificate_email_key(certificate.pk, "issued"))
    assert row.status == DurableTask.Status.DONE
