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

Reliability, KR-20 = k/(k-1) * (1 - sum(p*q) / var(total)), with p the
difficulty, q = 1 - p and the variance of the totals over contestants (divided by
n, like p*q). Every contestant has their own form, so sum(p*q) is averaged over
contestants, each over the k questions of their form; when everyone sat the same
form this is the textbook KR-20.

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


def kr20(items: pd.DataFrame) -> float | None:
    """KR-20 over contestants' own forms (see the module docstring); None when it
    is undefined (fewer than two contestants or questions, or equal totals)."""
    if items.empty:
        return None
    items = items.astype({"score": "float64"})
    total = totals(items)
    if len(total) < 2:
        return None
    variance = float(total.var(ddof=0))
    k = float(items.groupby("sitting").size().mean())
    if k < 2 or variance == 0:
        return None
    p = items.groupby("question")["score"].mean()
    pq = p * (1 - p)
    per_sitting = items.assign(pq=items["question"].map(pq)).groupby("sitting")["pq"]
    mean_pq = float(per_sitting.sum().mean())
    return k / (k - 1) * (1 - mean_pq / variance)


def summary(items: pd.DataFrame) -> dict:
    """Contest-level figures: contestants, questions per form, mean, sd, KR-20."""
    if items.empty:
        return {
            "sittings": 0,
            "questions_per_form": 0,
            "mean": None,
            "sd": None,
            "kr20": None,
        }
    total = totals(items.astype({"score": "float64"}))
    return {
        "sittings": int(total.size),
        "questions_per_form": float(items.groupby("sitting").size().mean()),
        "mean": float(total.mean()),
        "sd": float(total.std(ddof=0)),
        "kr20": kr20(items),
    }
