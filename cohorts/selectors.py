"""Reads for the dashboards, exports, roll-up and My learning.

Every function runs a fixed number of queries, whatever the number of learners,
courses or competences: per-learner facts (enrolments, lessons done, attempts,
competence results) are read in one query each for the whole set of learners and
put together in Python.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Institution, User
from accounts.selectors import user_missing_names
from assessments import scoring
from assessments.models import Attempt, CompetenceResult
from cohorts.models import Assignment, Cohort, Membership
from competencies.models import Competence, Framework, ProficiencyLevel
from competencies.selectors import framework_get_default
from courses.khmer import match_key
from courses.models import CourseCompetence, CoursePage, Enrolment, LessonCompletion
from courses.requirements import requirement_providers

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
OVERDUE = "overdue"
STATUSES = (NOT_STARTED, IN_PROGRESS, COMPLETED, OVERDUE)
STATUS_LABELS = {
    NOT_STARTED: _("Not started"),
    IN_PROGRESS: _("In progress"),
    COMPLETED: _("Completed"),
    OVERDUE: _("Overdue"),
}
AT_RISK = "at_risk"
REMINDER_DAYS = 7


def today_local() -> date:
    return timezone.localdate()


# --- Courses ------------------------------------------------------------------------


def _prefer_language(pages) -> dict:
    """One page per translation_key: the active language's where it exists."""
    language = get_language()
    chosen = {}
    for page in pages:
        current = chosen.get(page.translation_key)
        if current is None or (
            page.locale.language_code == language
            and current.locale.language_code != language
        ):
            chosen[page.translation_key] = page
    return chosen


def courses_by_key(course_keys) -> dict[UUID, CoursePage]:
    return _prefer_language(
        CoursePage.objects.live()
        .filter(translation_key__in=list(course_keys))
        .select_related("locale")
    )


def assignable_courses() -> list[CoursePage]:
    """Every live course, once, in the active language where it exists."""
    chosen = _prefer_language(CoursePage.objects.live().select_related("locale"))
    return sorted(chosen.values(), key=lambda page: (page.title.lower(), page.pk))


def course_title(courses: dict, course_key) -> str:
    course = courses.get(course_key)
    return course.title if course else str(_("Course no longer available"))


# --- Progress of many learners at once ------------------------------------------------


@dataclass
class Cell:
    """One learner's state in one assigned course."""

    status: str
    percent: int
    due_date: date
    completed_at: object = None

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self.status])


@dataclass
class Activity:
    """What a set of learners did in a set of courses, keyed by (user id, course)."""

    enrolment_status: dict = field(default_factory=dict)
    completed_at: dict = field(default_factory=dict)
    met: dict = field(default_factory=lambda: defaultdict(set))
    started: set = field(default_factory=set)
    requirements: dict = field(default_factory=dict)  # course_key -> [keys]


def learner_activity(users_q: Q, course_keys) -> Activity:
    """Enrolments, requirements met and signs of activity for the users matched by
    ``users_q`` (a filter on User) in the courses: 3 queries plus one per
    requirement provider."""
    course_keys = list(course_keys)
    activity = Activity()
    if not course_keys:
        return activity
    user_ids = User.objects.filter(users_q).values("pk")
    for provider in requirement_providers():
        for key, items in provider.requirements(course_keys).items():
            activity.requirements.setdefault(key, []).extend(i.key for i in items)
    for user_id, course_key, status, completed_at in Enrolment.objects.filter(
        user_id__in=user_ids, course_key__in=course_keys
    ).values_list("user_id", "course_key", "status", "completed_at"):
        activity.enrolment_status[(user_id, course_key)] = status
        activity.completed_at[(user_id, course_key)] = completed_at
    for user_id, course_key, lesson_key in LessonCompletion.objects.filter(
        user_id__in=user_ids, course_key__in=course_keys
    ).values_list("user_id", "course_key", "lesson_key"):
        activity.met[(user_id, course_key)].add(f"lesson:{lesson_key}")
        activity.started.add((user_id, course_key))
    # A required quiz is met when the grade over submitted attempts reaches the
    # pass mark, as the quiz requirement provider decides for one learner.
    percents = defaultdict(list)
    settings_of = {}
    for (
        user_id,
        course_key,
        quiz_key,
        status,
        percent,
        method,
        pass_mark,
    ) in (
        Attempt.objects.filter(user_id__in=user_ids, course_key__in=course_keys)
        .order_by("submitted_at", "pk")
        .values_list(
            "user_id",
            "course_key",
            "quiz_key",
            "status",
            "percent",
            "quiz__grading_method",
            "quiz__pass_mark",
        )
    ):
        activity.started.add((user_id, course_key))
        if status == Attempt.Status.SUBMITTED and percent is not None:
            percents[(user_id, course_key, quiz_key)].append(Decimal(percent))
            settings_of[(user_id, course_key, quiz_key)] = (method, pass_mark)
    for (user_id, course_key, quiz_key), values in percents.items():
        method, pass_mark = settings_of[(user_id, course_key, quiz_key)]
        grade = scoring.grade(values, method)
        if grade is not None and grade >= pass_mark:
            activity.met[(user_id, course_key)].add(f"quiz:{quiz_key}")
    return activity


def cell_for(activity: Activity, user_id, course_key, due_date, today) -> Cell:
    key = (user_id, course_key)
    status = activity.enrolment_status.get(key)
    required = activity.requirements.get(course_key, [])
    met = activity.met.get(key, set())
    done = sum(1 for item in required if item in met)
    percent = round(100 * done / len(required)) if required else 0
    if status == Enrolment.Status.COMPLETED:
        return Cell(COMPLETED, 100, due_date, activity.completed_at.get(key))
    if due_date < today:
        return Cell(OVERDUE, percent, due_date)
    if key in activity.started or done:
        return Cell(IN_PROGRESS, percent, due_date)
    return Cell(NOT_STARTED, percent, due_date)


# --- The cohort page --------------------------------------------------------------


@dataclass
class Filters:
    """The cohort page's filters; exports take the same query string."""

    q: str = ""
    status: str = ""
    course: str = ""
    competences: str = "all"

    def as_params(self) -> dict:
        return {
            name: value
            for name, value in (
                ("q", self.q),
                ("status", self.status),
                ("course", self.course),
                ("competences", self.competences),
            )
            if value and not (name == "competences" and value == "all")
        }


def filters_from(params) -> Filters:
    q = " ".join(str(params.get("q", "")).split())[:100]
    status = str(params.get("status", ""))
    if status not in (*STATUSES, AT_RISK):
        status = ""
    course = str(params.get("course", ""))[:40]
    try:
        course = str(UUID(course)) if course else ""
    except ValueError:
        course = ""
    competences = str(params.get("competences", "all"))
    if competences not in ("all", "targeted"):
        competences = "all"
    return Filters(q=q, status=status, course=course, competences=competences)


@dataclass
class CourseColumn:
    course_key: UUID
    title: str
    due_date: date
    assignment: Assignment
    url: str = ""


@dataclass
class LearnerRow:
    user: User
    cells: list[Cell]
    levels: list[int | None]
    risks: list[str] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(1 for cell in self.cells if cell.status == OVERDUE)

    @property
    def completed(self) -> int:
        return sum(1 for cell in self.cells if cell.status == COMPLETED)


@dataclass
class LevelDistribution:
    competence: Competence
    counts: dict  # rank (None: not assessed, 0: below the first level) -> learners
    targeted: bool


@dataclass
class CohortDashboard:
    cohort: Cohort
    filters: Filters
    today: date
    courses: list[CourseColumn]
    all_courses: list[CourseColumn]
    framework: Framework | None
    levels: list[ProficiencyLevel]
    competences: list[Competence]
    targeted_ids: set
    rows: list[LearnerRow]
    member_count: int
    # Every member (whatever the filters) who has not given both names a
    # certificate prints, with the names missing: their certificates wait.
    unnamed: list[tuple[User, list]] = field(default_factory=list)

    @property
    def at_risk(self) -> list[LearnerRow]:
        return [row for row in self.rows if row.risks]

    @property
    def first_level(self) -> ProficiencyLevel | None:
        return self.levels[0] if self.levels else None

    def distribution(self) -> list[LevelDistribution]:
        result = []
        for index, competence in enumerate(self.competences):
            counts = defaultdict(int)
            for row in self.rows:
                counts[row.levels[index]] += 1
            result.append(
                LevelDistribution(
                    competence=competence,
                    counts=dict(counts),
                    targeted=competence.pk in self.targeted_ids,
                )
            )
        return result

    def course_totals(self) -> list[tuple[CourseColumn, dict]]:
        """Per course, how many of the learners shown are in each status."""
        totals = []
        for index, column in enumerate(self.courses):
            counts = dict.fromkeys(STATUSES, 0)
            for row in self.rows:
                counts[row.cells[index].status] += 1
            totals.append((column, counts))
        return totals

    @property
    def completion_rate(self) -> int:
        cells = [cell for row in self.rows for cell in row.cells]
        if not cells:
            return 0
        return round(100 * sum(c.status == COMPLETED for c in cells) / len(cells))


def _members(users_q: Q):
    return (
        User.objects.filter(users_q)
        .select_related("institution")
        .order_by("full_name_latin", "email")
    )


def competence_levels(
    users_q: Q, framework: Framework | None
) -> dict[tuple[int, int], int]:
    """Each (user id, competence id) assessed, with the level aggregated across
    attempts by the framework's method: one query."""
    if framework is None:
        return {}
    history = defaultdict(list)
    for user_id, competence_id, rank in (
        CompetenceResult.objects.filter(
            user_id__in=User.objects.filter(users_q).values("pk"),
            competence__framework=framework,
        )
        .order_by("recorded_at", "pk")
        .values_list("user_id", "competence_id", "level_rank")
    ):
        history[(user_id, competence_id)].append(rank)
    return {
        key: scoring.aggregate_levels(ranks, framework.aggregation)
        for key, ranks in history.items()
    }


def cohort_dashboard(
    *, cohort: Cohort, filters: Filters | None = None, today: date | None = None
) -> CohortDashboard:
    """Everything the cohort page, its exports and its report show."""
    filters = filters or Filters()
    today = today or today_local()
    users_q = Q(cohort_memberships__cohort=cohort)
    assignments = list(cohort.assignments.all())
    keys = [a.course_key for a in assignments]
    pages = courses_by_key(keys)
    all_courses = [
        CourseColumn(
            course_key=a.course_key,
            title=course_title(pages, a.course_key),
            due_date=a.due_date,
            assignment=a,
            url=pages[a.course_key].url if a.course_key in pages else "",
        )
        for a in assignments
    ]
    courses = [
        c
        for c in all_courses
        if not filters.course or str(c.course_key) == filters.course
    ]
    targeted_ids = set(
        CourseCompetence.objects.filter(page__translation_key__in=keys).values_list(
            "competence_id", flat=True
        )
    )
    framework = framework_get_default()
    levels = list(framework.levels.order_by("rank")) if framework else []
    competences = (
        list(
            Competence.objects.filter(framework=framework, retired_at__isnull=True)
            .select_related("area")
            .order_by("area__sort_order", "area__code", "sort_order", "code")
        )
        if framework
        else []
    )
    if filters.competences == "targeted":
        competences = [c for c in competences if c.pk in targeted_ids]
    members = list(_members(users_q))
    activity = learner_activity(users_q, keys)
    levels_by_user = competence_levels(users_q, framework)
    first_rank = levels[0].rank if levels else 1
    first_name = levels[0].name if levels else ""
    targeted_competences = [c for c in competences if c.pk in targeted_ids]
    rows = []
    for user in members:
        cells = [
            cell_for(activity, user.pk, column.course_key, column.due_date, today)
            for column in courses
        ]
        row = LearnerRow(
            user=user,
            cells=cells,
            levels=[levels_by_user.get((user.pk, c.pk)) for c in competences],
        )
        for column, cell in zip(courses, cells, strict=True):
            if cell.status == OVERDUE:
                row.risks.append(
                    str(
                        _("Overdue: %(course)s (due %(date)s)")
                        % {"course": column.title, "date": column.due_date.isoformat()}
                    )
                )
        for competence in targeted_competences:
            level = levels_by_user.get((user.pk, competence.pk))
            if level is not None and level < first_rank:
                row.risks.append(
                    str(
                        _("Below %(level)s in %(code)s %(competence)s")
                        % {
                            "level": first_name,
                            "code": competence.code,
                            "competence": competence.name,
                        }
                    )
                )
        rows.append(row)
    member_count = len(rows)
    rows = [row for row in rows if _matches(row, filters)]
    return CohortDashboard(
        cohort=cohort,
        filters=filters,
        today=today,
        courses=courses,
        all_courses=all_courses,
        framework=framework,
        levels=levels,
        competences=competences,
        targeted_ids=targeted_ids,
        rows=rows,
        member_count=member_count,
        unnamed=[
            (user, missing) for user in members if (missing := user_missing_names(user))
        ],
    )


def _name_matches(user, query: str) -> bool:
    """Does the learner's name or e-mail contain the query, in the one form Sala
    compares typed text in (Khmer spelt either way, Khmer or ASCII digits)?"""
    haystack = " ".join([user.full_name_km, user.full_name_latin, user.email])
    return match_key(query) in match_key(haystack)


def _matches(row: LearnerRow, filters: Filters) -> bool:
    if filters.q:
        if not _name_matches(row.user, filters.q):
            return False
    if filters.status == AT_RISK:
        return bool(row.risks)
    if filters.status:
        return any(cell.status == filters.status for cell in row.cells)
    return True


def cohort_member_count(cohort: Cohort) -> int:
    return Membership.objects.filter(cohort=cohort).count()


# --- Lists of cohorts and the institution roll-up ------------------------------------


@dataclass
class CohortSummary:
    cohort: Cohort
    learners: int = 0
    courses: int = 0
    completed: int = 0
    overdue: int = 0
    overdue_learners: int = 0
    pairs: int = 0
    overdue_users: list = field(default_factory=list)

    @property
    def completion_rate(self) -> int:
        return round(100 * self.completed / self.pairs) if self.pairs else 0


@dataclass
class RollupRow:
    user: User
    cohort: Cohort
    required: int
    counts: dict  # status -> number of courses

    @property
    def completion_rate(self) -> int:
        if not self.required:
            return 0
        return round(100 * self.counts[COMPLETED] / self.required)


def _cohort_grid(cohorts: list[Cohort], today: date):
    """Members, assignments and each member's cell in each course of their cohort."""
    ids = [c.pk for c in cohorts]
    members = defaultdict(list)
    users = {}
    for membership in (
        Membership.objects.filter(cohort_id__in=ids)
        .select_related("user__institution")
        .order_by("user__full_name_latin", "user__email")
    ):
        members[membership.cohort_id].append(membership.user_id)
        users[membership.user_id] = membership.user
    assignments = defaultdict(list)
    for assignment in Assignment.objects.filter(cohort_id__in=ids):
        assignments[assignment.cohort_id].append(assignment)
    keys = {a.course_key for items in assignments.values() for a in items}
    activity = learner_activity(Q(cohort_memberships__cohort_id__in=ids), keys)
    grid = {}
    for cohort in cohorts:
        for user_id in members[cohort.pk]:
            grid[(cohort.pk, user_id)] = [
                cell_for(activity, user_id, a.course_key, a.due_date, today)
                for a in assignments[cohort.pk]
            ]
    return members, users, assignments, grid


def cohort_summaries(cohorts, *, today: date | None = None) -> list[CohortSummary]:
    """Completion rate and overdue count of each cohort, in fixed queries."""
    today = today or today_local()
    cohorts = list(cohorts)
    members, users, assignments, grid = _cohort_grid(cohorts, today)
    summaries = []
    for cohort in cohorts:
        summary = CohortSummary(
            cohort=cohort,
            learners=len(members[cohort.pk]),
            courses=len(assignments[cohort.pk]),
        )
        for user_id in members[cohort.pk]:
            cells = grid[(cohort.pk, user_id)]
            summary.pairs += len(cells)
            summary.completed += sum(c.status == COMPLETED for c in cells)
            late = sum(c.status == OVERDUE for c in cells)
            summary.overdue += late
            if late:
                summary.overdue_learners += 1
                summary.overdue_users.append(users[user_id])
        summaries.append(summary)
    return summaries


@dataclass
class Rollup:
    institution: Institution
    filters: Filters
    summaries: list[CohortSummary]
    rows: list[RollupRow]

    @property
    def totals(self) -> dict:
        counts = dict.fromkeys(STATUSES, 0)
        for row in self.rows:
            for status, number in row.counts.items():
                counts[status] += number
        required = sum(row.required for row in self.rows)
        counts["required"] = required
        counts["rate"] = round(100 * counts[COMPLETED] / required) if required else 0
        return counts


def institution_rollup(
    *, institution: Institution, filters: Filters | None = None, today=None
) -> Rollup:
    """Required training across an institution's cohorts and learners."""
    filters = filters or Filters()
    today = today or today_local()
    cohorts = list(
        Cohort.objects.filter(institution=institution).select_related("institution")
    )
    summaries = cohort_summaries(cohorts, today=today)
    members, users, _assignments, grid = _cohort_grid(cohorts, today)
    rows = []
    for cohort in cohorts:
        for user_id in members[cohort.pk]:
            cells = grid[(cohort.pk, user_id)]
            counts = dict.fromkeys(STATUSES, 0)
            for cell in cells:
                counts[cell.status] += 1
            row = RollupRow(
                user=users[user_id], cohort=cohort, required=len(cells), counts=counts
            )
            if _rollup_matches(row, filters):
                rows.append(row)
    return Rollup(
        institution=institution, filters=filters, summaries=summaries, rows=rows
    )


def _rollup_matches(row: RollupRow, filters: Filters) -> bool:
    if filters.q:
        if not _name_matches(row.user, filters.q):
            return False
    if filters.status in STATUSES:
        return row.counts[filters.status] > 0
    return True


# --- One learner ---------------------------------------------------------------------


def learner_detail(*, cohort: Cohort, learner: User, today=None) -> dict:
    """One learner of a cohort: their courses, attempts, competences, certificates."""
    from assessments.selectors import competency_profile

    today = today or today_local()
    assignments = list(cohort.assignments.all())
    keys = [a.course_key for a in assignments]
    pages = courses_by_key(keys)
    activity = learner_activity(Q(pk=learner.pk), keys)
    courses = [
        {
            "title": course_title(pages, a.course_key),
            "url": pages[a.course_key].url if a.course_key in pages else "",
            "cell": cell_for(activity, learner.pk, a.course_key, a.due_date, today),
        }
        for a in assignments
    ]
    attempts = list(
        Attempt.objects.filter(user=learner)
        .select_related("quiz")
        .order_by("-started_at")
    )
    return {
        "cohort": cohort,
        "learner": learner,
        "courses": courses,
        "attempts": attempts,
        "profile": competency_profile(user=learner),
        "certificates": learner_certificates(learner),
    }


def learner_certificates(learner) -> list | None:
    """The learner's certificates, or None while the certificates app is absent."""
    from django.apps import apps

    if not apps.is_installed("certificates"):
        return None
    try:
        certificate_model = apps.get_model("certificates", "Certificate")
    except LookupError:
        return None
    return list(certificate_model.objects.filter(user=learner))


# --- A learner's required training -------------------------------------------------


@dataclass
class RequiredTraining:
    course: CoursePage | None
    course_key: UUID
    due_date: date
    status: str
    days_left: int

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self.status])


def required_trainings(*, user, today=None) -> list[RequiredTraining]:
    """The courses assigned to the learner through their cohorts, earliest due
    first; a course assigned by two cohorts counts once, with its earlier date."""
    if not user.is_authenticated:
        return []
    today = today or today_local()
    due = {}
    for course_key, due_date in Assignment.objects.filter(
        cohort__memberships__user=user
    ).values_list("course_key", "due_date"):
        if course_key not in due or due_date < due[course_key]:
            due[course_key] = due_date
    if not due:
        return []
    pages = courses_by_key(due)
    activity = learner_activity(Q(pk=user.pk), due)
    items = []
    for course_key, due_date in due.items():
        cell = cell_for(activity, user.pk, course_key, due_date, today)
        items.append(
            RequiredTraining(
                course=pages.get(course_key),
                course_key=course_key,
                due_date=due_date,
                status=cell.status,
                days_left=(due_date - today).days,
            )
        )
    items.sort(key=lambda item: (item.status == COMPLETED, item.due_date))
    return items


# --- Reminders ------------------------------------------------------------------------


def due_soon(*, today: date) -> dict[int, dict[UUID, date]]:
    """Learners with required training due within the reminder window or overdue and
    not completed: user id -> {course key: earliest due date}."""
    limit = today + timedelta(days=REMINDER_DAYS)
    pairs = defaultdict(dict)
    for user_id, course_key, due_date in (
        Membership.objects.filter(cohort__assignments__due_date__lte=limit)
        .values_list(
            "user_id",
            "cohort__assignments__course_key",
            "cohort__assignments__due_date",
        )
        .distinct()
    ):
        current = pairs[user_id].get(course_key)
        if current is None or due_date < current:
            pairs[user_id][course_key] = due_date
    if not pairs:
        return {}
    keys = {key for items in pairs.values() for key in items}
    completed = set(
        Enrolment.objects.filter(
            user_id__in=Membership.objects.filter(
                cohort__assignments__due_date__lte=limit
            ).values("user_id"),
            course_key__in=keys,
            status=Enrolment.Status.COMPLETED,
        ).values_list("user_id", "course_key")
    )
    result = {}
    for user_id, items in pairs.items():
        open_items = {k: d for k, d in items.items() if (user_id, k) not in completed}
        if open_items:
            result[user_id] = open_items
    return result


def trainers_with_cohorts() -> list[User]:
    return list(
        User.objects.filter(trained_cohorts__isnull=False, is_active=True)
        .annotate(cohort_count=Count("trained_cohorts"))
        .order_by("pk")
    )
