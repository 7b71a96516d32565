"""No personal data by accident: a certificate never names its holder by their
e-mail address. It waits until the learner has given their full name in Khmer and
in Latin script (they are asked for it; their trainer sees who has not), then is
issued once. The admin fetches no avatar from Gravatar."""

import json

import pytest
from django.urls import reverse
from django.utils import translation

from certificates import services, signing
from certificates.models import Certificate
from cohorts.models import Membership
from courses import services as course_services
from tests.certificates.conftest import POPPLER, complete, pdf_text
from tests.certificates.test_contests import (  # noqa: F401
    close_and_publish,
    organiser,
    sat,
    templates,
)
from tests.cohorts.conftest import cohort, mptc, trainer  # noqa: F401
from tests.competitions.conftest import bank, contest, pools  # noqa: F401
from tests.factories import UserFactory

EMAIL = "nameless.learner@example.org"
PROMPT = "Give your name in Khmer and in Latin script"


def en(name, *args):
    with translation.override("en"):
        return reverse(name, args=args)


def profile_data(**names):
    data = {
        "full_name_km": "",
        "full_name_latin": "",
        "learner_kind": "civil_servant",
        "institution": "",
        "position": "",
        "phone": "",
        "preferred_language": "en",
    }
    data.update(names)
    return data


def assert_no_address(certificate, address):
    claims = signing.unverified_claims(certificate.credential)
    assert address not in json.dumps(claims)
    assert address not in json.dumps(certificate.content)
    assert "@" not in certificate.holder_name_km + certificate.holder_name_latin


def test_a_learner_without_names_is_asked_and_gets_the_certificate_once_named(
    client,
    course,
    template,
    cohort,  # noqa: F811
    trainer,  # noqa: F811
    django_capture_on_commit_callbacks,
    tmp_path,
):
    learner = UserFactory(
        email=EMAIL, full_name_km="", full_name_latin="", preferred_language="en"
    )
    Membership.objects.create(cohort=cohort, user=learner)
    with django_capture_on_commit_callbacks(execute=True):
        course_services.enrolment_create(user=learner, course=course)
        [lesson] = course.get_children().specific()
        course_services.lesson_complete(user=learner, lesson=lesson)
    assert not Certificate.objects.exists()
    with pytest.raises(services.HolderNameMissing):
        services.certificate_issue(user=learner, course_key=course.translation_key)
    assert not Certificate.objects.exists()

    # The learner is asked, on My learning and on the profile page.
    client.force_login(learner)
    learning = client.get("/en/learning/").content.decode()
    assert PROMPT in learning and en("accounts:profile") in learning
    assert PROMPT in client.get(en("accounts:profile")).content.decode()

    # The trainer sees who is missing a name, and which.
    client.force_login(trainer)
    page = client.get(en("cohorts:cohort", cohort.pk)).content.decode()
    assert "1 learner has not given their name" in page
    assert en("cohorts:learner", cohort.pk, learner.pk) in page
    assert "full name in Khmer, full name in Latin script" in page

    # An address typed as a name is refused by the form, and issues nothing.
    client.force_login(learner)
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(
            en("accounts:profile"),
            profile_data(full_name_km="សុខ ដារ៉ា", full_name_latin=EMAIL),
        )
    assert refused.status_code == 200
    assert "not an e-mail address" in refused.content.decode()
    assert not Certificate.objects.exists()

    # Both names given: the certificate is issued, once.
    for _save in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            saved = client.post(
                en("accounts:profile"),
                profile_data(full_name_km="សុខ ដារ៉ា", full_name_latin="SOK Dara"),
            )
        assert saved.status_code == 302
    [certificate] = Certificate.objects.all()
    assert certificate.user == learner
    assert (certificate.holder_name_km, certificate.holder_name_latin) == (
        "សុខ ដារ៉ា",
        "SOK Dara",
    )
    assert_no_address(certificate, EMAIL)
    if POPPLER:
        path = tmp_path / "certificate.pdf"
        path.write_bytes(certificate.pdf.read())
        text = pdf_text(path)
        assert "SOK Dara" in text and EMAIL not in text

    assert PROMPT not in client.get("/en/learning/").content.decode()
    client.force_login(trainer)
    page = client.get(en("cohorts:cohort", cohort.pk)).content.decode()
    assert "has not given their name" not in page


@pytest.mark.parametrize(
    "names",
    [
        {"full_name_km": "", "full_name_latin": "SOK Dara"},
        {"full_name_km": "សុខ ដារ៉ា", "full_name_latin": ""},
        {"full_name_km": "សុខ ដារ៉ា", "full_name_latin": "dara@example.org"},
        {"full_name_km": "SOK Dara", "full_name_latin": "SOK Dara"},
    ],
)
def test_a_missing_name_or_an_address_issues_nothing(course, template, names):
    learner = UserFactory(**names)
    complete(learner, course)
    with pytest.raises(services.HolderNameMissing):
        services.certificate_issue(user=learner, course_key=course.translation_key)
    assert not Certificate.objects.exists()


def test_a_revoked_certificate_is_not_issued_again_when_names_change(
    completed, django_capture_on_commit_callbacks
):
    learner = completed["user"]
    certificate = services.certificate_issue(
        user=learner, course_key=completed["course"].translation_key
    ).certificate
    services.certificate_revoke(certificate=certificate, actor=None, reason="Fraud")
    learner.full_name_latin = "SOK Dara Vannak"
    with django_capture_on_commit_callbacks(execute=True):
        learner.save()
    assert Certificate.objects.count() == 1


def test_contest_certificates_wait_for_the_contestants_name(
    contest,  # noqa: F811
    templates,  # noqa: F811
    sat,  # noqa: F811
    organiser,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    dara = sat["Dara"]  # second: participation and merit
    dara.full_name_km = ""
    dara.save()
    close_and_publish(contest, organiser, django_capture_on_commit_callbacks)
    assert not Certificate.objects.filter(user=dara).exists()
    assert Certificate.objects.count() == 4  # three participations, one merit

    dara.full_name_km = "ដារា"
    for _save in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            dara.save()
    mine = Certificate.objects.filter(user=dara).order_by("kind")
    assert [(c.kind, c.rank) for c in mine] == [("merit", 2), ("participation", None)]
    for certificate in mine:
        assert certificate.holder_name_km == "ដារា"
        assert_no_address(certificate, dara.email)
    assert Certificate.objects.count() == 6


def test_the_admin_loads_no_avatar_from_gravatar(client, db):
    admin = UserFactory(
        roles=["Administrator"], mfa=True, is_staff=True, is_superuser=True
    )
    client.force_login(admin)
    pages = ["/admin/", en("wagtailusers_users:index"), "/admin/account/"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode().lower()
        assert "gravatar" not in html, url
    # The pages do show avatars: Wagtail's own default image, served by Sala.
    assert "default-user-avatar" in html
