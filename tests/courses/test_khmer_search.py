"""Khmer search on the embedded SQLite index finds whole words.

SQLite's FTS5 tokenizer (unicode61) treats combining marks as separators, so it
cut Khmer words at every vowel sign and subscript: ``កាប់`` became the tokens ក, ប
and matched ``កាបូប`` (wallet) and ``កែប្រែ`` (to change). The lessons here share
those marks and consonants; each query must return exactly the lessons whose
text contains it. PostgreSQL's backend already kept the words whole: the same
searches run there, only the SQLite table's definition is SQLite's own.
"""

import pytest
from django.core.management import call_command
from django.db import connection

from competencies.models import Competence, ProficiencyLevel
from courses.khmer import normalise
from courses.models import CourseCompetence, CoursePage, LessonPage
from courses.selectors import search_courses

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the FTS5 tokenizer is SQLite's"
)

LESSONS = {
    "wood": "កសិករកាប់ឈើនៅក្នុងព្រៃ ដើម្បីសង់ផ្ទះថ្មីសម្រាប់គ្រួសារ។",
    "wallet": "កុំទុកកាបូបលុយនៅលើតុ ពេលអ្នកចេញពីផ្ទះ។",
    "password": "គាត់កែប្រែពាក្យសម្ងាត់របស់គាត់រៀងរាល់ខែ។",
    "football": "ក្មេងៗចូលចិត្តលេងបាល់ទាត់នៅទីលានក្បែរសាលារៀន។",
    "data": "ការការពារទិន្នន័យផ្ទាល់ខ្លួន គឺជាសិទ្ធិរបស់អ្នក។",
    "source": "សូមពិនិត្យប្រភពព័ត៌មាន មុនពេលចែករំលែកបន្ត។",
    # Typed as many people do: zero-width spaces between words.
    "market": "ស្ត្រី\u200bម្នាក់\u200bកំពុង\u200bលក់\u200bបន្លែ\u200bនៅ\u200bផ្សារ។",
}

QUERIES = [
    "កាប់",
    "កាបូប",
    "កែប្រែ",
    "ផ្ទះ",
    "ផ្ទាល់ខ្លួន",
    "បាល់ទាត់",
    "ពាក្យសម្ងាត់",
    "ប្រភព",
    "សិទ្ធិ",
    "ក្មេង",
    "ស្ត្រី",
    "លក់",
    "ព័ត៌មាន",
]


@pytest.fixture
def lessons(site_tree, framework):
    course = CoursePage(
        title="ជីវិតប្រចាំថ្ងៃ",
        slug="daily-life",
        locale=site_tree["km"],
        summary="<p>វគ្គសិក្សាសាកល្បង។</p>",
    )
    course.competence_targets.add(
        CourseCompetence(
            competence=Competence.objects.get(framework=framework, code="4.2"),
            level=ProficiencyLevel.objects.get(framework=framework, code="L1"),
        )
    )
    site_tree["index"].add_child(instance=course)
    made = {}
    for number, (name, text) in enumerate(LESSONS.items(), start=1):
        lesson = LessonPage(
            title=f"មេរៀនទី {number}",
            slug=name,
            locale=site_tree["km"],
            body=[("paragraph", f"<p>{text}</p>")],
        )
        course.add_child(instance=lesson)
        made[name] = lesson
    return made


def containing(query):
    """The lessons whose text contains the query: the answer, without any index."""
    return {
        name for name, text in LESSONS.items() if normalise(query) in normalise(text)
    }


def found(query):
    return {page.slug for page in search_courses(query=query)}


def test_every_query_is_a_real_word_of_some_lesson():
    assert all(containing(query) for query in QUERIES)


@pytest.mark.parametrize("query", QUERIES)
def test_a_khmer_word_finds_exactly_the_lessons_containing_it(lessons, query):
    assert found(query) == containing(query)


def test_precision_over_the_whole_set(lessons):
    returned = sum(len(found(q)) for q in QUERIES)
    relevant = sum(len(found(q) & containing(q)) for q in QUERIES)
    assert relevant == returned


@pytest.mark.parametrize(
    ("typed", "word"),
    [
        ("កា\u200bប់", "កាប់"),  # a zero-width space inside the word
        ("ស\u17d2\u179a\u17d2\u178f\u17b8", "ស្ត្រី"),  # subscript RO typed first
        ("ស្ដ្រី", "ស្ត្រី"),  # subscript DA for subscript TA
        ("ពាក្យ\u200bសម្ងាត់", "ពាក្យសម្ងាត់"),
        # Pasted with its punctuation: a full stop (khan) is no word to look for.
        ("ផ្ទះ។", "ផ្ទះ"),
        ("«ប្រភព»", "ប្រភព"),
        ("ស្ត្រី ៖ ", "ស្ត្រី"),
    ],
)
def test_query_is_normalised_and_segmented_like_the_index(lessons, typed, word):
    assert found(typed) == containing(word)


def test_update_index_keeps_whole_words(lessons):
    call_command("update_index", verbosity=0)
    for query in QUERIES:
        assert found(query) == containing(query), query


@sqlite_only
def test_fts_table_keeps_khmer_marks_inside_tokens(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'wagtailsearch_indexentry_fts'"
        )
        (sql,) = cursor.fetchone()
    assert "tokenchars" in sql
    assert "\u17d2" in sql and "\u17b6" in sql  # coeng, vowel sign AA
