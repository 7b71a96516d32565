"""Competition reads: eligibility, the learner's pages, standings and leaderboards,
the committee's export, item analysis and the audit log."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd
from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from accounts.models import Institution
from assessments.models import Choice, Question, QuestionCompetence
from assessments.selectors import ShownQuestion, shown_questions
from competencies.models import Competence
from competitions import analysis, blueprint, ranking
from competitions.models import (
    AuditEvent,
    BlueprintRow,
    Contest,
    Registration,
    Sitting,
    SittingCompetenceScore,
    SittingResponse,
)

FLAG_LABELS = {
    "few_responses": _("Few responses"),
    "no_variance": _("Everyone scored the same"),
    "negative_discrimination": _("Negative discrimination: check the answer key"),
    "low_discrimination": _("Low discrimination"),
    "too_easy": _("Too easy"),
    "too_hard": _("Too hard"),
}


# --- Eligibility ----------------------------------------------------------------------


def registration_refusal(*, contest: Contest, user, now=None) -> str | None:
    """Why this user may not register now, or None if they may."""
    now = now or timezone.now()
    if not contest.listed:
        return _("This competition is not available.")
    if user.learner_kind != contest.eligible_learner_kind:
        return _("This competition is open to %(who)s only.") % {
            "who": contest.get_eligible_learner_kind_display().lower()
        }
    if now < contest.registration_opens_at:
        return _("Registration has not opened yet.")
    if now >= contest.registration_closes_at:
        return _("Registration is closed.")
    return None


def contest_institutions(*, contest: Contest):
    """The institutions a contestant may register with."""
    allowed = contest.institutions.all()
    return allowed if allowed.exists() else Institution.objects.all()


# --- The blueprint --------------------------------------------------------------------


def blueprint_pools(rows: Iterable[tuple]) -> list[blueprint.Row]:
    """Rows (id, bank id, competence id, level id, count) with their pools: the
    active questions of the bank at the level that measure the competence. One
    query, whatever the number of rows."""
    rows = list(rows)
    if not rows:
        return []
    links = (
        QuestionCompetence.objects.filter(
            question__bank_id__in={r[1] for r in rows},
            question__level_id__in={r[3] for r in rows},
            question__is_active=True,
            competence_id__in={r[2] for r in rows},
        )
        .values_list(
            "question_id", "question__bank_id", "competence_id", "question__level_id"
        )
        .distinct()
    )
    pools = defaultdict(set)
    for question_id, bank_id, competence_id, level_id in links:
        pools[(bank_id, competence_id, level_id)].add(question_id)
    return [
        blueprint.Row(
            id=row_id,
            count=count,
            pool=tuple(sorted(pools[(bank_id, competence_id, level_id)])),
        )
        for row_id, bank_id, competence_id, level_id, count in rows
    ]


def blueprint_rows_for_draw(*, contest: Contest) -> list[blueprint.Row]:
    return blueprint_pools(
        BlueprintRow.objects.filter(contest=contest)
        .order_by("sort_order", "pk")
        .values_list("pk", "bank_id", "competence_id", "level_id", "count")
    )


# --- Learner pages --------------------------------------------------------------------


def contests_for_student(*, user, now=None) -> list[dict]:
    """Listed competitions, most recent first, each with the user's registration."""
    now = now or timezone.now()
    contests = list(Contest.objects.filter(listed=True))
    registrations = {}
    if user.is_authenticated:
        registrations = {
            r.contest_id: r
            for r in Registration.objects.filter(user=user).select_related("sitting")
        }
    return [
        {
            "contest": contest,
            "registration": registrations.get(contest.pk),
            "registration_open": contest.registration_is_open(now),
            "sitting_open": contest.sitting_is_open(now),
            "results": contest.results_are_published(now),
        }
        for contest in contests
    ]


def sitting_of(*, contest: Contest, user) -> Sitting | None:
    if not user.is_authenticated:
        return None
    sitting = Sitting.objects.filter(contest=contest, user=user).first()
    if sitting is not None:
        # Known already: spare the queries when they are followed.
        sitting.contest, sitting.user = contest, user
    return sitting


def contest_page_context(*, contest: Contest, user, now=None) -> dict:
    """What the contest page shows this user now. Never any question."""
    now = now or timezone.now()
    registration = sitting = refusal = None
    if user.is_authenticated:
        registration = Registration.objects.filter(contest=contest, user=user).first()
        sitting = sitting_of(contest=contest, user=user)
        if registration is None:
            refusal = registration_refusal(contest=contest, user=user, now=now)
    approved = bool(
        registration and registration.status == Registration.Status.APPROVED
    )
    seconds_to_open = max(0, int((contest.sitting_opens_at - now).total_seconds()))
    return {
        "contest": contest,
        "registration": registration,
        "sitting": sitting,
        "refusal": refusal,
        "can_register": user.is_authenticated
        and registration is None
        and refusal is None,
        "approved": approved,
        "sitting_open": contest.sitting_is_open(now),
        "sitting_over": contest.sitting_is_over(now),
        "seconds_to_open": seconds_to_open,
        "can_start": approved and sitting is None and contest.sitting_is_open(now),
        "in_progress": sitting is not None
        and sitting.status == Sitting.Status.IN_PROGRESS,
        "results": contest.results_are_published(now),
        "question_count": contest.question_count,
    }


def sitting_questions(sitting: Sitting) -> list[ShownQuestion]:
    """The contestant's questions, as laid out for them, with their saved answers.
    Correctness, feedback and explanations are not loaded."""
    questions = (
        Question.objects.filter(pk__in=sitting.question_ids)
        .select_related("image")
        .only(
            "pk",
            "kind",
            "points",
            "stem_km",
            "stem_en",
            "image",
            "image_alt_km",
            "image_alt_en",
        )
        .prefetch_related(
            Prefetch(
                "choices",
                queryset=Choice.objects.only("pk", "question_id", "text_km", "text_en"),
            )
        )
        .in_bulk()
    )
    return shown_questions(
        layout=sitting.layout, questions=questions, responses=sitting.responses.all()
    )


def sitting_take_context(*, sitting: Sitting, now=None) -> dict:
    now = now or timezone.now()
    return {
        "sitting": sitting,
        "contest": sitting.contest,
        "questions": sitting_questions(sitting),
        "seconds_remaining": max(0, int((sitting.deadline - now).total_seconds())),
    }


# --- Standings ------------------------------------------------------------------------


@dataclass
class Standing:
    rank: int
    tied: bool
    sitting: Sitting
    competences: dict = field(default_factory=dict)  # code -> SittingCompetenceScore
    institution_rank: int | None = None
    institution_tied: bool = False

    @property
    def registration(self) -> Registration:
        return self.sitting.registration

    @property
    def merit(self) -> bool:
        return self.rank <= self.sitting.contest.merit_places


def standings(*, contest: Contest) -> list[Standing]:
    """Every submitted sitting in rank order (see competitions.ranking)."""
    sittings = {
        s.pk: s
        for s in Sitting.objects.filter(
            contest=contest, status=Sitting.Status.SUBMITTED
        )
        .select_related("user", "registration__institution", "contest")
        .prefetch_related(
            Prefetch(
                "competence_scores",
                queryset=SittingCompetenceScore.objects.select_related("competence"),
            )
        )
    }
    placed = ranking.rank(
        ranking.Entry(
            key=s.pk,
            score=s.score,
            max_score=s.max_score,
            time_used_seconds=s.time_used_seconds or 0,
            submitted_at=s.submitted_at,
        )
        for s in sittings.values()
    )
    result = [
        Standing(
            rank=p.rank,
            tied=p.tied,
            sitting=sittings[p.entry.key],
            competences={
                score.competence.code: score
                for score in sittings[p.entry.key].competence_scores.all()
            },
        )
        for p in placed
    ]
    by_institution = defaultdict(set)
    for standing in result:
        by_institution[standing.registration.institution_id].add(standing.sitting.pk)
    by_key = {standing.sitting.pk: standing for standing in result}
    for keys in by_institution.values():
        for p in ranking.rank_within(placed, keys):
            by_key[p.entry.key].institution_rank = p.rank
            by_key[p.entry.key].institution_tied = p.tied
    return result


def institution_leaderboards(rows: list[Standing]) -> list[dict]:
    """Standings grouped by institution, each ranked within the institution."""
    groups = defaultdict(list)
    for standing in rows:
        groups[standing.registration.institution].append(standing)
    boards = [
        {
            "institution": institution,
            "standings": sorted(members, key=lambda s: (s.institution_rank, s.rank)),
        }
        for institution, members in groups.items()
    ]
    boards.sort(key=lambda board: (board["standings"][0].rank, board["institution"].pk))
    return boards


def contest_competences(*, contest: Contest) -> list[Competence]:
    ids = BlueprintRow.objects.filter(contest=contest).values("competence_id")
    return list(Competence.objects.filter(pk__in=ids).order_by("code"))


def results_context(*, contest: Contest, user, now=None) -> dict:
    rows = standings(contest=contest)
    mine = next(
        (s for s in rows if user.is_authenticated and s.sitting.user_id == user.pk),
        None,
    )
    competences = contest_competences(contest=contest)
    return {
        "contest": contest,
        "standings": rows,
        "institutions": institution_leaderboards(rows),
        "mine": mine,
        "mine_competences": [
            (competence, mine.competences[competence.code])
            for competence in competences
            if mine and competence.code in mine.competences
        ],
    }


# --- The committee's export -----------------------------------------------------------


def export_table(*, contest: Contest) -> tuple[list[str], list[list]]:
    """Columns and rows of the ranking, for the scholarship committee."""
    competences = contest_competences(contest=contest)
    columns = [
        str(_("Rank")),
        str(_("Tied")),
        str(_("Rank in institution")),
        str(_("Full name (Khmer)")),
        str(_("Full name (Latin script)")),
        str(_("E-mail")),
        str(_("Institution")),
        str(_("Institution code")),
        str(_("Student ID")),
        str(_("Year of study")),
        str(_("Score")),
        str(_("Maximum score")),
        str(_("Percent")),
        str(_("Time used (s)")),
        str(_("Submitted at")),
        str(_("Closed at the deadline")),
        str(_("Receipt")),
        str(_("Merit")),
    ]
    for competence in competences:
        columns += [
            _("%(code)s points") % {"code": competence.code},
            _("%(code)s maximum") % {"code": competence.code},
            _("%(code)s level") % {"code": competence.code},
        ]
    yes, no = str(_("yes")), str(_("no"))
    rows = []
    for standing in standings(contest=contest):
        sitting, registration = standing.sitting, standing.registration
        user = sitting.user
        row = [
            standing.rank,
            yes if standing.tied else no,
            standing.institution_rank,
            user.full_name_km,
            user.full_name_latin,
            user.email,
            registration.institution.name,
            registration.institution.code,
            registration.student_id,
            registration.study_year,
            float(sitting.score),
            float(sitting.max_score),
            float(sitting.percent),
            sitting.time_used_seconds,
            timezone.localtime(sitting.submitted_at).strftime("%Y-%m-%d %H:%M:%S"),
            yes if sitting.closed_by_deadline else no,
            sitting.receipt,
            yes if standing.merit else no,
        ]
        for competence in competences:
            score = standing.competences.get(competence.code)
            row += (
                [float(score.earned), float(score.possible), score.level_rank]
                if score
                else [None, None, None]
            )
        rows.append(row)
    return [str(c) for c in columns], rows


# --- Item analysis --------------------------------------------------------------------


def item_scores(*, contest: Contest) -> pd.DataFrame:
    """(sitting, question, score) for every question of every submitted form; an
    unanswered question scores 0."""
    sittings = Sitting.objects.filter(
        contest=contest, status=Sitting.Status.SUBMITTED
    ).values_list("pk", "layout")
    fractions = {
        (sitting_id, question_id): fraction
        for sitting_id, question_id, fraction in SittingResponse.objects.filter(
            sitting__contest=contest, sitting__status=Sitting.Status.SUBMITTED
        ).values_list("sitting_id", "question_id", "fraction")
    }
    records = [
        (
            sitting_id,
            item["question"],
            float(fractions.get((sitting_id, item["question"])) or 0),
        )
        for sitting_id, layout in sittings
        for item in layout
    ]
    return pd.DataFrame.from_records(records, columns=["sitting", "question", "score"])


def item_analysis(*, contest: Contest, min_responses: int = analysis.MIN_RESPONSES):
    items = item_scores(contest=contest)
    stats = analysis.item_statistics(items, min_responses=min_responses)
    questions = (
        Question.objects.filter(pk__in=list(stats.index))
        .select_related("level", "bank")
        .prefetch_related(
            Prefetch(
                "competence_links",
                queryset=QuestionCompetence.objects.select_related("competence"),
            )
        )
        .in_bulk()
    )
    rows = []
    for question_id, stat in stats.iterrows():
        question = questions[question_id]
        rows.append(
            {
                "question": question,
                "text": Truncator(strip_tags(question.stem)).chars(90),
                "competences": ", ".join(
                    link.competence.code for link in question.competence_links.all()
                ),
                "n": int(stat["n"]),
                "difficulty": stat["difficulty"],
                "point_biserial": stat["point_biserial"],
                "item_rest": stat["item_rest"],
                "flags": [FLAG_LABELS[f] for f in stat["flags"]],
                "flag_codes": list(stat["flags"]),
            }
        )
    rows.sort(key=lambda r: (not r["flag_codes"], r["competences"], r["question"].pk))
    return {"summary": analysis.summary(items), "items": rows}


# --- Organiser pages ------------------------------------------------------------------


def registrations_for_organiser(*, contest: Contest, status: str | None = None):
    registrations = (
        Registration.objects.filter(contest=contest)
        .select_related("user", "institution", "decided_by")
        .order_by("status", "created_at", "pk")
    )
    if status:
        registrations = registrations.filter(status=status)
    return registrations


def registration_counts(*, contest: Contest) -> dict:
    counts = Registration.objects.filter(contest=contest).aggregate(
        total=Count("pk"),
        pending=Count("pk", filter=Q(status=Registration.Status.PENDING)),
        approved=Count("pk", filter=Q(status=Registration.Status.APPROVED)),
        rejected=Count("pk", filter=Q(status=Registration.Status.REJECTED)),
    )
    sittings = Sitting.objects.filter(contest=contest).aggregate(
        started=Count("pk"),
        submitted=Count("pk", filter=Q(status=Sitting.Status.SUBMITTED)),
    )
    return {**counts, **sittings}


def audit_events(*, contest: Contest, sitting_id=None, kind=None):
    events = AuditEvent.objects.filter(contest=contest).select_related("user")
    if sitting_id:
        events = events.filter(sitting_id=sitting_id)
    if kind:
        events = events.filter(kind=kind)
    return events.order_by("-at", "-pk")
