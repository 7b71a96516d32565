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


def test_the_demo_item_analysis_warns_that_its_reliability_is_not_reliable(
    client, pools
):
    """Six contestants on forms drawn from the banks: the page shows the figure
    with the name that fits the scores, and says it is not to be trusted yet."""
    from django.urls import reverse
    from wagtail.users.models import UserProfile

    from competitions import analysis
    from competitions.selectors import item_scores
    from tests.factories import UserFactory

    contest = demo_competitions_load()
    items = item_scores(contest=contest)
    seen = items.groupby("question").size()
    right_or_wrong = items["score"].isin([0.0, 1.0]).all()
    organiser = UserFactory(roles=["Editor"], mfa=True)
    profile = UserProfile.get_for_user(organiser)
    profile.preferred_language = "en"
    profile.save()
    client.force_login(organiser)
    html = client.get(
        reverse("competitions_admin_analysis", args=[contest.pk])
    ).content.decode()

    name = "KR-20" if right_or_wrong else "Cronbach's alpha"
    assert f"<dt>Reliability ({name})</dt>" in html
    figure = analysis.reliability(items)
    assert figure is not None
    assert f'{figure:.3f} <span class="status-tag">not reliable yet</span>' in html
    warning = html[html.index("reliability-warning") :]
    warning = warning[: warning.index("</div>")]
    assert "Too few contestants for the reliability to be trusted yet." in warning
    assert seen.max() <= 6 < analysis.RELIABILITY_MIN_RESPONSES
    if seen.min() == seen.max():
        assert f"Each question was seen by {seen.min()} contestant" in warning
    else:
        assert f"seen by {seen.min()} to {seen.max()} contestants each" in warning
    fewer = f"fewer contestants (6) than questions drawn ({len(seen)})"
    assert (fewer in warning) == (len(seen) > 6)
