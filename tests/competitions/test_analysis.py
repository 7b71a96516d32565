"""Item analysis against values computed by hand, and the reliability against
Cronbach's alpha computed the two other textbook ways from the raw score matrix:
from the covariance matrix of the items, and from a two-way ANOVA (Hoyt)."""

import math
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import assume, given, settings
from hypothesis import strategies as st

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
    # KR-20 = 4/3 * (1 - 0.80 / 1.36) = 2.24 / 4.08 = 28/51 (both variances over
    # n; over n - 1 both grow by 5/4 and the ratio stays).
    assert analysis.reliability(frame(MATRIX)) == pytest.approx(28 / 51)
    assert analysis.reliability_statistic(frame(MATRIX)) == "kr20"
    summary = analysis.summary(frame(MATRIX))
    assert summary["sittings"] == 5
    assert summary["questions"] == 4
    assert summary["questions_per_form"] == 4
    assert summary["mean"] == pytest.approx(2.2)
    assert summary["sd"] == pytest.approx(math.sqrt(1.36))
    assert summary["reliability"] == pytest.approx(28 / 51)
    assert summary["reliability_statistic"] == "kr20"
    assert (summary["responses_min"], summary["responses_max"]) == (5, 5)


def test_alpha_with_partial_credit_by_hand():
    # Three contestants, two questions with partial credit:
    #        q1    q2  | total
    #   A    1     1   | 2
    #   B    0.5   0.5 | 1
    #   C    0     0.5 | 0.5
    # Sample variances: q1 0.25, q2 1/12, totals 7/12.
    # alpha = 2 * (1 - (1/4 + 1/12) / (7/12)) = 2 * (1 - 4/7) = 6/7.
    matrix = {"A": [1, 1], "B": [0.5, 0.5], "C": [0, 0.5]}
    assert analysis.reliability(frame(matrix)) == pytest.approx(6 / 7)
    assert analysis.reliability_statistic(frame(matrix)) == "alpha"
    # KR-20's p q, 1/4 + 2/9 = 17/36, over the totals' variance over n, 7/18, would
    # say 2 * (1 - 17/14) = -3/7: p q is larger than a partial-credit item's
    # variance.
    assert 2 * (1 - (1 / 4 + 2 / 9) / (7 / 18)) == pytest.approx(-3 / 7)


def test_reliability_with_a_form_per_contestant_by_hand():
    # P1 sat q1, q2; P2 q1, q3; P3 q2, q3; P4 q1, q2.
    matrix = {
        "P1": [1, 1, None],
        "P2": [1, None, 0],
        "P3": [None, 0, 0],
        "P4": [0, 1, None],
    }
    # Sample variances: q1 (1, 1, 0) 1/3, q2 (1, 0, 1) 1/3, q3 (0, 0) 0. Mean over
    # contestants of the sum over their own form: (2/3 + 1/3 + 1/3 + 2/3) / 4 = 1/2.
    # Totals 2, 1, 0, 1: sample variance 2/3. KR-20 = 2/1 * (1 - (1/2)/(2/3)) = 1/2.
    assert analysis.reliability(frame(matrix)) == pytest.approx(1 / 2)


def test_a_question_seen_once_counts_at_the_mean_variance_of_the_others():
    # q3 was seen by P2 alone: it has no variance, and counts at the mean of
    # q1's (1/3, seen by 3) and q2's (1/2, seen by 2): (1 + 1) / 5 = 2/5.
    matrix = {
        "P1": [1, 1, None],
        "P2": [1, None, 1],
        "P3": [0, 0, None],
    }
    # Totals 2, 2, 0: sample variance 4/3. alpha = 2 * (1 - 2 * (2/5) / (4/3)) = 4/5.
    assert analysis.reliability(frame(matrix)) == pytest.approx(4 / 5)


def long(matrix) -> pd.DataFrame:
    return frame({f"S{row}": list(values) for row, values in enumerate(matrix)})


def kr20_textbook(matrix) -> float:
    """KR-20 as printed: k/(k-1) (1 - sum p q / var), both over n."""
    scores = np.asarray(matrix, dtype=float)
    k = scores.shape[1]
    p = scores.mean(axis=0)
    return k / (k - 1) * (1 - (p * (1 - p)).sum() / scores.sum(axis=1).var(ddof=0))


def alpha_from_covariances(matrix) -> float:
    """alpha = k/(k-1) (1 - trace(C) / sum(C)), C the items' covariance matrix (the
    form R's psych::alpha and pingouin.cronbach_alpha use)."""
    covariances = np.cov(np.asarray(matrix, dtype=float), rowvar=False)
    k = covariances.shape[0]
    return k / (k - 1) * (1 - np.trace(covariances) / covariances.sum())


def alpha_from_anova(matrix) -> float:
    """Hoyt's alpha: (MS contestants - MS residual) / MS contestants, from the
    two-way ANOVA of contestants by items without replication."""
    scores = np.asarray(matrix, dtype=float)
    n, k = scores.shape
    grand = scores.mean()
    ss_contestants = k * ((scores.mean(axis=1) - grand) ** 2).sum()
    ss_items = n * ((scores.mean(axis=0) - grand) ** 2).sum()
    ss_residual = ((scores - grand) ** 2).sum() - ss_contestants - ss_items
    ms_contestants = ss_contestants / (n - 1)
    ms_residual = ss_residual / ((n - 1) * (k - 1))
    return (ms_contestants - ms_residual) / ms_contestants


def matrices(values):
    """Complete score matrices: everyone sat the same form."""
    return st.integers(2, 7).flatmap(
        lambda k: st.lists(
            st.lists(st.sampled_from(values), min_size=k, max_size=k),
            min_size=2,
            max_size=25,
        )
    )


def defined(matrix) -> bool:
    scores = np.asarray(matrix, dtype=float)
    return scores.sum(axis=1).var() > 1e-9


@settings(max_examples=150, deadline=None)
@given(matrices([0, 1]))
def test_right_or_wrong_items_kr20_equals_alpha(matrix):
    assume(defined(matrix))
    ours = analysis.reliability(long(matrix))
    assert ours == pytest.approx(kr20_textbook(matrix), abs=1e-9)
    assert ours == pytest.approx(alpha_from_covariances(matrix), abs=1e-9)
    assert ours == pytest.approx(alpha_from_anova(matrix), abs=1e-9)
    assert analysis.reliability_statistic(long(matrix)) == "kr20"


@settings(max_examples=150, deadline=None)
@given(matrices([0, 0.25, 0.3333, 0.5, 0.6667, 0.75, 1]))
def test_partial_credit_items_alpha(matrix):
    assume(defined(matrix))
    ours = analysis.reliability(long(matrix))
    assert ours == pytest.approx(alpha_from_covariances(matrix), abs=1e-9)
    assert ours == pytest.approx(alpha_from_anova(matrix), abs=1e-9)
    partial = any(value not in (0, 1) for row in matrix for value in row)
    assert analysis.reliability_statistic(long(matrix)) == (
        "alpha" if partial else "kr20"
    )


def test_kr20_would_understate_a_partial_credit_test():
    """The figure that KR-20's p q gave for partial credit, against alpha."""
    rng = np.random.default_rng(2026)
    ability = rng.normal(size=(200, 1))
    # Ordering-like items: the share of 4 positions right, rising with ability.
    share = 1 / (1 + np.exp(-(ability + rng.normal(size=(200, 12)))))
    matrix = (rng.binomial(4, share) / 4).tolist()
    ours = analysis.reliability(long(matrix))
    assert analysis.reliability_statistic(long(matrix)) == "alpha"
    assert ours == pytest.approx(alpha_from_covariances(matrix), abs=1e-9)
    assert kr20_textbook(matrix) < ours - 0.02


def test_reliability_warnings():
    # 40 contestants on one form of 5 questions: nothing to warn about.
    rng = np.random.default_rng(7)
    enough = rng.integers(0, 2, size=(40, 5)).tolist()
    assert analysis.reliability_warnings(long(enough)) == []
    assert analysis.summary(long(enough))["reliability_warnings"] == []
    # 29 per question is below the documented threshold of 30.
    assert analysis.RELIABILITY_MIN_RESPONSES == 30
    assert analysis.reliability_warnings(long(enough[:29])) == [
        "few_responses_per_question"
    ]
    # 35 contestants over a pool of 40 questions, 5 on each form: too few on both
    # counts.
    pool = [
        [None] * 40 for _ in range(35)
    ]  # one row per contestant, None where the question was not on their form
    for row in pool:
        for question in rng.choice(40, size=5, replace=False):
            row[question] = int(rng.integers(0, 2))
    summary = analysis.summary(long(pool))
    assert summary["questions"] == 40 and summary["questions_per_form"] == 5
    assert summary["reliability_warnings"] == [
        "few_responses_per_question",
        "fewer_contestants_than_questions",
    ]
    counts = long(pool).groupby("question").size()
    assert summary["responses_min"] == counts.min()
    assert summary["responses_max"] == counts.max()


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
    assert analysis.reliability(frame({"A": [1, 0]})) is None
    # No variance.
    assert analysis.reliability(frame({"A": [1, 1], "B": [1, 1]})) is None
    # No question seen by two contestants.
    assert (
        analysis.reliability(frame({"A": [1, 0, None], "B": [None, None, 1]})) is None
    )
    assert analysis.item_statistics(frame({})).empty
    assert analysis.summary(frame({}))["reliability"] is None
    assert analysis.summary(frame({}))["reliability_warnings"] == []


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


@pytest.fixture
def organiser(db):
    from wagtail.users.models import UserProfile

    from tests.factories import UserFactory

    user = UserFactory(roles=["Editor"], mfa=True, email="analyst@example.org")
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


def test_the_page_names_alpha_for_partial_credit_and_warns(
    client, organiser, framework
):
    """Two multiple-choice questions (two right choices of three) on every form:
    picking one right choice earns half. Three contestants: the page names
    Cronbach's alpha, shows its figure, and warns that it is not reliable."""
    from assessments.models import Question, QuestionBank
    from competencies.models import Competence, ProficiencyLevel
    from tests.assessments.conftest import make_question
    from tests.competitions.conftest import FormData, make_contest

    bank = QuestionBank.objects.create(name_en="Partial", name_km="ផ្នែក")
    for key in ("m1", "m2"):
        make_question(bank, framework, kind="multiple", key=key)
    contest = make_contest(
        rows=[
            (
                bank,
                Competence.objects.get(framework=framework, code="4.2"),
                ProficiencyLevel.objects.get(framework=framework, code="L1"),
                2,
            )
        ]
    )
    # Per contestant, per question: how many right choices picked, and whether
    # the wrong one is picked too.
    picks = [
        [(2, False), (2, False)],
        [(1, False), (1, False)],
        [(0, False), (1, False)],
    ]
    start = contest.sitting_opens_at + timedelta(minutes=1)
    expected = []
    for picked in picks:
        student = make_student()
        register(contest, student)
        sitting = services.sitting_start(contest=contest, user=student, now=start)
        questions = Question.objects.prefetch_related("choices").in_bulk(
            sitting.question_ids
        )
        data, row = {}, {}
        for question_id, (right, wrong) in zip(
            sitting.question_ids, picked, strict=True
        ):
            choices = sorted(questions[question_id].choices.all(), key=lambda c: c.pk)
            chosen = [c for c in choices if c.is_correct][:right]
            chosen += [c for c in choices if not c.is_correct][: int(wrong)]
            data[f"q-{question_id}"] = [str(c.pk) for c in chosen]
            row[questions[question_id].key] = right / 2
        services.sitting_responses_save(
            sitting_id=sitting.pk, user=student, data=FormData(data), now=start
        )
        services.sitting_submit(
            sitting_id=sitting.pk, user=student, now=start + timedelta(minutes=5)
        )
        expected.append(row)
    alpha = alpha_from_covariances(pd.DataFrame(expected).to_numpy())

    client.force_login(organiser)
    response = client.get(
        reverse("competitions_admin_analysis", args=[contest.pk]),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Reliability (Cronbach's alpha)" in html
    assert "Reliability (KR-20)" not in html
    assert f'class="reliability reliability--alpha">{float(alpha):.3f}' in html
    warning = html[html.index("reliability-warning") :]
    warning = warning[: warning.index("</div>")]
    assert "Too few contestants for the reliability to be trusted yet." in warning
    assert "Each question was seen by 3 contestants" in warning
    assert "at least 30 contestants per question" in warning
    # Two questions, three contestants: not fewer contestants than questions.
    assert "fewer contestants" not in warning
