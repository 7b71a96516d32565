"""The demo competition: open now, a blueprint over the banks, contestants ranked."""

import io
import re
from collections import Counter
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
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


README = Path(__file__).resolve().parents[2] / "README.md"
EMAIL = r"[\w.+-]+@(?:[\w-]+\.)*sala\.demo"


def readme_demo_logins() -> tuple[str, list[str]]:
    """The password the README gives and every demo account it names: each e-mail
    in backticks, "`contestant1@sala.demo` to `contestant6@sala.demo`" read as
    the six of them."""
    text = README.read_text(encoding="utf-8")
    stated = re.search(r"Every demo account has the password `([^`]+)`", text)
    assert stated, "the README no longer states the demo password"
    emails = set(re.findall(rf"`({EMAIL})`", text))
    for prefix, low, domain, high in re.findall(
        r"`([a-z]+)(\d+)@([\w.-]+)`\s+to\s+`\1(\d+)@\3`", text
    ):
        emails.update(
            f"{prefix}{number}@{domain}" for number in range(int(low), int(high) + 1)
        )
    return stated.group(1), sorted(emails)


def test_every_demo_account_in_the_readme_logs_in_with_its_password(db):
    password, emails = readme_demo_logins()
    # The README's table, the cohort's example learner and the six contestants.
    assert {"student@sala.demo", "editor@sala.demo"} <= set(emails)
    assert [e for e in emails if e.startswith("contestant")] == [
        f"contestant{n}@sala.demo" for n in range(1, 7)
    ]
    call_command("seed_demo", stdout=io.StringIO())
    for email in emails:
        client = Client()
        response = client.post(
            reverse("account_login"), {"login": email, "password": password}
        )
        assert response.status_code == 302, email
        assert client.session.get("_auth_user_id") == str(
            User.objects.get(email=email).pk
        ), email
    # The contestants are the ones who sat the demo competition.
    sat = set(
        Sitting.objects.filter(contest__slug=DEMO_SLUG).values_list(
            "user__email", flat=True
        )
    )
    assert sat == {e for e in emails if e.startswith("contestant")}


def test_a_second_load_gives_the_contestants_a_password_they_lack(pools):
    """A demo database seeded before the contestants had a password gets it
    from the next seed; a password already set stays."""
    demo_competitions_load()
    contestants = User.objects.filter(email__startswith="contestant")
    assert contestants.count() == 6
    assert not any(user.has_usable_password() for user in contestants)
    first = contestants.first()
    first.set_password("changed-by-the-contestant")
    first.save()

    demo_competitions_load(password="sala-demo-2026")
    for user in User.objects.filter(email__startswith="contestant"):
        expected = "changed-by-the-contestant" if user == first else "sala-demo-2026"
        assert user.check_password(expected), user.email
        assert EmailAddress.objects.filter(
            user=user, email=user.email, verified=True, primary=True
        ).exists()
