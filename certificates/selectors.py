"""Reads: which template applies, what a learner reached, certificates and keys."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from assessments import scoring
from assessments.models import Attempt, CompetenceResult, QuizPage
from assessments.selectors import quiz_grade
from certificates import payload
from certificates.codes import code_is_valid, code_normalize
from certificates.models import (
    Certificate,
    CertificateJob,
    CertificateTemplate,
    SigningKey,
    StatusList,
    TemplateContest,
    TemplateCourse,
)
from certificates.payload import CompetenceReached
from competencies.models import ProficiencyLevel
from competitions import selectors as competition_selectors
from competitions.models import Contest
from courses.models import CoursePage, Enrolment


def site_url() -> str:
    """The public address printed in QR codes and credentials, no trailing slash."""
    return settings.CERTIFICATES_SITE_URL.rstrip("/")


def certificate_verify_url(code: str) -> str:
    """The public page of a certificate. Without a language prefix: the site sends
    the visitor on to /km/ or /en/ by their browser's language."""
    return f"{site_url()}/verify/{code}/"


def course_pages(course_key) -> dict[str, CoursePage]:
    """The course's pages by language code."""
    return {
        page.locale.language_code: page
        for page in CoursePage.objects.filter(translation_key=course_key)
        .select_related("locale")
        .order_by("pk")
    }


def course_titles(course_key) -> tuple[str, str]:
    """(Khmer title, English title); one language's title stands in for a missing
    translation."""
    pages = course_pages(course_key)
    km = pages.get("km") or pages.get("en")
    en = pages.get("en") or pages.get("km")
    if km is None:
        return "", ""
    return km.title, en.title


def template_for_course(course_key) -> CertificateTemplate | None:
    """The active template that lists the course, else the active default one."""
    link = (
        TemplateCourse.objects.filter(
            course__translation_key=course_key, template__is_active=True
        )
        .select_related("template")
        .order_by("template_id")
        .first()
    )
    if link is not None:
        return link.template
    return (
        CertificateTemplate.objects.filter(is_default=True, is_active=True)
        .order_by("pk")
        .first()
    )


def course_score(*, user, course_key) -> Decimal | None:
    """The mean grade of the course's required quizzes (diagnostic pre-tests left
    out), each graded by its own method; None when the course has no quiz."""
    quizzes = {}
    for quiz in QuizPage.objects.live().filter(
        course_key=course_key, required=True, is_diagnostic=False
    ):
        quizzes.setdefault(quiz.translation_key, quiz)
    if not quizzes:
        return None
    attempts = defaultdict(list)
    for attempt in Attempt.objects.filter(
        user=user, quiz_key__in=list(quizzes), status=Attempt.Status.SUBMITTED
    ):
        attempts[attempt.quiz_key].append(attempt)
    grades = [
        quiz_grade(quiz, attempts.get(key, [])) or Decimal(0)
        for key, quiz in quizzes.items()
    ]
    mean = sum(grades, Decimal(0)) / len(grades)
    return mean.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def competence_levels(*, user, competences) -> dict[int, int | None]:
    """The learner's level rank on each competence (by id), aggregated across
    attempts by its framework's method, as on the competency profile; None where
    no question of the competence was answered (0: below the first level)."""
    history = defaultdict(list)
    for competence_id, rank in (
        CompetenceResult.objects.filter(user=user, competence__in=competences)
        .order_by("recorded_at", "pk")
        .values_list("competence_id", "level_rank")
    ):
        history[competence_id].append(rank)
    return {
        competence.pk: scoring.aggregate_levels(
            history[competence.pk], competence.framework.aggregation
        )
        if history[competence.pk]
        else None
        for competence in competences
    }


def competences_reached(*, user, course_key) -> tuple[CompetenceReached, ...]:
    """The course's target competences with the level the learner reached."""
    pages = course_pages(course_key)
    page = pages.get(settings.LANGUAGE_CODE) or next(iter(pages.values()), None)
    if page is None:
        return ()
    targets = list(
        page.competence_targets.select_related(
            "competence__framework", "level"
        ).order_by("sort_order", "pk")
    )
    competences = [target.competence for target in targets]
    ranks = competence_levels(user=user, competences=competences)
    levels = levels_by_rank(competences)
    return tuple(
        competence_reached(
            competence,
            levels.get((competence.framework_id, ranks.get(competence.pk))),
            assessed=ranks.get(competence.pk) is not None,
            first_level=first_level(levels, competence.framework_id),
        )
        for competence in competences
    )


def first_level(levels: dict, framework_id) -> ProficiencyLevel | None:
    """The lowest level of a framework among ``levels_by_rank``'s."""
    ranks = [rank for (fw, rank) in levels if fw == framework_id]
    return levels[(framework_id, min(ranks))] if ranks else None


def levels_by_rank(competences) -> dict[tuple[int, int], ProficiencyLevel]:
    """The levels of the competences' frameworks by (framework id, rank)."""
    return {
        (level.framework_id, level.rank): level
        for level in ProficiencyLevel.objects.filter(
            framework_id__in={c.framework_id for c in competences}
        )
    }


def competence_reached(
    competence, level, *, assessed: bool, first_level=None
) -> CompetenceReached:
    """A competence as a certificate states it, with ``level`` (None: not
    assessed, or ``assessed`` and below ``first_level``)."""
    return CompetenceReached(
        code=competence.code,
        name_km=competence.name_km,
        name_en=competence.name_en,
        level_code=level.code if level else "",
        level_rank=level.rank if level else 0,
        level_name_km=level.name_km if level else "",
        level_name_en=level.name_en if level else "",
        assessed=assessed or level is not None,
        first_level_name_km=first_level.name_km if first_level else "",
        first_level_name_en=first_level.name_en if first_level else "",
    )


def sample_competences() -> tuple[CompetenceReached, ...]:
    """For a template preview: the default framework's first competence, at a
    level from the middle of its scale (nothing without a framework)."""
    from competencies.models import Competence

    competence = (
        Competence.objects.filter(framework__is_default=True)
        .select_related("framework")
        .order_by("area__sort_order", "sort_order", "code")
        .first()
    )
    if competence is None:
        return ()
    levels = list(competence.framework.levels.order_by("rank"))
    if not levels:
        return ()
    return (
        competence_reached(
            competence,
            levels[len(levels) // 2],
            assessed=True,
            first_level=levels[0],
        ),
    )


def course_framework_name(course_key) -> str:
    """The English name of the framework of the course's first target competence."""
    pages = course_pages(course_key)
    page = pages.get(settings.LANGUAGE_CODE) or next(iter(pages.values()), None)
    if page is None:
        return ""
    target = (
        page.competence_targets.select_related("competence__framework")
        .order_by("sort_order", "pk")
        .first()
    )
    return target.competence.framework.name_en if target else ""


def eligibility_problems(*, user, course_key, template: CertificateTemplate) -> list:
    """Why the learner may not have the certificate yet (empty when they may)."""
    problems = []
    completed = Enrolment.objects.filter(
        user=user, course_key=course_key, status=Enrolment.Status.COMPLETED
    ).exists()
    if not completed:
        problems.append(_("The course is not completed."))
    if template.minimum_score is not None:
        score = course_score(user=user, course_key=course_key)
        if score is not None and score < template.minimum_score:
            problems.append(
                _("The score %(score)s%% is below the minimum %(minimum)s%%.")
                % {"score": score, "minimum": template.minimum_score}
            )
    rules = list(
        template.competence_rules.select_related(
            "competence__framework", "minimum_level"
        )
    )
    if rules:
        ranks = competence_levels(
            user=user, competences=[rule.competence for rule in rules]
        )
        for rule in rules:
            if (ranks.get(rule.competence_id) or 0) < rule.minimum_level.rank:
                problems.append(
                    _("The level on %(competence)s is below %(level)s.")
                    % {
                        "competence": rule.competence.code,
                        "level": rule.minimum_level.name,
                    }
                )
    return problems


def certificate_get(code: str) -> Certificate | None:
    """The certificate with this code, typed in any case, with or without dashes.
    A code that fails its check symbol is not looked up."""
    code = code_normalize(code)
    if not code_is_valid(code):
        return None
    return (
        Certificate.objects.select_related("template", "superseded_by", "user")
        .filter(code=code)
        .first()
    )


def certificates_for_user(user):
    return Certificate.objects.filter(user=user).select_related("superseded_by")


def certificates_for_export(*, course_key=None, date_from=None, date_to=None):
    filters = Q()
    if course_key:
        filters &= Q(course_key=course_key)
    if date_from:
        filters &= Q(issued_on__gte=date_from)
    if date_to:
        filters &= Q(issued_on__lte=date_to)
    return Certificate.objects.filter(filters).order_by("issued_on", "pk")


def certificates_admin_list(*, query="", status="", course_key=None):
    certificates = Certificate.objects.select_related("user").order_by(
        "-created_at", "-pk"
    )
    if status:
        certificates = certificates.filter(status=status)
    if course_key:
        certificates = certificates.filter(course_key=course_key)
    if query:
        code = code_normalize(query)
        certificates = certificates.filter(
            Q(code=code)
            | Q(holder_name_km__icontains=query)
            | Q(holder_name_latin__icontains=query)
            | Q(user__email__icontains=query)
        )
    return certificates


def signing_key_active() -> SigningKey | None:
    return SigningKey.objects.filter(is_active=True).first()


def jwks() -> dict:
    """Every public key, active and retired, as a JWK Set; each ``kid`` is the URL
    where that key is published (``payload.key_url``)."""
    site = site_url()
    return {
        "keys": [
            {**key.public_jwk, "kid": payload.key_url(site, key.kid)}
            for key in SigningKey.objects.order_by("created_at", "pk")
        ]
    }


def public_jwk(thumbprint: str) -> dict | None:
    key = SigningKey.objects.filter(kid=thumbprint).first()
    if key is None:
        return None
    return {**key.public_jwk, "kid": payload.key_url(site_url(), key.kid)}


# Terms of the W3C security vocabulary that the issuer Profile uses to list its
# keys (the Open Badges context has none for keys).
SECURITY_CONTEXT = {
    "verificationMethod": {
        "@id": "https://w3id.org/security#verificationMethod",
        "@type": "@id",
        "@container": "@set",
    },
    "JsonWebKey": "https://w3id.org/security#JsonWebKey",
    "controller": {"@id": "https://w3id.org/security#controller", "@type": "@id"},
    "publicKeyJwk": {"@id": "https://w3id.org/security#publicKeyJwk", "@type": "@json"},
}


def issuer_profile() -> dict:
    """The issuer's Open Badges Profile (JSON-LD), served at ``payload.issuer_url``:
    the site as the organisation that signs, with every key that verifies its
    credentials and status lists."""
    site = site_url()
    issuer = payload.issuer_url(site)
    return {
        "@context": [
            payload.VC_CONTEXT,
            payload.OB_CONTEXT,
            payload.KHMER_CONTEXT,
            SECURITY_CONTEXT,
        ],
        "id": issuer,
        "type": ["Profile"],
        "name": settings.CERTIFICATES_ISSUER_NAME_EN,
        "alternateName": settings.CERTIFICATES_ISSUER_NAME_KM,
        "url": f"{site}/",
        "verificationMethod": [
            {
                "id": jwk["kid"],
                "type": "JsonWebKey",
                "controller": issuer,
                "publicKeyJwk": jwk,
            }
            for jwk in jwks()["keys"]
        ],
    }


def status_list_ids() -> list[int]:
    return list(StatusList.objects.order_by("pk").values_list("pk", flat=True))


def course_choices() -> list[tuple[str, str]]:
    """(translation_key, title) of every course, titled in the default language
    where it has a page in it."""
    by_key = {}
    for page in CoursePage.objects.select_related("locale").order_by("pk"):
        if (
            page.translation_key not in by_key
            or page.locale.language_code == settings.LANGUAGE_CODE
        ):
            by_key[page.translation_key] = page
    return sorted(
        ((str(key), page.title) for key, page in by_key.items()),
        key=lambda choice: choice[1],
    )


def subject_choices() -> list[tuple[str, str]]:
    """``course_choices()`` followed by every competition, (key, title)."""
    contests = [
        (str(contest.key), _("%(title)s (competition)") % {"title": contest.title})
        for contest in Contest.objects.order_by("-sitting_opens_at", "pk")
    ]
    return course_choices() + contests


def jobs_recent(*, limit=20):
    return CertificateJob.objects.select_related("requested_by")[:limit]


# --- Competitions ---------------------------------------------------------------


def template_for_contest(contest: Contest, award: str) -> CertificateTemplate | None:
    """The active template that lists the contest for this award (participation or
    merit); None when no template does: competitions have no default template."""
    link = (
        TemplateContest.objects.filter(
            contest=contest, award=award, template__is_active=True
        )
        .select_related("template")
        .order_by("template_id")
        .first()
    )
    return link.template if link else None


def contest_templates(contest: Contest) -> dict[str, CertificateTemplate | None]:
    return {
        award: template_for_contest(contest, award)
        for award in TemplateContest.Award.values
    }


@dataclass(frozen=True)
class ContestStanding:
    """What a contestant's certificates state about their sitting."""

    user_id: int
    rank: int
    tied: bool
    merit: bool
    percent: Decimal | None
    competences: tuple[CompetenceReached, ...]


@dataclass(frozen=True)
class ContestResults:
    contest: Contest
    standings: dict[int, ContestStanding]  # by user id
    framework_name_en: str

    @property
    def ranked(self) -> int:
        return len(self.standings)


def contest_results(*, contest: Contest) -> ContestResults:
    """Every submitted sitting's rank, score and competence levels, by user, read
    once for a whole batch of certificates."""
    competences = competition_selectors.contest_competences(contest=contest)
    levels = levels_by_rank(competences)
    standings = {}
    for row in competition_selectors.standings(contest=contest):
        reached = []
        for competence in competences:
            score = row.competences.get(competence.code)
            rank = score.level_rank if score else None
            reached.append(
                competence_reached(
                    competence,
                    levels.get((competence.framework_id, rank)),
                    assessed=score is not None,
                    first_level=first_level(levels, competence.framework_id),
                )
            )
        standings[row.sitting.user_id] = ContestStanding(
            user_id=row.sitting.user_id,
            rank=row.rank,
            tied=row.tied,
            merit=row.merit,
            percent=row.sitting.percent,
            competences=tuple(reached),
        )
    framework = ""
    if competences:
        framework = competences[0].framework.name_en
    return ContestResults(
        contest=contest, standings=standings, framework_name_en=framework
    )


def contest_certificate_counts(*, contest: Contest) -> dict[str, int]:
    """Valid certificates of the contest, by kind."""
    counts = dict.fromkeys(TemplateContest.Award.values, 0)
    for kind in (
        Certificate.objects.filter(
            course_key=contest.key, status=Certificate.Status.VALID
        )
        .exclude(kind=Certificate.Kind.COURSE)
        .values_list("kind", flat=True)
    ):
        counts[kind] += 1
    return counts


def contest_jobs(*, contest: Contest, limit=5):
    return CertificateJob.objects.filter(
        contest=contest, kind=CertificateJob.Kind.CONTEST_ISSUE
    ).select_related("requested_by")[:limit]


def contest_certificates_for(*, contest: Contest, user):
    """The holder's certificates of the contest that are in force."""
    return (
        Certificate.objects.filter(
            user=user,
            course_key=contest.key,
            status=Certificate.Status.VALID,
        )
        .exclude(kind=Certificate.Kind.COURSE)
        .order_by("kind", "-created_at")
    )
