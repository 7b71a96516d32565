"""Certificates that waited for their holder's name.

A certificate is not issued while its holder has not given their full name in
Khmer and in Latin script (``issuance.holder_names``). Once they have, this
issues what they earned meanwhile: each course they completed and each published
competition they sat for which they hold no certificate at all. A certificate
that exists in any state (revoked included) is never issued again from here:
revoking stays final, and a new template version is still the business of a
bulk issue. Exactly-once is the issuing functions' own (row locks, unique
constraints), so running this twice, or beside a bulk job, issues nothing twice.
"""

import logging

from django.utils import timezone

from accounts.selectors import user_has_holder_names
from certificates.models import Certificate
from certificates.services.contests import CONTEST_KINDS, contest_certificate_issue
from certificates.services.issuance import (
    CertificateNotEligible,
    IssueResult,
    certificate_issue,
)
from competitions.models import Contest, Sitting
from courses.models import Enrolment

logger = logging.getLogger(__name__)


def holder_has_waiting(user) -> bool:
    """Whether something may wait for the holder's name: a completed course, or a
    submitted sitting of a published competition, without any certificate. Cheap
    (two queries), to decide whether ``holder_certificates_issue`` is worth
    queuing."""
    held = Certificate.objects.filter(user=user).values("course_key")
    if (
        Enrolment.objects.filter(user=user, status=Enrolment.Status.COMPLETED)
        .exclude(course_key__in=held)
        .exists()
    ):
        return True
    return (
        Sitting.objects.filter(
            user=user,
            status=Sitting.Status.SUBMITTED,
            contest__results_publish_at__lte=timezone.now(),
        )
        .exclude(contest__key__in=held)
        .exists()
    )


def holder_certificates_issue(*, user) -> list[IssueResult]:
    """Issue the holder's certificates that waited for their name; the ones
    issued now. Nothing when they still lack a name."""
    if not user_has_holder_names(user):
        return []
    held = {
        (str(key), str(kind))
        for key, kind in Certificate.objects.filter(user=user).values_list(
            "course_key", "kind"
        )
    }
    results = []
    for course_key in (
        Enrolment.objects.filter(user=user, status=Enrolment.Status.COMPLETED)
        .order_by("completed_at", "pk")
        .values_list("course_key", flat=True)
    ):
        if (str(course_key), Certificate.Kind.COURSE) in held:
            continue
        try:
            results.append(certificate_issue(user=user, course_key=course_key))
        except CertificateNotEligible as refusal:
            logger.info(
                "No certificate for %s in course %s: %s", user.pk, course_key, refusal
            )
    for contest in (
        Contest.objects.filter(sittings__user=user).distinct().order_by("pk")
    ):
        if not contest.results_are_published():
            continue
        for kind in CONTEST_KINDS:
            if (str(contest.key), kind) in held:
                continue
            try:
                results.append(
                    contest_certificate_issue(user=user, contest=contest, kind=kind)
                )
            except CertificateNotEligible as refusal:
                logger.info(
                    "No %s certificate for %s in contest %s: %s",
                    kind,
                    user.pk,
                    contest.pk,
                    refusal,
                )
    return [result for result in results if result.created]
