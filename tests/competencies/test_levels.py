"""Level wording comes from the framework: nothing in Sala's code or templates
names a level."""

import re
from pathlib import Path
from types import SimpleNamespace

from django.utils import translation

from competencies.levels import level_label

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "accounts",
    "assessments",
    "certificates",
    "cohorts",
    "competencies",
    "competitions",
    "courses",
    "lms",
]
# The default framework's level names, in both languages.
NAMES = re.compile(r"\b(Basic|Intermediate|Advanced|Not yet)\b|មូលដ្ឋាន|មធ្យម")


def test_the_label_of_a_level():
    foundation = SimpleNamespace(name="Foundation")
    with translation.override("en"):
        assert level_label(foundation, assessed=True) == "Foundation"
        assert (
            level_label(None, assessed=True, first_level=foundation)
            == "below Foundation"
        )
        assert level_label(None, assessed=False, first_level=foundation) == (
            "not assessed"
        )


def test_no_level_name_is_written_in_code_or_templates():
    offenders = []
    for app in APPS:
        for path in (ROOT / app).rglob("*"):
            if path.suffix not in (".py", ".html", ".txt") or not path.is_file():
                continue
            relative = path.relative_to(ROOT).as_posix()
            # Data and demo content may name levels; code and templates may not.
            if "/migrations/" in relative or "/data/" in relative:
                continue
            if relative.endswith(("demo.py", "demo_content.py", "fonts/README.txt")):
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if NAMES.search(line):
                    offenders.append(f"{relative}:{number}: {line.strip()[:80]}")
    assert offenders == []
