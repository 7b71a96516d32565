"""Issuing, reissuing, revoking and expiring certificates, and e-mailing holders.

Issuing is atomic: the PDF is rendered and signed before anything is written, and
the row, its file and its audit entry are written together; a failure leaves
nothing behind, so the task that called it can simply run again.

E-mail never holds issuance up: the holder's message is recorded with the
certificate (lms.durable) and sent by a task of its own after the commit, which
retries while the SMTP server is down; a certificate is issued whether or not its
e-mail goes.
"""

import dataclasses
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.selectors import user_has_holder_names
from certificates import payload, selectors, signing
from certificates.codes import code_generate
from certificates.models import Certificate, CertificateEvent, CertificateTemplate
from certificates.payload import CertificateContent, Party
from certificates.services.documents import certificate_pdf_build
from certificates.services.keys import private_key_load, signing_key_ensure
from certificates.services.status import (
    holder_subject_id,
    status_bit_allocate,
    status_list_changed,
)
from courses.models import Enrolment
from lms import durable

logger = logging.getLogger(__name__)


class CertificateError(Exception):
    """A certificate action that is refused; the message is shown to the person."""


class CertificateNotEligible(CertificateError):
    """The learner does not (yet) meet the template's rule."""


@dataclass(frozen=True)
class IssueResult:
    certificate: Certificate
    created: bool


class HolderNameMissing(CertificateNotEligible):
    """The holder has not given their name in both scripts. Nothing is issued, and
    nothing else stands in for the name (an e-mail address is personal data, not
    a name); ``holder_certificates_issue`` issues what waited once they give it."""


def holder_names(user) -> dict:
    """The holder's names as printed: Khmer and Latin script, both required."""
    if not user_has_holder_names(user):
        raise HolderNameMissing(
            _(
                "The learner has not given their full name in Khmer and in Latin "
                "script yet: the certificate is issued as soon as they do."
            )
        )
    return {
        "holder_name_km": user.full_name_km,
        "holder_name_latin": user.full_name_latin,
    }


def template_terms(template: CertificateTemplate, *, today) -> dict:
    """What the template adds to every certificate made from it: issuer,
    institution, wording, version and expiry date."""
    institution = None
    if template.institution_name_en or template.institution_name_km:
        institution = Party(
            name_km=template.institution_name_km or template.institution_name_en,
            name_en=template.institution_name_en or template.institution_name_km,
        )
    return {
        "issuer": Party(
            name_km=template.issuer_name_km, name_en=template.issuer_name_en
        ),
        "institution": institution,
        "expires_on": payload.add_months(today, template.validity_months)
        if template.validity_months
        else None,
        "wording_km": template.statement_km,
        "wording_en": template.statement_en,
        "template_version": template.version,
    }


def _content(*, user, course_key, template, code, today) -> CertificateContent:
    title_km, title_en = selectors.course_titles(course_key)
    if not title_km:
        raise CertificateNotEligible(_("The course no longer exists."))
    return CertificateContent(
        code=code,
        course_key=str(course_key),
        course_title_km=title_km,
        course_title_en=title_en,
        issued_on=today,
        framework_name_en=selectors.course_framework_name(course_key),
        competences=selectors.competences_reached(user=user, course_key=course_key),
        score=selectors.course_score(user=user, course_key=course_key),
        **holder_names(user),
        **template_terms(template, today=today),
    )


def _code_unused() -> str:
    while True:
        code = code_generate()
        if not Certificate.objects.filter(code=code).exists():
            return code


def _course_content_builder(*, user, course_key, template):
    def build(code, today):
        return _content(
            user=user, course_key=course_key, template=template, code=code, today=today
        )

    return build


def _certificate_create(*, user, template, actor, action, build, note=""):
    """Render, sign and store a new certificate. Call inside a transaction.

    ``build(code, today)`` gives the ``CertificateContent``: what the certificate is
    for (course or competition) is read from it."""
    code = _code_unused()
    # The instant of issue, to the second, in the site's time zone: the
    # credential is valid from it, and the printed date is its local date.
    issued_at = timezone.localtime().replace(microsecond=0)
    site = selectors.site_url()
    status_list, status_index = status_bit_allocate()
    content = dataclasses.replace(
        build(code, issued_at.date()),
        issued_at=issued_at,
        subject_id=holder_subject_id(user),
        status_list_url=payload.status_list_url(site, status_list.pk),
        status_list_index=status_index,
    )
    key, _created = signing_key_ensure()
    credential_json = payload.credential_build(
        content, verify_url=selectors.certificate_verify_url(code), site_url=site
    )
    token = signing.credential_sign(
        payload.jwt_claims(credential_json),
        private_key=private_key_load(key),
        kid=payload.key_url(site, key.kid),
    )
    pdf = certificate_pdf_build(content=content, template=template, credential=token)
    certificate = Certificate(
        code=code,
        kind=content.kind,
        user=user,
        course_key=content.course_key,
        template=template,
        template_version=template.version,
        holder_name_km=content.holder_name_km,
        holder_name_latin=content.holder_name_latin,
        course_title_km=content.course_title_km,
        course_title_en=content.course_title_en,
        competences=[c.__dict__ for c in content.competences],
        score=content.score,
        rank=content.rank,
        contestants=content.rank_of,
        issued_on=content.issued_on,
        issued_at=issued_at,
        expires_on=content.expires_on,
        status_list=status_list,
        status_list_index=status_index,
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
            certificate_email_queue(certificate=certificate)
    except BaseException:
        certificate.pdf.delete(save=False)
        raise
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
        existing = valid_for_version(user, course_key, template)
        if existing is not None:
            return IssueResult(existing, False)
        problems = selectors.eligibility_problems(
            user=user, course_key=course_key, template=template
        )
        if problems:
            raise CertificateNotEligible(" ".join(str(p) for p in problems))
        try:
            with transaction.atomic():
                certificate = issue_superseding(
                    user=user,
                    course_key=course_key,
                    kind=Certificate.Kind.COURSE,
                    template=template,
                    actor=actor,
                    build=_course_content_builder(
                        user=user, course_key=course_key, template=template
                    ),
                )
        except IntegrityError:
            existing = valid_for_version(user, course_key, template)
            if existing is None:
                raise
            return IssueResult(existing, False)
    return IssueResult(certificate, True)


def issue_superseding(*, user, course_key, kind, template, actor, build) -> Certificate:
    """A new certificate from ``build``; the holder's valid certificates of the same
    kind for the same course or competition are superseded by it. Call inside a
    transaction."""
    outdated = list(
        Certificate.objects.select_for_update().filter(
            user=user, course_key=course_key, kind=kind, status=Certificate.Status.VALID
        )
    )
    for old in outdated:
        _status_set(old, Certificate.Status.SUPERSEDED, reason="")
    certificate = _certificate_create(
        user=user,
        template=template,
        actor=actor,
        action=CertificateEvent.Action.ISSUED,
        build=build,
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


def valid_for_version(user, course_key, template, kind=Certificate.Kind.COURSE):
    """The holder's valid certificate of this kind from the template's current
    version, if any."""
    return Certificate.objects.filter(
        user=user,
        course_key=course_key,
        kind=kind,
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
        if old.for_contest:
            from certificates.services.contests import contest_reissue_plan

            template, build = contest_reissue_plan(certificate=old)
        else:
            template = old.template
            if not template.is_active:
                template = selectors.template_for_course(old.course_key) or template
            build = _course_content_builder(
                user=old.user, course_key=old.course_key, template=template
            )
        _status_set(old, Certificate.Status.SUPERSEDED, reason=note)
        new = _certificate_create(
            user=old.user,
            template=template,
            actor=actor,
            action=CertificateEvent.Action.REISSUED,
            build=build,
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
        # Its bit is set in the published list from the next request on.
        status_list_changed(certificate.status_list_id)
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
            certificate_email_queue(certificate=certificate, kind="expiry")
            count += 1
    return count


def certificate_issue_key(enrolment_id) -> str:
    """The durable task that issues an enrolment's certificate (lms.durable)."""
    return f"certificates.issue:enrolment:{enrolment_id}"


def certificate_email_key(certificate_id, kind: str) -> str:
    return f"certificates.email:{kind}:{certificate_id}"


def certificate_email_queue(*, certificate: Certificate, kind: str = "issued"):
    """Record the holder's e-mail in the current transaction; its task sends it
    after the commit (lms.durable), once."""
    from certificates.tasks import certificate_email_send as task

    return durable.durable_enqueue(
        task,
        key=certificate_email_key(certificate.pk, kind),
        args=[certificate.pk, kind],
    )


def certificate_email_deliver(*, certificate_id: int, kind: str, holder: str) -> bool:
    """Send the holder's e-mail unless it was sent already; True when sent now.

    ``holder`` (the task id) claims the e-mail's row while sending, so that a
    second delivery of the task meanwhile sends nothing; once sent the row is
    done, and later deliveries send nothing either. An SMTP error is raised for
    the task to retry; the claim is let go first."""
    from certificates.tasks import certificate_email_send as task

    key = certificate_email_key(certificate_id, kind)
    # Queued by code that did not record it (an older release): recorded now.
    durable.durable_enqueue(task, key=key, args=[certificate_id, kind], send=False)
    timeout = getattr(settings, "EMAIL_TIMEOUT", None) or 60
    if not durable.durable_claim(key, holder=holder, seconds=3 * timeout + 30):
        return False
    certificate = (
        Certificate.objects.select_related("user").filter(pk=certificate_id).first()
    )
    if certificate is None or not certificate.user.email:
        durable.durable_done(key)
        return False
    try:
        certificate_email_send(certificate=certificate, kind=kind)
    except BaseException as error:
        durable.durable_release(key, holder=holder, error=repr(error))
        raise
    durable.durable_done(key)
    logger.info("Certificate e-mail %s sent for certificate %s", kind, certificate_id)
    return True


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
