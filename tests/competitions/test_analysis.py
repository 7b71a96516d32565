"""Item analysis against values computed by hand."""

import math
from datetime import timedelta

import pandas as pd
import pytest
from django.utils import translation

from competitions import analysis, services
from competitions.selectors import item_analysis, item_scores
from tests.competitions.conftest import (
    SECRET_STEM_EN,
    make_student,
    register,
    right_answers_to,
)

# Five contestants, one form of four questions (1 = right):
#
#        q1 q2 q3 q4 | total
#   S1    1  1  1  1 |  4
#   S2    1  1  1  0 |  3
#   S3    1  0  1  0 |  2
#   S4    1  0  0  0 |  1
#   S5    0  1  0  0 |  1
#
# Totals: mean 11/5 = 2.2; squared deviations 3.24 + 0.64 + 0.04 + 1.44 + 1.44 = 6.8;
# variance (over n) 6.8 / 5 = 1.36.
MATRIX = {
    "S1": [1, 1, 1, 1],
    "S2": [1, 1, 1, 0],
    "S3": [1, 0, 1, 0],
    "S4": [1, 0, 0, 0],
    "S5": [0, 1, 0, 0],
}


def frame(matrix) -> pd.DataFrame:
    return pd.DataFrame(
        [
            (sitting, f"q{index}", score)
            for sitting, row in matrix.items()
            for index, score in enumerate(row, start=1)
            if score is not None
        ],
        columns=["sitting", "question", "score"],
    )


def test_difficulty_point_biserial_and_item_rest_by_hand():
    stats = analysis.item_statistics(frame(MATRIX), min_responses=3)
    # Difficulty: share right.
    assert list(stats["difficulty"]) == pytest.approx([0.8, 0.6, 0.6, 0.2])
    # Point-biserial r = (M1 - M0) / sd * sqrt(p q), sd = sqrt(1.36) = sqrt(34) / 5:
    #   q1: M1 = 10/4 = 2.5, M0 = 1; 1.5 * 0.4 / sd = 3 / sqrt(34)
    #   q2: M1 = 8/3, M0 = 3/2; 7/6 * sqrt(0.24 / 1.36) = 7/6 * sqrt(3/17)
    #   q3: M1 = 3, M0 = 1; 2 * sqrt(3/17)
    #   q4: M1 = 4, M0 = 7/4; 9/4 * 0.4 / sd = 4.5 / sqrt(34)
    assert list(stats["point_biserial"]) == pytest.approx(
        [
            3 / math.sqrt(34),
            7 / 6 * math.sqrt(3 / 17),
            2 * math.sqrt(3 / 17),
            4.5 / math.sqrt(34),
        ]
    )
    # Item-rest: Pearson with the total without the question.
    #   q1: rest 3,2,1,0,1; sum of products 0.4; 0.4 / sqrt(0.8 * 5.2)
    #   q2: rest 3,2,2,1,0; 0.2 / sqrt(1.2 * 5.2)
    #   q3: rest 3,2,1,1,1; 1.2 / sqrt(1.2 * 3.2)
    #   q4: rest 3,3,2,1,1; 1.0 / sqrt(0.8 * 4.0)
    assert list(stats["item_rest"]) == pytest.approx(
        [
            0.4 / math.sqrt(0.8 * 5.2),
            0.2 / math.sqrt(1.2 * 5.2),
            1.2 / math.sqrt(1.2 * 3.2),
            1.0 / math.sqrt(0.8 * 4.0),
        ]
    )
    assert list(stats["flags"]) == [
        ["low_discrimination"],  # 0.196
        ["low_discrimination"],  # 0.080
        [],
        [],  # difficulty 0.2 is not below 0.2
    ]
    assert list(stats["n"]) == [5, 5, 5, 5]


def test_kr20_by_hand():
    # p q: 0.16 + 0.24 + 0.24 + 0.16 = 0.80;
    # KR-20 = 4/3 * (1 - 0.80 / 1.36) = 2.24 / 4.08 = 28/51.
    assert analysis.kr20(frame(MATRIX)) == pytest.approx(28 / 51)
    summary = analysis.summary(frame(MATRIX))
    assert summary["sittings"] == 5
    assert summary["questions_per_form"] == 4
    assert summary["mean"] == pytest.approx(2.2)
    assert summary["sd"] == pytest.approx(math.sqrt(1.36))


def test_kr20_with_a_form_per_contestant_by_hand():
    # P1 sat q1, q2; P2 q1, q3; P3 q2, q3; P4 q1, q2.
    matrix = {
        "P1": [1, 1, None],
        "P2": [1, None, 0],
        "P3": [None, 0, 0],
        "P4": [0, 1, None],
    }
    # p: q1 2/3, q2 2/3, q3 0; p q: 2/9, 2/9, 0. Mean over contestants of the
    # p q of their own form: (4/9 + 2/9 + 2/9 + 4/9) / 4 = 1/3.
    # Totals 2, 1, 0, 1: mean 1, variance 0.5. KR-20 = 2/1 * (1 - (1/3)/0.5) = 2/3.
    assert analysis.kr20(frame(matrix)) == pytest.approx(2 / 3)


def test_review_flags():
    # a: everyone right; b: right only for a contestant with a low rest score.
    matrix = {
        "P1": [1, 0, 1],
        "P2": [1, 0, 1],
        "P3": [1, 0, 0],
        "P4": [1, 1, 0],
    }
    stats = analysis.item_statistics(frame(matrix), min_responses=3)
    assert stats.loc["q1", "flags"] == ["no_variance", "too_easy"]
    assert stats.loc["q1", "point_biserial"] is None
    # q2: rest 2, 2, 1, 1 against 0, 0, 0, 1: products sum -0.5.
    assert stats.loc["q2", "item_rest"] == pytest.approx(-0.5 / math.sqrt(0.75 * 1.0))
    assert stats.loc["q2", "flags"] == ["negative_discrimination"]
    # Too few contestants for the default threshold.
    default = analysis.item_statistics(frame(matrix))
    assert all("few_responses" in flags for flags in default["flags"])
    everyone_wrong = analysis.item_statistics(
        frame({"A": [0, 1], "B": [0, 0], "C": [0, 1]}), min_responses=1
    )
    assert everyone_wrong.loc["q1", "flags"] == ["no_variance", "too_hard"]


def test_undefined_statistics_are_none_not_errors():
    assert analysis.kr20(frame({"A": [1, 0]})) is None
    assert analysis.kr20(frame({"A": [1, 1], "B": [1, 1]})) is None  # no variance
    assert analysis.item_statistics(frame({})).empty
    assert analysis.summary(frame({}))["kr20"] is None


def test_item_analysis_of_a_contest(contest):
    """Unanswered questions count as wrong; one row per question drawn."""
    start = contest.sitting_opens_at + timedelta(minutes=1)
    for index in range(3):
        student = make_student()
        register(contest, student)
        sitting = services.sitting_start(contest=contest, user=student, now=start)
        keep = sitting.question_ids[: index + 2]
        services.sitting_responses_save(
            sitting_id=sitting.pk,
            user=student,
            data=right_answers_to(sitting, keep),
            now=start,
        )
        services.sitting_submit(
            sitting_id=sitting.pk, user=student, now=start + timedelta(minutes=5)
        )
    items = item_scores(contest=contest)
    assert len(items) == 15
    assert sorted(items.groupby("sitting")["score"].sum()) == [2.0, 3.0, 4.0]
    with translation.override("en"):
        result = item_analysis(contest=contest, min_responses=1)
    assert result["summary"]["sittings"] == 3
    assert sum(row["n"] for row in result["items"]) == 15
    assert all(row["text"].startswith(SECRET_STEM_EN) for row in result["items"])
