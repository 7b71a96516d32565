"""Every contestant's form is equivalent: the blueprint's counts, drawn afresh, in
the contestant's own order of questions and choices."""

import random
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.models import Choice, Question
from competitions import blueprint, services
from competitions.models import BlueprintRow, Sitting
from competitions.selectors import blueprint_rows_for_draw
from tests.competitions.conftest import register


@st.composite
def blueprints(draw):
    """Rows over a shared set of question ids; pools may overlap (questions tagged
    with several competences) and may be too small."""
    question_ids = list(range(1, draw(st.integers(1, 40)) + 1))
    rows = []
    for row_id in range(1, draw(st.integers(1, 6)) + 1):
        pool = draw(st.sets(st.sampled_from(question_ids), max_size=12))
        count = draw(st.integers(1, 5))
        rows.append(blueprint.Row(id=row_id, count=count, pool=tuple(sorted(pool))))
    return rows


def _fillable(rows) -> bool:
    """Brute force on small cases: is there an assignment of distinct questions
    to every slot? (Hall's condition over every subset of rows.)"""
    from itertools import combinations

    for size in range(1, len(rows) + 1):
        for subset in combinations(rows, size):
            union = set().union(*(row.pool for row in subset))
            if len(union) < sum(row.count for row in subset):
                return False
    return True


@given(rows=blueprints(), seed=st.integers(0, 2**32 - 1))
def test_a_form_fills_every_row_exactly_or_the_blueprint_is_refused(rows, seed):
    fillable = _fillable(rows)
    assert (blueprint.shortfalls(rows) == []) == fillable
    if not fillable:
        with pytest.raises(blueprint.BlueprintError):
            blueprint.form_draw(rows, random.Random(seed))
        return
    form = blueprint.form_draw(rows, random.Random(seed))
    pools = {row.id: set(row.pool) for row in rows}
    # The blueprint's counts, each question from its row's pool, none twice.
    assert Counter(row_id for _, row_id in form) == {row.id: row.count for row in rows}
    assert all(question in pools[row_id] for question, row_id in form)
    assert len({question for question, _ in form}) == len(form)


@given(seed=st.integers(0, 2**32 - 1))
def test_disjoint_pools_give_every_question_a_chance(seed):
    rows = [
        blueprint.Row(id=1, count=2, pool=(1, 2, 3, 4)),
        blueprint.Row(id=2, count=1, pool=(5, 6)),
    ]
    rng = random.Random(seed)
    seen = Counter(q for _ in range(200) for q, _row in blueprint.form_draw(rows, rng))
    assert set(seen) == {1, 2, 3, 4, 5, 6}
    # 200 forms x 2 of 4 questions: each about 100 times; 200 x 1 of 2: about 100.
    assert all(40 < seen[q] < 160 for q in seen)


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(seed=st.integers(0, 2**32 - 1))
def test_forms_drawn_from_the_banks_are_equivalent(contest, seed):
    """The contest's forms, built from the database as at the start of a sitting."""
    rows = {row.pk: row for row in BlueprintRow.objects.filter(contest=contest)}
    layout = services.sitting_form_build(contest=contest, rng=random.Random(seed))
    questions = (
        Question.objects.filter(pk__in=[item["question"] for item in layout])
        .select_related("level")
        .prefetch_related("competence_links__competence")
        .in_bulk()
    )
    counts = Counter()
    for item in layout:
        question = questions[item["question"]]
        row = rows[item["row"]]
        codes = {link.competence.code for link in question.competence_links.all()}
        assert row.competence.code in codes
        assert question.level_id == row.level_id and question.bank_id == row.bank_id
        counts[(row.competence.code, question.level.code)] += 1
        # The choices shown are exactly the question's, in some order.
        assert sorted(item["choices"]) == sorted(
            Choice.objects.filter(question=question).values_list("pk", flat=True)
        )
    assert counts == {("4.2", "L1"): 2, ("4.2", "L2"): 1, ("1.2", "L1"): 2}
    assert len({item["question"] for item in layout}) == 5


def test_contestants_get_their_own_order_of_questions_and_choices(contest):
    from tests.competitions.conftest import make_student

    layouts = []
    for _ in range(12):
        student = make_student()
        register(contest, student)
        layouts.append(services.sitting_start(contest=contest, user=student).layout)
    assert Sitting.objects.count() == 12
    orders = {tuple(item["question"] for item in layout) for layout in layouts}
    assert len(orders) > 1
    sets = {frozenset(item["question"] for item in layout) for layout in layouts}
    assert len(sets) > 1  # different draws, not only different orders
    choice_orders = Counter(
        (item["question"], tuple(item["choices"]))
        for layout in layouts
        for item in layout
        if len(item["choices"]) > 2
    )
    shown = {question for question, _ in choice_orders}
    assert any(
        len({order for q, order in choice_orders if q == question}) > 1
        for question in shown
    )


def test_pools_come_from_the_database_in_one_query(contest, django_assert_num_queries):
    with django_assert_num_queries(2):
        rows = blueprint_rows_for_draw(contest=contest)
    assert [len(row.pool) for row in rows] == [4, 3, 3]
    assert [row.count for row in rows] == [2, 1, 2]


def test_inactive_questions_are_not_drawn(contest, pools):
    for question in pools[("4.2", "L2")][1:]:
        question.is_active = False
        question.save()
    rows = blueprint_rows_for_draw(contest=contest)
    assert len(rows[1].pool) == 1
    for question in pools[("4.2", "L2")]:
        question.is_active = False
        question.save()
    with pytest.raises(services.CompetitionError) as error:
        services.sitting_form_build(contest=contest, rng=random.Random(1))
    assert error.value.code == "blueprint"
