"""Ranking: score, then time used, then submission time; remaining ties shared."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from competitions import ranking
from competitions.selectors import institution_leaderboards, standings
from tests.competitions.conftest import make_student, sit
from tests.factories import InstitutionFactory

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def entry(key, score, used, submitted_seconds, max_score=10):
    return ranking.Entry(
        key=key,
        score=Decimal(score),
        max_score=Decimal(max_score),
        time_used_seconds=used,
        submitted_at=T0 + timedelta(seconds=submitted_seconds),
    )


def test_score_then_time_used_then_submission_time_with_ties():
    placed = ranking.rank(
        [
            entry("slow", 9, 1200, 1300),
            entry("fast", 9, 900, 1000),
            entry("top", 10, 1500, 1600),
            entry("early", 8, 600, 700),
            entry("late", 8, 600, 900),
            entry("twin-a", 7, 600, 700),
            entry("twin-b", 7, 600, 700.4),  # the same second: a tie
            entry("last", 2, 60, 100),
        ]
    )
    assert [(p.entry.key, p.rank, p.tied) for p in placed] == [
        ("top", 1, False),
        ("fast", 2, False),
        ("slow", 3, False),
        ("early", 4, False),
        ("late", 5, False),
        ("twin-a", 6, True),
        ("twin-b", 6, True),
        ("last", 8, False),
    ]


def test_three_way_tie_skips_two_places():
    placed = ranking.rank(
        [entry(k, 5, 300, 400) for k in "abc"] + [entry("d", 4, 300, 400)]
    )
    assert [p.rank for p in placed] == [1, 1, 1, 4]
    assert [p.tied for p in placed] == [True, True, True, False]


def test_score_is_compared_as_a_share_of_the_form_maximum():
    placed = ranking.rank(
        [entry("a", 6, 300, 400, max_score=12), entry("b", 5, 300, 400, max_score=9)]
    )
    assert [p.entry.key for p in placed] == ["b", "a"]  # 5/9 > 6/12
    placed = ranking.rank(
        [entry("a", 1, 300, 400, max_score=3), entry("b", 2, 300, 400, max_score=6)]
    )
    assert [p.rank for p in placed] == [1, 1]  # 1/3 == 2/6 exactly


@given(
    st.lists(
        st.tuples(
            st.integers(0, 5), st.integers(0, 3), st.integers(0, 3)
        ),  # score, used, submitted
        min_size=1,
        max_size=30,
    )
)
def test_rank_counts_those_strictly_better(rows):
    entries = [entry(i, s, u * 60, u * 60 + d) for i, (s, u, d) in enumerate(rows)]
    placed = ranking.rank(entries)
    keys = {p.entry.key: ranking.sort_key(p.entry) for p in placed}
    for p in placed:
        better = sum(1 for k in keys.values() if k < keys[p.entry.key])
        equal = sum(1 for k in keys.values() if k == keys[p.entry.key])
        assert p.rank == better + 1
        assert p.tied == (equal > 1)


def test_standings_and_leaderboards_by_institution(contest):
    start = contest.sitting_opens_at + timedelta(minutes=1)
    rupp, itc = InstitutionFactory(code="rupp-t"), InstitutionFactory(code="itc-t")
    people = {
        name: make_student(institution=institution, full_name_latin=name)
        for name, institution in [
            ("Dara", rupp),
            ("Sopheap", itc),
            ("Vanna", rupp),
            ("Kosal", itc),
        ]
    }
    sit(contest, people["Dara"], right=5, start=start, minutes=20)
    sit(contest, people["Sopheap"], right=5, start=start, minutes=12)
    sit(contest, people["Vanna"], right=3, start=start, minutes=10)
    # Same score, same time used and the same submission second as Vanna.
    sit(contest, people["Kosal"], right=3, start=start, minutes=10)
    rows = standings(contest=contest)
    summary = [
        (s.sitting.user.full_name_latin, s.rank, s.tied, s.institution_rank)
        for s in rows
    ]
    assert summary[:2] == [("Sopheap", 1, False, 1), ("Dara", 2, False, 1)]
    assert sorted(summary[2:]) == [("Kosal", 3, True, 2), ("Vanna", 3, True, 2)]
    assert [s.merit for s in rows] == [True, True, False, False]
    boards = institution_leaderboards(rows)
    assert [board["institution"] for board in boards] == [itc, rupp]
    assert [s.sitting.user.full_name_latin for s in boards[1]["standings"]] == [
        "Dara",
        "Vanna",
    ]
