"""Scoring: responses -> points per question -> per competence and level -> level.

Pure functions, no ORM and no request, so they can be unit- and property-tested.

Rules, in the order they apply:

* A question's *fraction* is in [0, 1], by its kind (``assessments.kinds``):
  - single choice and true/false: 1 if the chosen choice is correct, else 0;
  - multiple choice, partial credit: (right choices picked - wrong choices picked)
    / number of right choices, never below 0. Picking every choice therefore earns
    nothing more than picking only the right ones minus the wrong ones;
  - short text: 1 if the answer equals an accepted answer after normalisation
    (Unicode NFC, case folding, trimming and collapsing white space, removing
    zero-width characters and spaces between Khmer letters, Khmer digits read as
    0-9, subscript DA read as the look-alike subscript TA, subscript RO typed before
    another subscript read in Unicode's order; ``courses.khmer.normalise``), else 0;
  - numeric: 1 if within the tolerance of the answer (Khmer digits accepted), else 0;
  - ordering: the share of items in their right position.
  The fraction is rounded (half up) to four decimal places, as it is stored: every
  sum after it is then exact, so neither the order of the questions nor of the
  competences can change a total by a rounding step.
* Points earned = fraction x the question's points.
* Per competence and level: a question tagged with competences (c, weight) adds
  ``points x weight`` to the *possible* and ``earned x weight`` to the *earned* of
  (c, the question's level).
* Level reached on a competence: the highest level L with questions such that
  the share earned at L, and at every lower level that has questions, meets the
  mastery threshold (0.8 by default). 0 means "below the first level".
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# One Khmer normal form for answers and search (a pure module, no database).
from assessments import kinds
from courses import khmer

SINGLE = "single"
MULTIPLE = "multiple"
TRUE_FALSE = "true_false"
SHORT_TEXT = "short_text"
NUMERIC = "numeric"
ORDERING = "ordering"


@dataclass(frozen=True)
class QuestionSpec:
    """What scoring needs to know of a question."""

    id: int
    kind: str
    points: Decimal
    level: int  # rank of the question's proficiency level, 1 = lowest
    competences: tuple[tuple[str, Decimal], ...]  # (competence code, weight)
    correct_choices: frozenset = frozenset()
    choice_order: tuple = ()  # ordering questions: choice ids in the right order
    accepted_answers: tuple[str, ...] = ()
    numeric_answer: Decimal | None = None
    tolerance: Decimal = Decimal(0)


@dataclass(frozen=True)
class QuestionScore:
    question_id: int
    fraction: Decimal
    earned: Decimal
    possible: Decimal


@dataclass
class LevelScore:
    earned: Decimal = Decimal(0)
    possible: Decimal = Decimal(0)

    @property
    def share(self) -> Decimal:
        return self.earned / self.possible if self.possible else Decimal(0)


@dataclass
class CompetenceScore:
    code: str
    levels: dict[int, LevelScore] = field(default_factory=dict)
    level_reached: int = 0

    @property
    def earned(self) -> Decimal:
        return sum((s.earned for s in self.levels.values()), Decimal(0))

    @property
    def possible(self) -> Decimal:
        return sum((s.possible for s in self.levels.values()), Decimal(0))


def normalise_text(text: str) -> str:
    """The form in which short answers are compared (``courses.khmer.match_key``)."""
    return khmer.match_key(text)


def parse_number(text) -> Decimal | None:
    text = normalise_text(str(text)).replace(",", "").replace(" ", "")
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


FRACTION_QUANTUM = Decimal("0.0001")


def question_fraction(spec: QuestionSpec, answer) -> Decimal:
    """The share of the question's points that the answer earns, in [0, 1], to four
    decimal places."""
    return _fraction(spec, answer).quantize(FRACTION_QUANTUM, rounding=ROUND_HALF_UP)


def _fraction(spec: QuestionSpec, answer) -> Decimal:
    kind = kinds.get(spec.kind)
    if answer is None or kind is None:
        return Decimal(0)
    return kind.fraction(spec, answer)


def score_questions(
    specs: Iterable[QuestionSpec], answers: Mapping[int, object]
) -> list[QuestionScore]:
    scores = []
    for spec in specs:
        fraction = question_fraction(spec, answers.get(spec.id))
        scores.append(
            QuestionScore(
                question_id=spec.id,
                fraction=fraction,
                earned=fraction * spec.points,
                possible=spec.points,
            )
        )
    return scores


def competence_scores(
    specs: Iterable[QuestionSpec],
    scores: Iterable[QuestionScore],
    *,
    threshold: Decimal = Decimal("0.8"),
) -> dict[str, CompetenceScore]:
    """Per competence and level, the points earned and possible, and the level."""
    by_id = {score.question_id: score for score in scores}
    result: dict[str, CompetenceScore] = {}
    for spec in specs:
        score = by_id.get(spec.id)
        if score is None:
            continue
        for code, weight in spec.competences:
            competence = result.setdefault(code, CompetenceScore(code=code))
            level = competence.levels.setdefault(spec.level, LevelScore())
            level.earned += score.earned * weight
            level.possible += score.possible * weight
    for competence in result.values():
        competence.level_reached = level_reached(competence.levels, threshold=threshold)
    return result


def level_reached(levels: Mapping[int, LevelScore], *, threshold: Decimal) -> int:
    """The highest level mastered together with every lower level that was tested."""
    reached = 0
    for rank in sorted(levels):
        score = levels[rank]
        if score.possible <= 0:
            continue
        if score.share >= threshold:
            reached = rank
        else:
            break
    return reached


def total(scores: Iterable[QuestionScore]) -> tuple[Decimal, Decimal]:
    scores = list(scores)
    return (
        sum((s.earned for s in scores), Decimal(0)),
        sum((s.possible for s in scores), Decimal(0)),
    )


# --- Grading across attempts of one quiz -------------------------------------------

HIGHEST = "highest"
LAST = "last"
AVERAGE = "average"


def grade(percents: list[Decimal], method: str) -> Decimal | None:
    """A learner's grade on a quiz from the percents of their submitted attempts,
    oldest first."""
    if not percents:
        return None
    if method == HIGHEST:
        return max(percents)
    if method == LAST:
        return percents[-1]
    if method == AVERAGE:
        return sum(percents, Decimal(0)) / len(percents)
    raise ValueError(f"unknown grading method {method!r}")


# --- Competency profile: aggregating levels across attempts ------------------------

DECAY_RECENT_WEIGHT = Decimal("0.65")


def aggregate_levels(levels: list[int], method: str, *, n: int = 2) -> int:
    """A learner's level on one competence from the levels reached in each attempt,
    oldest first, by the framework's method (as Canvas's outcome calculations):

    * highest: the best level ever reached;
    * most_recent: the level of the latest attempt;
    * decaying_average: 65% the latest level + 35% the mean of the earlier ones,
      rounded down (a level is claimed only when it is reached);
    * n_times: the highest level reached (or exceeded) in at least ``n`` attempts.
    """
    if not levels:
        return 0
    if method == "highest":
        return max(levels)
    if method == "most_recent":
        return levels[-1]
    if method == "decaying_average":
        if len(levels) == 1:
            return levels[0]
        earlier = Decimal(sum(levels[:-1])) / (len(levels) - 1)
        value = DECAY_RECENT_WEIGHT * levels[-1] + (1 - DECAY_RECENT_WEIGHT) * earlier
        return int(value)  # floor for non-negative values
    if method == "n_times":
        best = 0
        for candidate in set(levels):
            if candidate > best and sum(1 for lv in levels if lv >= candidate) >= n:
                best = candidate
        return best
    raise ValueError(f"unknown aggregation method {method!r}")
