"""Writes: signing keys, issuing, reissuing, revoking and expiring certificates,
and the staff jobs (bulk issue, ZIP export).

Issuing is atomic: the PDF is rendered and signed before anything is written, and
the row, its file and its audit entry are written together; a failure leaves
nothing behind, so the task that called it can simply run again.
"""

import csv
import io
import logging
import tempfile
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from certificates import payload, rendering, selectors, signing
from certificates.codes import check_symbol, code_format, code_generate
from certificates.models import (
    Certificate,
    CertificateEvent,
    CertificateJob,
    CertificateTemplate,
    SigningKey,
)
from certificates.payload import CertificateContent, CompetenceReached, Party
from courses.models import Enrolment

logger = logging.getLogger(__name__)


class CertificateError(Exception):
    """A certificate action that is refused; the message is shown to the person."""


class CertificateNotEligible(CertificateError):
    """The learner does not (yet) meet the template's rule."""


@dataclass(frozen=True)
class IssueResult:
    certificate: Certificate
    created: bool


# --- Signing keys ---------------------------------------------------------------


def _passphrase() -> bytes:
    return (settings.CERTIFICATES_KEY_PASSPHRASE or settings.SECRET_KEY).encode()


def signing_key_create() -> SigningKey:
    """A new Ed25519 key that signs from now on; the previous one is retired but
    stays published, so what it signed keeps verifying."""
    private_key = signing.key_generate()
    with transaction.atomic():
        SigningKey.objects.select_for_update().filter(is_active=True).update(
            is_active=False, retired_at=timezone.now()
        )
        return SigningKey.objects.create(
            kid=signing.key_id(private_key.public_key()),
            private_key_pem=signing.private_key_to_pem(
                private_key, passphrase=_passphrase()
            ),
            public_jwk=signing.public_jwk(private_key.public_key()),
            is_active=True,
        )


def signing_key_ensure() -> tuple[SigningKey, bool]:
    """The active key, created when there is none. Safe to call concurrently."""
    key = selectors.signing_key_active()
    if key is not None:
        return key, False
    try:
        return signing_key_create(), True
    except IntegrityError:
        # Another process created one at the same moment.
        return selectors.signing_key_active(), False


def _private_key(key: SigningKey):
    return signing.private_key_from_pem(key.private_key_pem, passphrase=_passphrase())


# --- Content and rendering ------------------------------------------------------


def template_layout(template: CertificateTemplate) -> dict:
    def image(img, alt, css_class):
        return rendering.image_tag(img.file.name, alt=alt, css_class=css_class)

    return {
        "title_km": template.title_km,
        "title_en": template.title_en,
        "statement_km": template.statement_km,
        "statement_en": template.statement_en,
        "issuer_logo": image(template.issuer_logo, template.issuer_name_en, "logo")
        if template.issuer_logo
        else "",
        "institution_logo": image(
            template.institution_logo, template.institution_name_en, "logo"
        )
        if template.institution_logo
        else "",
        "signatories": [
            {
                "name_km": s.name_km,
                "name_en": s.name_en,
                "title_km": s.title_km,
                "title_en": s.title_en,
                "signature": image(s.signature, s.name_en, "signature")
                if s.signature
                else "",
            }
            for s in template.signatories.select_related("signature").order_by(
                "sort_order", "pk"
            )
        ],
    }


def pdf_context(content: CertificateContent, layout: dict, verify_url: str) -> dict:
    code = code_format(content.code)
    return {
        "content": content,
        "layout": layout,
        "issuer_logo": layout["issuer_logo"],
        "institution_logo": layout["institution_logo"],
        "code_display": code,
        "verify_url": verify_url,
        "qr": rendering.qr_svg(verify_url),
        "issued_km": payload.date_khmer(content.issued_on),
        "issued_en": payload.date_english(content.issued_on),
        "expires_km": payload.date_khmer(content.expires_on)
        if content.expires_on
        else "",
        "expires_en": payload.date_english(content.expires_on)
        if content.expires_on
        else "",
        "score_km": payload.score_text(content.score, khmer=True),
        "score_en": payload.score_text(content.score),
        "document_title": " · ".join(
            part
            for part in (
                content.course_title_en,
                content.holder_name_latin or content.holder_name_km,
                code,
            )
            if part
        ),
    }


def certificate_pdf_build(
    *, content: CertificateContent, template: CertificateTemplate, credential=""
) -> bytes:
    """The certificate's PDF, with the signed credential attached when given."""
    verify_url = selectors.certificate_verify_url(content.code)
    html = rendering.certificate_html(
        pdf_context(content, template_layout(template), verify_url)
    )
    attachments = []
    if credential:
        attachments.append(
            (
                f"{content.code}.jwt",
                credential.encode("ascii"),
                "Open Badges 3.0 credential (VC-JWT, EdDSA)",
            )
        )
    return rendering.pdf_render(html, attachments=attachments)


def _content(*, user, course_key, template, code, today) -> CertificateContent:
    title_km, title_en = selectors.course_titles(course_key)
    if not title_km:
        raise CertificateNotEligible(_("The course no longer exists."))
    competences = selectors.competences_reached(user=user, course_key=course_key)
    institution = None
    if template.institution_name_en or template.institution_name_km:
        institution = Party(
            name_km=template.institution_name_km or template.institution_name_en,
            name_en=template.institution_name_en or template.institution_name_km,
        )
    return CertificateContent(
        code=code,
        holder_name_km=user.full_name_km,
        holder_name_latin=user.full_name_latin
        or ("" if user.full_name_km else user.email),
        course_key=str(course_key),
        course_title_km=title_km,
        course_title_en=title_en,
        issued_on=today,
        issuer=Party(name_km=template.issuer_name_km, name_en=template.issuer_name_en),
        institution=institution,
        framework_name_en=selectors.course_framework_name(course_key),
        competences=competences,
        score=selectors.course_score(user=user, course_key=course_key),
        expires_on=payload.add_months(today, template.validity_months)
        if template.validity_months
        else None,
        wording_km=template.statement_km,
        wording_en=template.statement_en,
        template_version=template.version,
    )


def _code_unused() -> str:
    while True:
        code = code_generate()
        if not Certificate.objects.filter(code=code).exists():
            return code


def _certificate_create(*, user, course_key, template, actor, action, note=""):
    """Render, sign and store a new certificate. Call inside a transaction."""
    code = _code_unused()
    content = _content(
        user=user,
        course_key=course_key,
        template=template,
        code=code,
        today=timezone.localdate(),
    )
    key, _created = signing_key_ensure()
    credential_json = payload.credential_build(
        content,
        verify_url=selectors.certificate_verify_url(code),
        site_url=selectors.site_url(),
    )
    token = signing.credential_sign(
        payload.jwt_claims(credential_json), private_key=_private_key(key)
    )
    pdf = certificate_pdf_build(content=content, template=template, credential=token)
    certificate = Certificate(
        code=code,
        user=user,
        course_key=course_key,
        template=template,
        template_version=template.version,
        holder_name_km=content.holder_name_km,
        holder_name_latin=content.holder_name_latin,
        course_title_km=content.course_title_km,
        course_title_en=content.course_title_en,
        competences=[c.__dict__ for c in content.competences],
        score=content.score,
        issued_on=content.issued_on,
        expires_on=content.expires_on,
        content=content.as_json(),
        pdf_sha256=signing.sha256_hex(pdf),
        credential=token,
        key_id=key.kid,
    )
    certificate.pdf.save(f"{code}.pdf", ContentFile(pdf), save=False)
    try:
        with transaction.atomic():
            certificate.save()
            CertificateEvent.objects.create(
                certificate=certificate, action=action, actor=actor, note=note
            )
    except BaseException:
        certificate.pdf.delete(save=False)
        raise
    transaction.on_commit(lambda: certificate_email_send(certificate=certificate))
    return certificate


def certificate_issue(
    *, user, course_key, template: CertificateTemplate | None = None, actor=None
) -> IssueResult:
    """Issue the learner's certificate for a completed course, once.

    Idempotent: while a valid certificate from the same template version exists,
    that one is returned. A valid certificate from an earlier version (or another
    template) is superseded by the new one. Concurrent calls for one learner and
    course queue on the enrolment's row lock; the unique constraint on valid
    certificates catches anything else.
    """
    template = template or selectors.template_for_course(course_key)
    if template is None:
        raise CertificateNotEligible(
            _("No certificate template applies to this course.")
        )
    with transaction.atomic():
        Enrolment.objects.select_for_update().filter(
            user=user, course_key=course_key
        ).first()
        existing = _valid_for_version(user, course_key, template)
        if existing is not None:
            return IssueResult(existing, False)
        problems = selectors.eligibility_problems(
            user=user, course_key=course_key, template=template
        )
        if problems:
            raise CertificateNotEligible(" ".join(str(p) for p in problems))
        try:
            with transaction.atomic():
                certificate = _issue_superseding(
                    user=user, course_key=course_key, template=template, actor=actor
                )
        except IntegrityError:
            existing = _valid_for_version(user, course_key, template)
            if existing is None:
                raise
            return IssueResult(existing, False)
    return IssueResult(certificate, True)


def _issue_superseding(*, user, course_key, template, actor) -> Certificate:
    outdated = list(
        Certificate.objects.select_for_update().filter(
            user=user, course_key=course_key, status=Certificate.Status.VALID
        )
    )
    for old in outdated:
        _status_set(old, Certificate.Status.SUPERSEDED, reason="")
    certificate = _certificate_create(
        user=user,
        course_key=course_key,
        template=template,
        actor=actor,
        action=CertificateEvent.Action.ISSUED,
    )
    for old in outdated:
        old.superseded_by = certificate
        old.save(update_fields=["superseded_by"])
        CertificateEvent.objects.create(
            certificate=old,
            action=CertificateEvent.Action.SUPERSEDED,
            actor=actor,
            note=certificate.code_display,
        )
    return certificate


def _valid_for_version(user, course_key, template):
    return Certificate.objects.filter(
        user=user,
        course_key=course_key,
        template=template,
        template_version=template.version,
        status=Certificate.Status.VALID,
    ).first()


def _status_set(certificate, status, *, reason):
    certificate.status = status
    certificate.status_reason = reason
    certificate.status_changed_at = timezone.now()
    certificate.save(update_fields=["status", "status_reason", "status_changed_at"])


def certificate_reissue(
    *, certificate: Certificate, actor, note: str = ""
) -> Certificate:
    """A new certificate with the holder's current names (after a correction) and
    the template's current version; the old one is superseded and kept."""
    with transaction.atomic():
        old = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if old.status not in (Certificate.Status.VALID, Certificate.Status.EXPIRED):
            raise CertificateError(
                _("Only a valid or expired certificate can be reissued.")
            )
        template = old.template
        if not template.is_active:
            template = selectors.template_for_course(old.course_key) or template
        _status_set(old, Certificate.Status.SUPERSEDED, reason=note)
        new = _certificate_create(
            user=old.user,
            course_key=old.course_key,
            template=template,
            actor=actor,
            action=CertificateEvent.Action.REISSUED,
            note=note or old.code_display,
        )
        old.superseded_by = new
        old.save(update_fields=["superseded_by"])
        CertificateEvent.objects.create(
            certificate=old,
            action=CertificateEvent.Action.SUPERSEDED,
            actor=actor,
            note=note or new.code_display,
        )
    return new


def certificate_revoke(*, certificate: Certificate, actor, reason: str) -> Certificate:
    """Revoke with a reason, shown on the public verification page."""
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(_("Give the reason for revoking the certificate."))
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.status not in (
            Certificate.Status.VALID,
            Certificate.Status.EXPIRED,
        ):
            raise CertificateError(_("This certificate is no longer in force."))
        _status_set(certificate, Certificate.Status.REVOKED, reason=reason)
        CertificateEvent.objects.create(
            certificate=certificate,
            action=CertificateEvent.Action.REVOKED,
            actor=actor,
            note=reason,
        )
    return certificate


def certificates_expire(*, today=None) -> int:
    """Record the expiry of valid certificates past their date. Run daily."""
    today = today or timezone.localdate()
    count = 0
    for certificate_id in Certificate.objects.filter(
        status=Certificate.Status.VALID, expires_on__lt=today
    ).values_list("pk", flat=True):
        with transaction.atomic():
            certificate = (
                Certificate.objects.select_for_update()
                .filter(pk=certificate_id, status=Certificate.Status.VALID)
                .first()
            )
            if certificate is None:
                continue
            _status_set(certificate, Certificate.Status.EXPIRED, reason="")
            CertificateEvent.objects.create(
                certificate=certificate, action=CertificateEvent.Action.EXPIRED
            )
            count += 1
    return count


def certificate_expiry_reminders_send(*, today=None, days=None) -> int:
    """E-mail holders whose certificate expires within ``days``, once each."""
    today = today or timezone.localdate()
    days = settings.CERTIFICATES_EXPIRY_REMINDER_DAYS if days is None else days
    limit = today + timezone.timedelta(days=days)
    count = 0
    for certificate_id in Certificate.objects.filter(
        status=Certificate.Status.VALID,
        expires_on__gte=today,
        expires_on__lte=limit,
        expiry_reminder_sent_at__isnull=True,
    ).values_list("pk", flat=True):
        with transaction.atomic():
            certificate = (
                Certificate.objects.select_for_update()
                .filter(pk=certificate_id, expiry_reminder_sent_at__isnull=True)
                .select_related("user")
                .first()
            )
            if certificate is None:
                continue
            certificate.expiry_reminder_sent_at = timezone.now()
            certificate.save(update_fields=["expiry_reminder_sent_at"])
            CertificateEvent.objects.create(
                certificate=certificate, action=CertificateEvent.Action.REMINDED
            )
            transaction.on_commit(
                lambda c=certificate: certificate_email_send(
                    certificate=c, kind="expiry"
                )
            )
            count += 1
    return count


def certificate_email_send(*, certificate: Certificate, kind: str = "issued") -> None:
    """E-mail the holder a link to the certificate, in their language."""
    user = certificate.user
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        language = translation.get_language()
        context = {
            "certificate": certificate,
            "user": user,
            "verify_url": f"{selectors.site_url()}/{language}/verify/"
            f"{certificate.code}/",
            "mine_url": selectors.site_url() + reverse("certificates:mine"),
        }
        subject = render_to_string(
            f"certificates/emails/{kind}_subject.txt", context
        ).strip()
        body = render_to_string(f"certificates/emails/{kind}_body.txt", context)
    send_mail(subject, body, None, [user.email])


# --- Staff jobs -----------------------------------------------------------------


def certificate_job_create(
    *, kind, requested_by, course_key=None, date_from=None, date_to=None
) -> CertificateJob:
    """Record a job and queue its task once the job is committed."""
    from certificates.tasks import certificate_job_run

    if kind == CertificateJob.Kind.ISSUE and not course_key:
        raise CertificateError(_("Choose the course to issue certificates for."))
    if date_from and date_to and date_from > date_to:
        raise CertificateError(_("The start date is after the end date."))
    with transaction.atomic():
        job = CertificateJob.objects.create(
            kind=kind,
            requested_by=requested_by,
            course_key=course_key,
            date_from=date_from,
            date_to=date_to,
        )
        transaction.on_commit(lambda: certificate_job_run.delay(job.pk))
    return job


def certificate_job_run(*, job_id: int) -> CertificateJob:
    """Run a job; a finished job is left as it is, so running twice is harmless."""
    with transaction.atomic():
        job = CertificateJob.objects.select_for_update().get(pk=job_id)
        if job.finished:
            return job
        job.status = CertificateJob.Status.RUNNING
        job.save(update_fields=["status"])
    try:
        if job.kind == CertificateJob.Kind.ISSUE:
            _job_issue(job)
        else:
            _job_export(job)
    except Exception as error:
        logger.exception("Certificate job %s failed", job.pk)
        job.status = CertificateJob.Status.FAILED
        job.error = str(error)[:2000]
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        raise
    job.status = CertificateJob.Status.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at"])
    return job


def _job_issue(job: CertificateJob) -> None:
    enrolments = list(
        Enrolment.objects.filter(
            course_key=job.course_key, status=Enrolment.Status.COMPLETED
        )
        .select_related("user")
        .order_by("completed_at", "pk")
    )
    job.total, job.done, job.issued, job.skipped = len(enrolments), 0, 0, 0
    job.save(update_fields=["total", "done", "issued", "skipped"])
    for enrolment in enrolments:
        try:
            result = certificate_issue(
                user=enrolment.user, course_key=job.course_key, actor=job.requested_by
            )
            created = result.created
        except CertificateNotEligible:
            created = False
        job.done += 1
        job.issued += int(created)
        job.skipped += int(not created)
        job.save(update_fields=["done", "issued", "skipped"])


MANIFEST_FIELDS = [
    "code",
    "status",
    "holder_name_km",
    "holder_name_latin",
    "email",
    "course_title_km",
    "course_title_en",
    "score",
    "issued_on",
    "expires_on",
    "pdf_sha256",
    "file",
]


def _job_export(job: CertificateJob) -> None:
    certificates = list(
        selectors.certificates_for_export(
            course_key=job.course_key, date_from=job.date_from, date_to=job.date_to
        ).select_related("user")
    )
    job.total, job.done = len(certificates), 0
    job.save(update_fields=["total", "done"])
    manifest = io.StringIO()
    writer = csv.DictWriter(manifest, fieldnames=MANIFEST_FIELDS)
    writer.writeheader()
    with tempfile.TemporaryFile() as handle:
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            for certificate in certificates:
                name = f"{certificate.issued_on:%Y-%m}/{certificate.code}.pdf"
                with certificate.pdf.open("rb") as pdf:
                    archive.writestr(name, pdf.read())
                writer.writerow(
                    {
                        "code": certificate.code_display,
                        "status": certificate.current_status,
                        "holder_name_km": certificate.holder_name_km,
                        "holder_name_latin": certificate.holder_name_latin,
                        "email": certificate.user.email,
                        "course_title_km": certificate.course_title_km,
                        "course_title_en": certificate.course_title_en,
                        "score": certificate.score
                        if certificate.score is not None
                        else "",
                        "issued_on": certificate.issued_on.isoformat(),
                        "expires_on": certificate.expires_on.isoformat()
                        if certificate.expires_on
                        else "",
                        "pdf_sha256": certificate.pdf_sha256,
                        "file": name,
                    }
                )
                job.done += 1
                job.save(update_fields=["done"])
            # UTF-8 with a byte-order mark, so spreadsheet programs read Khmer right.
            archive.writestr("certificates.csv", "\ufeff" + manifest.getvalue())
        handle.seek(0)
        job.file.save(
            f"certificates-{job.pk}-{timezone.now():%Y%m%d-%H%M%S}.zip",
            File(handle),
            save=False,
        )
    job.save(update_fields=["file"])


# --- Preview --------------------------------------------------------------------


SAMPLE_CODE = "23456789ABCDEFG" + check_symbol("23456789ABCDEFG")


def template_preview_pdf(*, template: CertificateTemplate) -> bytes:
    """A sample certificate from ``template``, unsigned, for editors to check."""
    today = timezone.localdate()
    content = CertificateContent(
        code=SAMPLE_CODE,
        holder_name_km="សុខ ដារ៉ា",
        holder_name_latin="SOK Dara",
        course_key="00000000-0000-0000-0000-000000000000",
        course_title_km="វគ្គសិក្សាគំរូ៖ សុវត្ថិភាពលើអ៊ីនធឺណិត",
        course_title_en="Sample course: staying safe online",
        issued_on=today,
        issuer=Party(name_km=template.issuer_name_km, name_en=template.issuer_name_en),
        institution=Party(
            name_km=template.institution_name_km, name_en=template.institution_name_en
        )
        if template.institution_name_en or template.institution_name_km
        else None,
        competences=(
            CompetenceReached(
                code="4.2",
                name_km="ការការពារទិន្នន័យផ្ទាល់ខ្លួន",
                name_en="Protecting personal data",
                level_code="L2",
                level_rank=2,
                level_name_km="មធ្យម",
                level_name_en="Intermediate",
            ),
        ),
        score=None,
        expires_on=payload.add_months(today, template.validity_months)
        if template.validity_months
        else None,
        wording_km=template.statement_km,
        wording_en=template.statement_en,
        template_version=template.version,
    )
    return certificate_pdf_build(content=content, template=template)
