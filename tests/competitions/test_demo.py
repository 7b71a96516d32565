"""The demo competition: open now, a blueprint over the banks, contestants ranked."""

from collections import Counter

import pytest

from competitions.demo import DEMO_SLUG, demo_competitions_load
from competitions.models import Contest, Sitting
from competitions.selectors import standings


def test_demo_competition_over_the_banks(pools):
    contest = demo_competitions_load()
    assert contest.slug == DEMO_SLUG
    assert contest.listed and contest.sitting_is_open()
    assert contest.registration_is_open()
    rows = list(contest.blueprint_rows.all())
    # One row per competence and level of the bank, half of each pool.
    assert sorted((r.competence.code, r.level.code, r.count) for r in rows) == [
        ("1.2", "L1", 1),
        ("4.2", "L1", 2),
        ("4.2", "L2", 1),
    ]
    sittings = Sitting.objects.filter(contest=contest)
    assert sittings.count() == 6
    assert all(s.status == Sitting.Status.SUBMITTED for s in sittings)
    for sitting in sittings:
        assert Counter(item["row"] for item in sitting.layout) == {
            row.pk: row.count for row in rows
        }
    ranked = standings(contest=contest)
    assert [s.rank for s in ranked][0] == 1 and len(ranked) == 6

    # Idempotent: a second call changes nothing.
    again = demo_competitions_load()
    assert again.pk == contest.pk
    assert Contest.objects.count() == 1 and Sitting.objects.count() == 6


def test_demo_competition_without_banks(db):
    from competitions import services
    from tests.competitions.conftest import make_student, register

    contest = demo_competitions_load()
    assert contest.blueprint_rows.count() == 0
    assert not Sitting.objects.exists()
    student = make_student()
    register(contest, student)
    with pytest.raises(services.CompetitionError) as error:
        services.sitting_start(contest=contest, user=student)
    assert error.value.code == "blueprint"
