"""Certificates for competitions: a certificate of participation for every
contestant whose sitting was scored, and a merit certificate, stating the rank, for
those ranked up to the contest's merit places.

They are issued once the results are published (competitions announces it with
``results_published``), from the templates that list the contest, and are
verifiable, revocable and reissued like course certificates. Issuing is idempotent
per contestant, kind and template version, as for courses.
"""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from certificates import selectors
from certificates.models import Certificate, CertificateTemplate
from certificates.payload import CertificateContent
from certificates.services.issuance import (
    CertificateError,
    CertificateNotEligible,
    IssueResult,
    holder_names,
    issue_superseding,
    template_terms,
    valid_for_version,
)
from competitions.models import Contest, Sitting

CONTEST_KINDS = (Certificate.Kind.PARTICIPATION, Certificate.Kind.MERIT)


def _contest_builder(*, user, kind, template, results, standing):
    contest = results.contest
    merit = kind == Certificate.Kind.MERIT

    def build(code, today):
        return CertificateContent(
            code=code,
            course_key=str(contest.key),
            course_title_km=contest.title_km or contest.title_en,
            course_title_en=contest.title_en or contest.title_km,
            issued_on=today,
            framework_name_en=results.framework_name_en,
            competences=standing.competences,
            score=standing.percent,
            kind=str(kind),
            rank=standing.rank if merit else None,
            rank_of=results.ranked if merit else None,
            rank_tied=standing.tied if merit else False,
            **holder_names(user),
            **template_terms(template, today=today),
        )

    return build


def _standing(*, user, kind, results):
    """The contestant's standing, or why this kind of certificate is refused."""
    if not results.contest.results_are_published():
        raise CertificateNotEligible(
            _("The results of the competition are not published yet.")
        )
    standing = results.standings.get(user.pk)
    if standing is None:
        raise CertificateNotEligible(
            _("The contestant has no scored sitting in this competition.")
        )
    if kind == Certificate.Kind.MERIT and not standing.merit:
        raise CertificateNotEligible(
            _("The contestant is not ranked among the merit places.")
        )
    return standing


def contest_certificate_issue(
    *,
    user,
    contest: Contest,
    kind: str,
    template: CertificateTemplate | None = None,
    actor=None,
    results: selectors.ContestResults | None = None,
) -> IssueResult:
    """Issue a contestant's participation or merit certificate, once.

    While a valid certificate of this kind from the same template version exists,
    that one is returned. Concurrent calls for one contestant queue on their
    sitting's row lock; the unique constraint on valid certificates catches the
    rest. ``results`` (``selectors.contest_results``) may be passed by a batch that
    has read them already.
    """
    if kind not in CONTEST_KINDS:
        raise ValueError(f"Not a competition certificate: {kind!r}")
    template = template or selectors.template_for_contest(contest, kind)
    if template is None:
        raise CertificateNotEligible(
            _("No certificate template applies to this competition.")
        )
    with transaction.atomic():
        Sitting.objects.select_for_update().filter(contest=contest, user=user).first()
        existing = valid_for_version(user, contest.key, template, kind)
        if existing is not None:
            return IssueResult(existing, False)
        results = results or selectors.contest_results(contest=contest)
        standing = _standing(user=user, kind=kind, results=results)
        try:
            with transaction.atomic():
                certificate = issue_superseding(
                    user=user,
                    course_key=contest.key,
                    kind=kind,
                    template=template,
                    actor=actor,
                    build=_contest_builder(
                        user=user,
                        kind=kind,
                        template=template,
                        results=results,
                        standing=standing,
                    ),
                )
        except IntegrityError:
            existing = valid_for_version(user, contest.key, template, kind)
            if existing is None:
                raise
            return IssueResult(existing, False)
    return IssueResult(certificate, True)


def contest_certificates_plan(
    *, contest: Contest, results: selectors.ContestResults
) -> list[tuple]:
    """(user, kind, template) for every certificate the published results call
    for, best rank first: participation for every contestant ranked, merit for the
    merit places, each where a template lists the contest for it."""
    contest_certificates_check(contest)
    templates = selectors.contest_templates(contest)
    users = User.objects.in_bulk(list(results.standings))
    plan = []
    for standing in sorted(results.standings.values(), key=lambda s: s.rank):
        for kind in CONTEST_KINDS:
            template = templates[kind]
            if template is None:
                continue
            if kind == Certificate.Kind.MERIT and not standing.merit:
                continue
            plan.append((users[standing.user_id], kind, template))
    return plan


def contest_certificates_check(contest: Contest) -> None:
    """Raise CertificateError, with the reason, when the contest's certificates
    cannot be issued: results not published, or no template lists it."""
    if not contest.results_are_published():
        raise CertificateError(
            _("Certificates can be issued once the results are published.")
        )
    if not any(selectors.contest_templates(contest).values()):
        raise CertificateError(
            _(
                "No active certificate template lists this competition: add it to "
                "a template under Certificates, then issue again."
            )
        )


def contest_reissue_plan(*, certificate: Certificate):
    """(template, content builder) to reissue a competition certificate with the
    holder's current names and the current standings."""
    contest = Contest.objects.filter(key=certificate.course_key).first()
    if contest is None:
        raise CertificateError(_("The competition no longer exists."))
    template = certificate.template
    if not template.is_active:
        template = selectors.template_for_contest(contest, certificate.kind) or template
    results = selectors.contest_results(contest=contest)
    try:
        standing = _standing(
            user=certificate.user, kind=certificate.kind, results=results
        )
    except CertificateNotEligible as refusal:
        raise CertificateError(str(refusal)) from refusal
    return template, _contest_builder(
        user=certificate.user,
        kind=certificate.kind,
        template=template,
        results=results,
        standing=standing,
    )
