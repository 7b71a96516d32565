"""Item analysis of a contest with pandas. Pure: no ORM, no request.

Input: one row per (sitting, question) for every question on every submitted
form, with ``score`` the share of the question's points earned (0 to 1; an
unanswered question is 0). A contestant's *total* is the sum of these shares, the
number of questions right, so that every question weighs the same.

Per question, over the sittings whose form held it:

* difficulty: the mean share earned (for right/wrong questions, the share of
  contestants who got it right). Higher is easier;
* point-biserial: Pearson's correlation of the question's score with the total;
* item-rest: the same with the total *without* this question. It does not reward
  a question for correlating with itself, which matters on short forms, so the
  review flags use it.

Reliability: Cronbach's alpha of the totals,

    alpha = k/(k-1) * (1 - sum of the item variances / variance of the totals),

with k the number of questions on a form and every variance a sample variance
(divided by n - 1). When every score is 0 or 1 this is KR-20 (an item's variance
is then p*q, times n/(n-1) like the totals'), and the page names it so; a single
partial-credit score (multiple choice, ordering) makes it Cronbach's alpha. KR-20's
p*q is not the variance of a partial-credit item (it is larger), so using it there
would understate the reliability.

Contestants do not all see the same questions: each form is drawn from the
blueprint. The sum of the item variances is therefore the mean, over contestants,
of the sum for the questions of their own form, each question's variance taken
over the contestants who saw it; a question seen by only one contestant has no
variance, and counts at the mean variance of the others (weighted by how many saw
each). When everyone sat the same form this is the textbook formula. With forms
that differ, a difference in difficulty between forms counts in the variance of
the totals as if it were a difference between contestants, so the figure can be
somewhat optimistic; the blueprint, which draws as many questions of each
competence and level for everyone, keeps that difference small.

The estimate needs many contestants per question: ``reliability_warnings`` says
when fewer than ``RELIABILITY_MIN_RESPONSES`` (30) contestants saw some question,
or when there are fewer contestants than questions; the page then shows the
figure as not reliable yet.

Review flags (usual rules of thumb in classical test theory):
too_easy (difficulty > 0.90), too_hard (< 0.20), negative_discrimination
(item-rest < 0: check the answer key), low_discrimination (item-rest < 0.20),
no_variance (everyone scored the same: no correlation), few_responses (fewer than
``min_responses`` contestants saw it: the figures are not yet reliable).
"""

import math

import pandas as pd

EASY_ABOVE = 0.90
HARD_BELOW = 0.20
LOW_DISCRIMINATION_BELOW = 0.20
MIN_RESPONSES = 10
# Contestants per question below which the reliability is shown as not reliable.
RELIABILITY_MIN_RESPONSES = 30

FLAGS = (
    "few_responses",
    "no_variance",
    "negative_discrimination",
    "low_discrimination",
    "too_easy",
    "too_hard",
)


def totals(items: pd.DataFrame) -> pd.Series:
    """Each sitting's total: the number of questions right (shares summed)."""
    return items.groupby("sitting")["score"].sum()


def _correlation(x: pd.Series, y: pd.Series) -> float | None:
    if len(x) < 2 or x.nunique() < 2 or y.nunique() < 2:
        return None
    value = float(x.corr(y))
    return None if math.isnan(value) else value


def item_statistics(
    items: pd.DataFrame, *, min_responses: int = MIN_RESPONSES
) -> pd.DataFrame:
    """One row per question: n, difficulty, point_biserial, item_rest, flags."""
    columns = ["n", "difficulty", "point_biserial", "item_rest", "flags"]
    if items.empty:
        return pd.DataFrame(columns=columns).rename_axis("question")
    items = items.astype({"score": "float64"})
    total = totals(items)
    frame = items.assign(total=items["sitting"].map(total))
    frame["rest"] = frame["total"] - frame["score"]
    rows = {}
    for question, group in frame.groupby("question", sort=True):
        n = len(group)
        difficulty = float(group["score"].mean())
        point_biserial = _correlation(group["score"], group["total"])
        item_rest = _correlation(group["score"], group["rest"])
        flags = []
        if n < min_responses:
            flags.append("few_responses")
        if group["score"].nunique() < 2:
            flags.append("no_variance")
        elif item_rest is not None and item_rest < 0:
            flags.append("negative_discrimination")
        elif item_rest is not None and item_rest < LOW_DISCRIMINATION_BELOW:
            flags.append("low_discrimination")
        if difficulty > EASY_ABOVE:
            flags.append("too_easy")
        elif difficulty < HARD_BELOW:
            flags.append("too_hard")
        rows[question] = {
            "n": n,
            "difficulty": difficulty,
            "point_biserial": point_biserial,
            "item_rest": item_rest,
            "flags": flags,
        }
    result = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    for column in ("point_biserial", "item_rest"):
        # Undefined correlations stay None rather than becoming NaN.
        values = result[column].astype(object)
        result[column] = values.where(values.notna(), None)
    return result.rename_axis("question")


def is_right_or_wrong(items: pd.DataFrame) -> bool:
    """Whether every score is 0 or 1 (no partial credit): KR-20 rather than alpha."""
    return bool(items["score"].astype("float64").isin((0.0, 1.0)).all())


def reliability_statistic(items: pd.DataFrame) -> str:
    """``"kr20"`` when every score is 0 or 1, else ``"alpha"``: the name of the
    figure ``reliability`` computes, for the page to show."""
    return "kr20" if is_right_or_wrong(items) else "alpha"


def reliability(items: pd.DataFrame) -> float | None:
    """Cronbach's alpha (KR-20 for right/wrong scores) over contestants' own forms
    (see the module docstring); None when it is undefined (fewer than two
    contestants or questions per form, equal totals, or no question seen twice)."""
    if items.empty:
        return None
    items = items.astype({"score": "float64"})
    total = totals(items)
    if len(total) < 2:
        return None
    variance = float(total.var(ddof=1))
    k = float(items.groupby("sitting").size().mean())
    if k < 2 or variance == 0:
        return None
    per_question = items.groupby("question")["score"].agg(["size", "var"])
    seen = per_question[per_question["size"] >= 2]
    if seen.empty:
        return None
    # Mean over contestants of the sum over their form = k x the mean variance of
    # the questions, each weighted by the number of contestants who saw it.
    mean_variance = float((seen["size"] * seen["var"]).sum() / seen["size"].sum())
    return k / (k - 1) * (1 - k * mean_variance / variance)


def reliability_warnings(
    items: pd.DataFrame, *, min_responses: int = RELIABILITY_MIN_RESPONSES
) -> list[str]:
    """Why the reliability is not to be trusted yet, as codes:
    ``few_responses_per_question`` (some question seen by fewer than
    ``min_responses`` contestants), ``fewer_contestants_than_questions``."""
    if items.empty:
        return []
    per_question = items.groupby("question").size()
    contestants = items["sitting"].nunique()
    warnings = []
    if int(per_question.min()) < min_responses:
        warnings.append("few_responses_per_question")
    if contestants < len(per_question):
        warnings.append("fewer_contestants_than_questions")
    return warnings


def summary(items: pd.DataFrame) -> dict:
    """Contest-level figures: contestants, questions, mean, sd, reliability.

    ``reliability_statistic`` is ``"kr20"`` or ``"alpha"``; ``responses_min`` and
    ``responses_max`` are the fewest and most contestants who saw one question;
    ``reliability_warnings`` lists codes from ``reliability_warnings``.
    """
    if items.empty:
        return {
            "sittings": 0,
            "questions": 0,
            "questions_per_form": 0,
            "mean": None,
            "sd": None,
            "reliability": None,
            "reliability_statistic": "kr20",
            "reliability_min_responses": RELIABILITY_MIN_RESPONSES,
            "reliability_warnings": [],
            "responses_min": 0,
            "responses_max": 0,
        }
    items = items.astype({"score": "float64"})
    total = totals(items)
    per_question = items.groupby("question").size()
    return {
        "sittings": int(total.size),
        "questions": int(per_question.size),
        "questions_per_form": float(items.groupby("sitting").size().mean()),
        "mean": float(total.mean()),
        "sd": float(total.std(ddof=0)),
        "reliability": reliability(items),
        "reliability_statistic": reliability_statistic(items),
        "reliability_min_responses": RELIABILITY_MIN_RESPONSES,
        "reliability_warnings": reliability_warnings(items),
        "responses_min": int(per_question.min()),
        "responses_max": int(per_question.max()),
    }
