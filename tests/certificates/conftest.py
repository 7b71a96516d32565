"""A completed course, a certificate template and helpers to read PDFs."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone

from certificates.models import CertificateTemplate, TemplateContest, TemplateSignatory
from courses.models import Enrolment
from tests.courses.conftest import framework, make_course, site_tree  # noqa: F401
from tests.factories import UserFactory

POPPLER = shutil.which("pdftotext") and shutil.which("pdffonts")
ZBAR = shutil.which("zbarimg")


@pytest.fixture
def template(db):
    template = CertificateTemplate.objects.create(
        name="Completion",
        title_km="វិញ្ញាបនបត្របញ្ចប់វគ្គសិក្សា",
        title_en="Certificate of completion",
        statement_km="បានបញ្ចប់វគ្គសិក្សា",
        statement_en="has completed the course",
        issuer_name_km="អ្នកចេញវិញ្ញាបនបត្រសាកល្បង",
        issuer_name_en="Test issuer",
        is_default=True,
    )
    TemplateSignatory.objects.create(
        template=template,
        name_km="កែវ សុវណ្ណ",
        name_en="KEO Sovann",
        title_km="នាយក",
        title_en="Director",
    )
    return template


def make_template(contest, award, **fields) -> CertificateTemplate:
    """A bilingual template listing ``contest`` for ``award`` (participation or
    merit), with one signatory."""
    values = {
        "name": f"Contest {award}",
        "title_km": "វិញ្ញាបនបត្រកិត្តិយស" if award == "merit" else "វិញ្ញាបនបត្រនៃការចូលរួម",
        "title_en": "Certificate of merit"
        if award == "merit"
        else "Certificate of participation",
        "statement_km": "បានចូលរួមក្នុងការប្រកួតប្រជែង",
        "statement_en": "took part in the competition",
        "issuer_name_km": "អ្នកចេញវិញ្ញាបនបត្រសាកល្បង",
        "issuer_name_en": "Test issuer",
    }
    values.update(fields)
    template = CertificateTemplate.objects.create(**values)
    TemplateSignatory.objects.create(
        template=template,
        name_km="កែវ សុវណ្ណ",
        name_en="KEO Sovann",
        title_km="នាយក",
        title_en="Director",
    )
    TemplateContest.objects.create(template=template, contest=contest, award=award)
    return template


@pytest.fixture
def learner(db):
    return UserFactory(
        email="dara@example.org",
        full_name_km="សុខ ដារ៉ា",
        full_name_latin="SOK Dara",
        preferred_language="en",
    )


@pytest.fixture
def course(site_tree, framework):  # noqa: F811
    course, _lessons = make_course(site_tree, framework, lessons=1)
    return course


def complete(user, course):
    """Record a completed enrolment directly (the courses app's own tests cover
    how a learner gets there)."""
    Enrolment.objects.update_or_create(
        user=user,
        course_key=course.translation_key,
        defaults={
            "status": Enrolment.Status.COMPLETED,
            "completed_at": timezone.now(),
        },
    )


@pytest.fixture
def completed(learner, course, template):
    complete(learner, course)
    return {"user": learner, "course": course, "template": template}


@pytest.fixture
def certificate(completed):
    from certificates import services

    return services.certificate_issue(
        user=completed["user"], course_key=completed["course"].translation_key
    ).certificate


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def pdf_fonts(path: Path) -> list[str]:
    lines = subprocess.run(
        ["pdffonts", str(path)], check=True, capture_output=True, text=True
    ).stdout.splitlines()[2:]
    return [line.split()[0] for line in lines if line.strip()]


def qr_codes(path: Path, tmp_path: Path) -> list[str]:
    prefix = tmp_path / "page"
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(path), str(prefix)],
        check=True,
    )
    [image] = sorted(tmp_path.glob("page*.png"))
    result = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(image)],
        capture_output=True,
        text=True,
    )
    return [line for line in result.stdout.splitlines() if line]
