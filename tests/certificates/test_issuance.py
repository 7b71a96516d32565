"""Issuing, reissuing, revoking and expiring certificates."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from assessments.models import Attempt, CompetenceResult
from certificates import rendering, selectors, services, signing
from certificates.models import (
    Certificate,
    CertificateEvent,
    SigningKey,
    TemplateCompetenceRule,
)
from competencies.models import Competence, ProficiencyLevel
from courses import services as course_services
from tests.assessments.conftest import make_question, make_quiz
from tests.certificates.conftest import complete
from tests.factories import UserFactory


def media_files(settings):
    root = settings.MEDIA_ROOT
    return sorted(p.name for p in root.rglob("*.pdf")) if root.exists() else []


def test_completing_a_course_issues_a_certificate_and_emails_a_link(
    learner, course, template, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        course_services.enrolment_create(user=learner, course=course)
        [lesson] = course.get_children().specific()
        course_services.lesson_complete(user=learner, lesson=lesson)
    certificate = Certificate.objects.get(user=learner)
    assert certificate.status == Certificate.Status.VALID
    assert certificate.holder_name_km == "សុខ ដារ៉ា"
    assert certificate.holder_name_latin == "SOK Dara"
    assert certificate.course_title_km == "សុវត្ថិភាពលើអ៊ីនធឺណិត"
    assert certificate.course_title_en == "Staying safe online"
    assert certificate.template_version == template.version
    assert certificate.competences[0]["code"] == "4.2"
    assert certificate.score is None  # the course has no quiz
    pdf = certificate.pdf.read()
    assert signing.sha256_hex(pdf) == certificate.pdf_sha256
    claims = signing.credential_verify(certificate.credential, jwks=selectors.jwks())
    assert claims["vc"]["id"].endswith(f"/verify/{certificate.code}/")
    assert certificate.key_id == SigningKey.objects.get(is_active=True).kid
    [event] = certificate.events.all()
    assert event.action == CertificateEvent.Action.ISSUED and event.actor is None
    [message] = mail.outbox
    assert message.to == ["dara@example.org"]
    assert f"/en/verify/{certificate.code}/" in message.body
    assert certificate.code_display in message.body


def test_issuing_twice_returns_the_same_certificate(completed):
    first = services.certificate_issue(
        user=completed["user"], course_key=completed["course"].translation_key
    )
    second = services.certificate_issue(
        user=completed["user"], course_key=completed["course"].translation_key
    )
    assert first.created and not second.created
    assert first.certificate.pk == second.certificate.pk
    assert Certificate.objects.count() == 1


def test_the_task_is_safe_to_run_again(completed):
    from certificates.tasks import certificate_issue_for_enrolment
    from courses.models import Enrolment

    enrolment = Enrolment.objects.get(user=completed["user"])
    code = certificate_issue_for_enrolment.delay(enrolment.pk).get()
    assert certificate_issue_for_enrolment.delay(enrolment.pk).get() == code
    assert Certificate.objects.count() == 1


def test_not_completed_means_no_certificate(learner, course, template):
    with pytest.raises(services.CertificateNotEligible):
        services.certificate_issue(user=learner, course_key=course.translation_key)
    assert not Certificate.objects.exists()


def test_a_render_failure_leaves_nothing_and_a_retry_issues(
    completed, monkeypatch, settings
):
    def broken(*args, **kwargs):
        raise rendering.RenderError("font missing")

    monkeypatch.setattr(rendering, "pdf_render", broken)
    with pytest.raises(rendering.RenderError):
        services.certificate_issue(
            user=completed["user"], course_key=completed["course"].translation_key
        )
    assert not Certificate.objects.exists()
    assert not CertificateEvent.objects.exists()
    assert media_files(settings) == []
    monkeypatch.undo()
    result = services.certificate_issue(
        user=completed["user"], course_key=completed["course"].translation_key
    )
    assert result.created and media_files(settings) == [
        f"{result.certificate.code}.pdf"
    ]


def test_a_failure_after_the_file_is_written_removes_it(
    completed, monkeypatch, settings
):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(CertificateEvent.objects, "create", broken)
    with pytest.raises(RuntimeError):
        services.certificate_issue(
            user=completed["user"], course_key=completed["course"].translation_key
        )
    assert not Certificate.objects.exists()
    assert media_files(settings) == []


def _quiz_attempt(user, course, framework, percent, level_rank):
    from assessments.models import QuestionBank

    bank = QuestionBank.objects.create(name_en="Bank", name_km="ធនាគារ")
    quiz = make_quiz(course, [make_question(bank, framework)], pass_mark=50)
    attempt = Attempt.objects.create(
        user=user,
        quiz=quiz,
        quiz_key=quiz.translation_key,
        course_key=course.translation_key,
        number=1,
        status=Attempt.Status.SUBMITTED,
        submitted_at=timezone.now(),
        percent=Decimal(percent),
    )
    CompetenceResult.objects.create(
        attempt=attempt,
        user=user,
        competence=Competence.objects.get(framework=framework, code="4.2"),
        earned=1,
        possible=1,
        level_rank=level_rank,
    )
    return quiz


def test_score_and_levels_reached_are_stated(completed, framework):
    _quiz_attempt(completed["user"], completed["course"], framework, "72.50", 2)
    result = services.certificate_issue(
        user=completed["user"], course_key=completed["course"].translation_key
    )
    certificate = result.certificate
    assert certificate.score == Decimal("72.50")
    [competence] = certificate.competences
    assert competence["level_code"] == "L2"
    assert competence["level_name_km"] == "មធ្យម"
    vc = signing.unverified_claims(certificate.credential)["vc"]
    assert vc["credentialSubject"]["result"][0]["value"] == "72.50"


def test_minimum_score_and_level_rules(completed, framework):
    template = completed["template"]
    template.minimum_score = Decimal(80)
    template.save()
    _quiz_attempt(completed["user"], completed["course"], framework, "72.50", 1)
    key = completed["course"].translation_key
    with pytest.raises(services.CertificateNotEligible, match=r"72\.50%.*80\.00%"):
        services.certificate_issue(user=completed["user"], course_key=key)
    template.minimum_score = Decimal(70)
    TemplateCompetenceRule.objects.create(
        template=template,
        competence=Competence.objects.get(framework=framework, code="4.2"),
        minimum_level=ProficiencyLevel.objects.get(framework=framework, code="L2"),
    )
    template.save()
    with pytest.raises(services.CertificateNotEligible, match="4.2"):
        services.certificate_issue(user=completed["user"], course_key=key)
    TemplateCompetenceRule.objects.update(
        minimum_level=ProficiencyLevel.objects.get(framework=framework, code="L1")
    )
    assert services.certificate_issue(user=completed["user"], course_key=key).created


def test_a_new_template_version_supersedes_the_old_certificate(completed):
    key = completed["course"].translation_key
    first = services.certificate_issue(user=completed["user"], course_key=key)
    completed["template"].title_en = "Certificate of achievement"
    completed["template"].save()
    second = services.certificate_issue(user=completed["user"], course_key=key)
    assert second.created
    first.certificate.refresh_from_db()
    assert first.certificate.status == Certificate.Status.SUPERSEDED
    assert first.certificate.superseded_by == second.certificate
    assert second.certificate.template_version == first.certificate.template_version + 1


def test_reissue_after_a_name_correction_keeps_the_history(completed):
    key = completed["course"].translation_key
    old = services.certificate_issue(user=completed["user"], course_key=key).certificate
    staff = UserFactory(email="editor@example.org", roles=["Editor"])
    user = completed["user"]
    user.full_name_latin = "SOK Dara Vannak"
    user.save()
    new = services.certificate_reissue(
        certificate=old, actor=staff, note="Name corrected"
    )
    old.refresh_from_db()
    assert old.status == Certificate.Status.SUPERSEDED and old.superseded_by == new
    assert old.holder_name_latin == "SOK Dara"  # what was issued stays on record
    assert new.holder_name_latin == "SOK Dara Vannak"
    assert new.status == Certificate.Status.VALID and new.code != old.code
    assert [(e.action, e.actor) for e in old.events.all()] == [
        ("issued", None),
        ("superseded", staff),
    ]
    assert [(e.action, e.actor, e.note) for e in new.events.all()] == [
        ("reissued", staff, "Name corrected")
    ]
    with pytest.raises(services.CertificateError):
        services.certificate_reissue(certificate=old, actor=staff)


def test_revoke_needs_a_reason_and_is_logged(completed):
    key = completed["course"].translation_key
    certificate = services.certificate_issue(
        user=completed["user"], course_key=key
    ).certificate
    staff = UserFactory(email="admin@example.org", roles=["Administrator"])
    with pytest.raises(services.CertificateError):
        services.certificate_revoke(certificate=certificate, actor=staff, reason=" ")
    services.certificate_revoke(
        certificate=certificate, actor=staff, reason="Issued in error"
    )
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert certificate.status_reason == "Issued in error"
    assert certificate.events.last().actor == staff
    with pytest.raises(services.CertificateError):
        services.certificate_revoke(certificate=certificate, actor=staff, reason="x")
    # A revoked certificate is not valid, so issuing again makes a new one.
    assert services.certificate_issue(user=completed["user"], course_key=key).created


def test_expiry_with_a_reminder_before_it(completed, time_machine):
    template = completed["template"]
    template.validity_months = 12
    template.save()
    time_machine.move_to(dt.datetime(2025, 1, 31, 9, tzinfo=dt.UTC))
    key = completed["course"].translation_key
    certificate = services.certificate_issue(
        user=completed["user"], course_key=key
    ).certificate
    assert certificate.expires_on == dt.date(2026, 1, 31)
    mail.outbox.clear()
    assert services.certificate_expiry_reminders_send(today=dt.date(2025, 12, 1)) == 0
    assert services.certificate_expiry_reminders_send(today=dt.date(2026, 1, 5)) == 1
    assert services.certificate_expiry_reminders_send(today=dt.date(2026, 1, 6)) == 0
    assert certificate.events.filter(action="reminded").count() == 1
    time_machine.move_to(dt.datetime(2026, 2, 1, 9, tzinfo=dt.UTC))
    certificate.refresh_from_db()
    assert certificate.current_status == Certificate.Status.EXPIRED
    assert services.certificates_expire() == 1
    assert services.certificates_expire() == 0
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.EXPIRED


def test_expiry_reminder_email(completed, django_capture_on_commit_callbacks):
    template = completed["template"]
    template.validity_months = 1
    template.save()
    key = completed["course"].translation_key
    certificate = services.certificate_issue(
        user=completed["user"], course_key=key
    ).certificate
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.certificate_expiry_reminders_send(days=40)
    [message] = mail.outbox
    assert "expires" in message.subject
    assert certificate.code_display in message.body


def test_rotation_keeps_old_certificates_verifying(completed, learner, course):
    key = course.translation_key
    old = services.certificate_issue(user=learner, course_key=key).certificate
    old_kid = old.key_id
    new_key = services.signing_key_create()
    assert new_key.kid != old_kid
    assert SigningKey.objects.get(kid=old_kid).retired_at is not None
    other = UserFactory(email="other@example.org")
    complete(other, course)
    new = services.certificate_issue(user=other, course_key=key).certificate
    assert new.key_id == new_key.kid
    jwks = selectors.jwks()
    assert {signing.thumbprint_of(k["kid"]) for k in jwks["keys"]} == {
        old_kid,
        new_key.kid,
    }
    assert signing.credential_verify(old.credential, jwks=jwks)
    assert signing.credential_verify(new.credential, jwks=jwks)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_issuance_yields_one_certificate(migrated_data, completed):
    from django.db import connections

    barrier = threading.Barrier(3)
    results, errors = [], []

    def issue():
        try:
            barrier.wait()
            results.append(
                services.certificate_issue(
                    user=completed["user"],
                    course_key=completed["course"].translation_key,
                )
            )
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Certificate.objects.count() == 1
    assert sum(result.created for result in results) == 1
    assert len({result.certificate.pk for result in results}) == 1


def test_logos_and_signatures_are_drawn_from_media(completed, tmp_path):
    import io
    import subprocess

    from django.core.files.images import ImageFile
    from PIL import Image as PILImage
    from wagtail.images.models import Image

    buffer = io.BytesIO()
    PILImage.new("RGB", (120, 60), "navy").save(buffer, "PNG")
    image = Image.objects.create(
        title="Logo", file=ImageFile(io.BytesIO(buffer.getvalue()), name="logo.png")
    )
    template = completed["template"]
    template.issuer_logo = image
    template.save()
    template.signatories.update(signature=image)
    certificate = services.certificate_issue(
        user=completed["user"], course_key=completed["course"].translation_key
    ).certificate
    path = tmp_path / "c.pdf"
    path.write_bytes(certificate.pdf.read())
    listing = subprocess.run(
        ["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert len(listing) >= 2  # the logo and the signature


def test_a_failing_certificate_does_not_break_the_learners_request(
    learner, course, template, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(rendering, "pdf_render", broken)
    with django_capture_on_commit_callbacks(execute=True):
        course_services.enrolment_create(user=learner, course=course)
        [lesson] = course.get_children().specific()
        course_services.lesson_complete(user=learner, lesson=lesson)
    assert not Certificate.objects.exists()
    from courses.models import Enrolment

    assert Enrolment.objects.get(user=learner).status == Enrolment.Status.COMPLETED
