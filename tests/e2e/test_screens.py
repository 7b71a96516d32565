"""Every page a learner, student, trainer or organiser uses, on the seeded demo, in
Khmer and English, at 360 px and 1366 px: it answers 200, is no wider than the
screen, draws no icon without its size, has nothing blocked by the
Content-Security-Policy (the admin's edit pages too), and on a laptop the trainer
dashboard shows every column. The same run as ``make screenshots``; its pictures go to
artifacts/e2e/screens/."""

from io import StringIO

import pytest
from django.core.management import call_command

from lms import screens
from tests.e2e.conftest import ARTIFACTS


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_every_screen_fits_a_phone_and_a_laptop_in_both_languages(
    migrated_data, live_server
):
    call_command("seed_demo", stdout=StringIO())
    shots = screens.capture(base_url=live_server.url, out_dir=ARTIFACTS / "screens")
    names = {shot.screen.name for shot in shots}
    assert {
        "course",
        "quiz",
        "profile",
        "verification",
        "trainer-dashboard",
        "cohort",
        "cohort-learner",
        "organiser-results",
        "admin-course-edit",
        "admin-question-edit",
        "admin-contest-edit",
    } <= names
    assert len(shots) == len(names) * 4  # 2 languages x 2 widths
    assert [str(shot) for shot in shots if not shot.ok] == []
