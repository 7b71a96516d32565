import csv
import io

import openpyxl
import pytest
from django.contrib.auth.models import Group

from accounts import roles
from competencies.framework_io import COLUMNS
from competencies.models import Area, Competence, Framework, ProficiencyLevel
from tests.factories import UserFactory

GOOD_ROWS = [
    ["level", "L1", "", "Basic", "មូលដ្ឋាន", "Simple tasks.", "កិច្ចការសាមញ្ញ។", "test"],
    ["level", "L2", "", "Advanced", "ខ្ពស់", "Complex tasks.", "កិច្ចការស្មុគស្មាញ។", ""],
    ["area", "A", "", "Safety", "សុវត្ថិភាព", "Stay safe.", "", "DLGF 4"],
    [
        "competence",
        "A.1",
        "A",
        "Protecting devices",
        "ការការពារឧបករណ៍",
        "Protect devices, and content.",
        "ការពារឧបករណ៍ និងមាតិកា។",
        "DLGF 4.1",
    ],
    [
        "competence",
        "A.2",
        "A",
        "Protecting personal data and privacy",
        "ការការពារទិន្នន័យផ្ទាល់ខ្លួន និងឯកជនភាព",
        'Two lines, "quoted":\nsecond line.',
        "",
        "DLGF 4.2",
    ],
    ["area", "B", "", "Problem solving", "ការដោះស្រាយបញ្ហា", "", "", ""],
    [
        "competence",
        "B.1",
        "B",
        "Solving technical problems",
        "ការដោះស្រាយបញ្ហាបច្ចេកទេស",
        "",
        "",
        "",
    ],
]


def make_csv(rows, *, header=COLUMNS, encoding="utf-8", bom=False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def make_xlsx(rows, *, header=COLUMNS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    workbook.create_sheet("notes").append(["ignored"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def counts():
    return (
        Framework.objects.count(),
        ProficiencyLevel.objects.count(),
        Area.objects.count(),
        Competence.objects.count(),
    )


@pytest.fixture
def good_rows():
    return [list(row) for row in GOOD_ROWS]


@pytest.fixture
def editor(db):
    """A staff Editor with a second factor, as the admin requires."""
    return UserFactory(
        email="editor@example.org", roles=[roles.EDITOR], mfa=True, is_staff=True
    )


@pytest.fixture
def learner(db):
    return UserFactory(email="learner@example.org")


@pytest.fixture
def editor_group(db):
    return Group.objects.get(name=roles.EDITOR)
