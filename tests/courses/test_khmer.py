"""The one Khmer normal form, tested on the spellings people actually type."""

import pytest

from courses import khmer

# (typed, stored): each pair looks the same on screen.
LOOK_ALIKES = [
    ("ស្រ្តី", "ស្ត្រី"),  # subscript RO typed before subscript TA (legacy order)
    ("ស្ដ្រី", "ស្ត្រី"),  # subscript DA for subscript TA
    ("ស្រ្ដី", "ស្ត្រី"),  # both at once
    ("កម្ពុ\u200bជា", "កម្ពុជា"),  # zero-width space
    ("កម្ពុ\u00adជា", "កម្ពុជា"),  # soft hyphen
    ("\ufeffកម្ពុជា\u2060", "កម្ពុជា"),  # BOM, word joiner
]


@pytest.mark.parametrize("typed,stored", LOOK_ALIKES)
def test_look_alike_spellings_have_one_normal_form(typed, stored):
    assert khmer.normalise(typed) == khmer.normalise(stored)
    assert khmer.match_key(typed) == khmer.match_key(stored)


def test_match_key_folds_digits_spaces_and_case():
    assert khmer.match_key("ឆ្នាំ ២០២៦") == khmer.match_key("ឆ្នាំ2026")
    assert khmer.match_key("  SOK   Dara ") == "sok dara"
    # A space between Khmer words is no difference; between Latin words it is one.
    assert khmer.match_key("សុខ ដារា") == khmer.match_key("សុខដារា")
    assert khmer.match_key("sok dara") != khmer.match_key("sokdara")


def test_match_key_keeps_what_differs():
    assert khmer.match_key("ស្ត្រី") != khmer.match_key("ស្រី")
    assert khmer.match_key("កាប់") != khmer.match_key("កាបូប")


def test_search_text_reads_khmer_digits_as_ascii_digits():
    # The index and the query both go through segment: ២០២៦ finds 2026.
    assert "2026" in khmer.segment("ឆ្នាំ២០២៦").split()
    assert khmer.segment("ស្រ្តី") == khmer.segment("ស្ត្រី")
