"""Every dashboard and export URL by every role: a trainer sees only their cohorts,
a coordinator only their institution, a learner none of it."""

import pytest
from django.urls import reverse

from cohorts.models import Membership
from tests.factories import UserFactory

ROLES = [
    "anonymous",
    "learner",
    "other_trainer",
    "own_trainer",
    "other_coordinator",
    "own_coordinator",
    "administrator",
]
OK = 200
LOGIN = 302

# Expected status by role, in the order of ROLES.
COHORT_READ = [LOGIN, 403, 404, OK, 404, OK, OK]
COHORT_MANAGE = [LOGIN, 403, 404, OK, 404, 403, OK]
INSTITUTION = [LOGIN, 403, 404, 404, 404, OK, OK]
DASHBOARD = [LOGIN, 403, OK, OK, OK, OK, OK]
IMPORT = [LOGIN, 403, 403, OK, 403, 403, OK]

URLS = [
    ("cohorts:dashboard", lambda c, m: [], DASHBOARD),
    ("cohorts:cohort", lambda c, m: [c.pk], COHORT_READ),
    ("cohorts:learner", lambda c, m: [c.pk, m.pk], COHORT_READ),
    ("cohorts:export", lambda c, m: [c.pk, "progress", "csv"], COHORT_READ),
    ("cohorts:export", lambda c, m: [c.pk, "progress", "xlsx"], COHORT_READ),
    ("cohorts:export", lambda c, m: [c.pk, "heatmap", "csv"], COHORT_READ),
    ("cohorts:export", lambda c, m: [c.pk, "heatmap", "xlsx"], COHORT_READ),
    ("cohorts:export", lambda c, m: [c.pk, "report", "pdf"], COHORT_READ),
    ("cohorts:cohort_edit", lambda c, m: [c.pk], COHORT_MANAGE),
    ("cohorts:rollup", lambda c, m: ["mptc"], INSTITUTION),
    ("cohorts:rollup_export", lambda c, m: ["mptc", "csv"], INSTITUTION),
    ("cohorts:rollup_export", lambda c, m: ["mptc", "xlsx"], INSTITUTION),
    ("cohorts:rollup_export", lambda c, m: ["mptc", "pdf"], INSTITUTION),
    ("cohorts:import_start", lambda c, m: [], IMPORT),
]


@pytest.fixture
def people(
    trainer, other_trainer, coordinator, other_coordinator, administrator, cohort
):
    member = UserFactory(email="member@example.org")
    Membership.objects.create(cohort=cohort, user=member)
    return {
        "anonymous": None,
        "learner": member,
        "other_trainer": other_trainer,
        "own_trainer": trainer,
        "other_coordinator": other_coordinator,
        "own_coordinator": coordinator,
        "administrator": administrator,
        "member": member,
    }


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    URLS,
    ids=[f"{n:02d}-{name.split(':')[1]}" for n, (name, _a, _e) in enumerate(URLS)],
)
def test_permission_matrix(client, cohort, people, name, args, expected):
    url = reverse(name, args=args(cohort, people["member"]))
    seen = []
    for role in ROLES:
        client.logout()
        if people[role] is not None:
            client.force_login(people[role])
        response = client.get(url)
        seen.append(response.status_code)
        if role == "anonymous":
            assert "/accounts/login/" in response["Location"]
    assert dict(zip(ROLES, seen, strict=True)) == dict(
        zip(ROLES, expected, strict=True)
    )


def test_a_coordinator_without_a_second_factor_is_sent_to_set_it_up(client, mptc):
    from cohorts import services

    user = UserFactory(roles=[])
    services.coordinator_appoint(user=user, institution=mptc)
    client.force_login(user)
    response = client.get(reverse("cohorts:rollup", args=["mptc"]))
    assert response.status_code == 302
    assert "/accounts/2fa/totp/activate/" in response["Location"]


def test_removing_the_role_closes_the_dashboards(client, coordinator, mptc):
    from cohorts import services

    client.force_login(coordinator)
    assert client.get(reverse("cohorts:rollup", args=["mptc"])).status_code == 200
    services.coordinator_remove(user=coordinator, institution=mptc)
    assert not coordinator.has_role("Coordinator")
    assert client.get(reverse("cohorts:rollup", args=["mptc"])).status_code == 403


def test_export_jobs_belong_to_whoever_asked(
    client, settings, trainer, other_trainer, cohort, people
):
    settings.COHORTS_EXPORT_SYNC_LIMIT = 0
    client.force_login(trainer)
    response = client.get(
        reverse("cohorts:export", args=[cohort.pk, "progress", "csv"])
    )
    assert response.status_code == 302
    job_url = response["Location"]
    client.force_login(other_trainer)
    assert client.get(job_url).status_code == 404
    assert client.get(job_url + "download/").status_code == 404
