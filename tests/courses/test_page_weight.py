"""A lesson, with everything it loads, stays light enough for a slow phone."""

import re
from pathlib import Path

from django.contrib.staticfiles import finders

from competencies.services import framework_load_default
from courses.demo import demo_courses_load
from courses.models import LessonPage
from lms.services import site_home_ensure

BUDGET = 150 * 1024


def _static(url):
    path = finders.find(url.removeprefix("/static/"))
    assert path, url
    return Path(path)


def test_lesson_page_with_css_and_fonts_is_under_150_kb(client, db):
    framework_load_default()
    home = site_home_ensure()
    demo_courses_load(home_km=home)
    lessons = LessonPage.objects.live()
    assert lessons.count() >= 8
    # The heaviest demo lesson, in each language.
    for lesson in lessons:
        html = client.get(lesson.url).content
        assert b"lesson__body" in html
        total = len(html)
        stylesheets = re.findall(rb'<link rel="stylesheet" href="([^"]+)"', html)
        scripts = re.findall(rb'<script src="([^"]+)"', html)
        fonts = set()
        for href in stylesheets:
            css_path = _static(href.decode())
            css = css_path.read_text()
            total += len(css.encode())
            for font in re.findall(r'url\("?([^")]+\.woff2)"?\)', css):
                fonts.add((css_path.parent / font).resolve())
        for src in scripts:
            total += _static(src.decode()).stat().st_size
        total += sum(font.stat().st_size for font in fonts)
        assert total < BUDGET, f"{lesson.url}: {total} bytes"
