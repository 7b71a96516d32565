"""Scoring is pure: unit tests with worked examples and property tests."""

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from assessments import scoring
from assessments.scoring import QuestionSpec


def spec(id, kind="single", points=1, level=1, competences=(("4.2", D(1)),), **kw):
    return QuestionSpec(
        id=id, kind=kind, points=D(points), level=level, competences=competences, **kw
    )


def test_single_and_true_false():
    q = spec(1, correct_choices=frozenset({10}))
    assert scoring.question_fraction(q, {"choices": [10]}) == 1
    assert scoring.question_fraction(q, {"choices": [11]}) == 0
    assert scoring.question_fraction(q, {"choices": [10, 11]}) == 0
    assert scoring.question_fraction(q, None) == 0


def test_multiple_partial_credit_rule():
    q = spec(1, kind="multiple", correct_choices=frozenset({1, 2}))
    assert scoring.question_fraction(q, {"choices": [1, 2]}) == 1
    assert scoring.question_fraction(q, {"choices": [1]}) == D("0.5")
    assert scoring.question_fraction(q, {"choices": [1, 3]}) == 0
    assert scoring.question_fraction(q, {"choices": [1, 2, 3]}) == D("0.5")
    assert scoring.question_fraction(q, {"choices": [3]}) == 0  # never negative


def test_short_text_normalisation():
    q = spec(1, kind="short_text", accepted_answers=("ពាក្យសម្ងាត់", "Two-factor", "១២៣"))
    assert scoring.question_fraction(q, {"text": "  ពាក្យ\u200bសម្ងាត់ "}) == 1
    assert scoring.question_fraction(q, {"text": "ពាក្យ សម្ងាត់"}) == 1
    assert scoring.question_fraction(q, {"text": "TWO-FACTOR"}) == 1
    assert scoring.question_fraction(q, {"text": "123"}) == 1
    assert scoring.question_fraction(q, {"text": "១២៣"}) == 1
    # NFC: a decomposed Latin letter matches its composed form.
    q2 = spec(2, kind="short_text", accepted_answers=("café",))
    assert scoring.question_fraction(q2, {"text": "cafe\u0301"}) == 1
    assert scoring.question_fraction(q, {"text": ""}) == 0
    # ្ដ and ្ត look the same; either spelling matches.
    q3 = spec(3, kind="short_text", accepted_answers=("ផ្\u178fល់",))  # with ្ត
    assert scoring.question_fraction(q3, {"text": "ផ្\u178aល់"}) == 1  # typed with ្ដ
    assert scoring.question_fraction(q3, {"text": "ផល់"}) == 0


def test_numeric_with_tolerance_and_khmer_digits():
    q = spec(1, kind="numeric", numeric_answer=D(6), tolerance=D("0.5"))
    assert scoring.question_fraction(q, {"value": "6"}) == 1
    assert scoring.question_fraction(q, {"value": "៦"}) == 1
    assert scoring.question_fraction(q, {"value": "6.4"}) == 1
    assert scoring.question_fraction(q, {"value": "6.6"}) == 0
    assert scoring.question_fraction(q, {"value": "six"}) == 0


def test_ordering_share_in_place():
    q = spec(1, kind="ordering", choice_order=(1, 2, 3, 4))
    assert scoring.question_fraction(q, {"order": [1, 2, 3, 4]}) == 1
    assert scoring.question_fraction(q, {"order": [1, 2, 4, 3]}) == D("0.5")
    assert scoring.question_fraction(q, {"order": [4, 3, 2, 1]}) == 0


def test_level_reached_worked_example():
    # Basic: 2/2, Intermediate: 3/4 (75%), Advanced: 1/1 -> Basic only, since
    # Intermediate misses 80% and Advanced needs every lower level mastered.
    specs = [
        spec(1, level=1),
        spec(2, level=1),
        spec(3, level=2),
        spec(4, level=2),
        spec(5, level=2),
        spec(6, level=2),
        spec(7, level=3),
    ]
    fractions = {1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 0, 7: 1}
    scores = [
        scoring.QuestionScore(s.id, D(fractions[s.id]), D(fractions[s.id]), D(1))
        for s in specs
    ]
    result = scoring.competence_scores(specs, scores)["4.2"]
    assert result.levels[2].share == D("0.75")
    assert result.level_reached == 1
    # With a 75% threshold, Intermediate and then Advanced count.
    assert (
        scoring.competence_scores(specs, scores, threshold=D("0.75"))[
            "4.2"
        ].level_reached
        == 3
    )


def test_untested_lower_level_does_not_block():
    specs = [spec(1, level=2)]
    scores = scoring.score_questions(specs, {1: {"choices": []}})
    assert scoring.competence_scores(specs, scores)["4.2"].level_reached == 0
    specs = [spec(1, level=2, correct_choices=frozenset({5}))]
    scores = scoring.score_questions(specs, {1: {"choices": [5]}})
    assert scoring.competence_scores(specs, scores)["4.2"].level_reached == 2


def test_weights_split_points_between_competences():
    q = spec(
        1,
        points=2,
        competences=(("4.2", D(1)), ("1.2", D("0.5"))),
        correct_choices=frozenset({1}),
    )
    scores = scoring.score_questions([q], {1: {"choices": [1]}})
    result = scoring.competence_scores([q], scores)
    assert result["4.2"].possible == 2
    assert result["1.2"].possible == 1
    assert result["1.2"].earned == 1


def test_grading_methods():
    percents = [D(40), D(90), D(70)]
    assert scoring.grade(percents, "highest") == 90
    assert scoring.grade(percents, "last") == 70
    assert scoring.grade(percents, "average") == D(200) / 3
    assert scoring.grade([], "highest") is None


def test_aggregation_methods_worked_examples():
    history = [1, 3, 2]  # oldest first
    assert scoring.aggregate_levels(history, "highest") == 3
    assert scoring.aggregate_levels(history, "most_recent") == 2
    # 0.65 * 2 + 0.35 * mean(1, 3) = 1.3 + 0.7 = 2.0
    assert scoring.aggregate_levels(history, "decaying_average") == 2
    # 0.65 * 1 + 0.35 * 3 = 1.7 -> rounded down to 1
    assert scoring.aggregate_levels([3, 1], "decaying_average") == 1
    # Reached Advanced once, Intermediate-or-better twice.
    assert scoring.aggregate_levels(history, "n_times", n=2) == 2
    assert scoring.aggregate_levels([3, 3, 1], "n_times", n=2) == 3
    assert scoring.aggregate_levels([], "highest") == 0


# --- Property tests -----------------------------------------------------------------

KINDS = ["single", "multiple", "true_false", "short_text", "numeric", "ordering"]


@st.composite
def quiz_and_answers(draw):
    n = draw(st.integers(min_value=1, max_value=12))
    specs, answers = [], {}
    for i in range(n):
        kind = draw(st.sampled_from(KINDS))
        points = draw(st.integers(min_value=1, max_value=5))
        level = draw(st.integers(min_value=1, max_value=3))
        comps = draw(
            st.lists(
                st.sampled_from(["1.1", "1.2", "4.2"]),
                min_size=1,
                max_size=2,
                unique=True,
            )
        )
        competences = tuple(
            (c, D(draw(st.sampled_from(["0.5", "1", "2"])))) for c in comps
        )
        choice_ids = list(range(i * 10, i * 10 + 4))
        if kind == "multiple":
            correct = frozenset(
                draw(st.lists(st.sampled_from(choice_ids), min_size=1, unique=True))
            )
        else:
            correct = frozenset({choice_ids[0]})
        q = QuestionSpec(
            id=i,
            kind=kind,
            points=D(points),
            level=level,
            competences=competences,
            correct_choices=correct,
            choice_order=tuple(choice_ids),
            accepted_answers=("ok",),
            numeric_answer=D(5),
            tolerance=D(0),
        )
        specs.append(q)
        answers[i] = draw(answer_for(q, choice_ids))
    return specs, answers


def answer_for(q, choice_ids):
    if q.kind in ("single", "true_false"):
        return st.builds(lambda c: {"choices": [c]}, st.sampled_from(choice_ids))
    if q.kind == "multiple":
        return st.builds(
            lambda cs: {"choices": cs},
            st.lists(st.sampled_from(choice_ids), unique=True),
        )
    if q.kind == "short_text":
        return st.builds(
            lambda t: {"text": t}, st.sampled_from(["ok", "OK ", "no", ""])
        )
    if q.kind == "numeric":
        return st.builds(lambda v: {"value": v}, st.sampled_from(["5", "៥", "4", "x"]))
    return st.builds(lambda p: {"order": p}, st.permutations(choice_ids))


def right_answer(q):
    if q.kind in ("single", "true_false", "multiple"):
        return {"choices": sorted(q.correct_choices)}
    if q.kind == "short_text":
        return {"text": "ok"}
    if q.kind == "numeric":
        return {"value": "5"}
    return {"order": list(q.choice_order)}


def profile(specs, answers):
    scores = scoring.score_questions(specs, answers)
    return scores, scoring.competence_scores(specs, scores)


@settings(max_examples=200, deadline=None)
@given(quiz_and_answers())
def test_scores_stay_within_bounds(data):
    specs, answers = data
    scores, by_competence = profile(specs, answers)
    for score in scores:
        assert 0 <= score.fraction <= 1
        assert 0 <= score.earned <= score.possible
    earned, possible = scoring.total(scores)
    assert 0 <= earned <= possible
    for result in by_competence.values():
        assert 0 <= result.earned <= result.possible
        assert 0 <= result.level_reached <= 3


@settings(max_examples=200, deadline=None)
@given(quiz_and_answers(), st.randoms(use_true_random=False))
def test_question_order_never_changes_the_result(data, rnd):
    specs, answers = data
    shuffled = specs[:]
    rnd.shuffle(shuffled)
    a_scores, a = profile(specs, answers)
    b_scores, b = profile(shuffled, answers)
    assert scoring.total(a_scores) == scoring.total(b_scores)
    assert {c: (r.earned, r.possible, r.level_reached) for c, r in a.items()} == {
        c: (r.earned, r.possible, r.level_reached) for c, r in b.items()
    }


@settings(max_examples=200, deadline=None)
@given(quiz_and_answers(), st.data())
def test_turning_a_wrong_answer_right_never_lowers_any_score(data, more):
    specs, answers = data
    target = more.draw(st.sampled_from(specs))
    before_scores, before = profile(specs, answers)
    improved = dict(answers)
    improved[target.id] = right_answer(target)
    after_scores, after = profile(specs, improved)
    assert scoring.total(after_scores)[0] >= scoring.total(before_scores)[0]
    for code, result in before.items():
        assert after[code].earned >= result.earned
        assert after[code].level_reached >= result.level_reached


def test_legacy_khmer_spellings_match_the_accepted_answer():
    """ស្រ្តី (subscript RO typed first), a soft hyphen, a zero-width space and
    subscript DA all read as the accepted answer."""
    accepted = scoring.normalise_text("ស្ត្រី")
    for typed in ("ស្រ្តី", "ស្ត្រ\u00adី", "ស្ត\u200b្រី", "ស្ដ្រី", "ស្រ្ដី"):
        assert scoring.normalise_text(typed) == accepted, typed


def test_search_indexes_and_queries_the_same_normal_form():
    from courses import khmer

    assert khmer.segment("សិទ្ធិស្រ្តី") == khmer.segment("សិទ្ធិស្ត្រី")
