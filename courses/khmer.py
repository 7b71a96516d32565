"""Khmer text helpers: word segmentation, digit folding, zero-width characters.

Khmer is written without spaces between words, so a search index or a line breaker
that splits on spaces sees a whole phrase as one word. ``segment`` inserts a space
between words (khmer-nltk's CRF segmenter) and leaves other scripts untouched.
"""

import logging
import re
import unicodedata
from functools import lru_cache

KHMER_RE = re.compile(r"[\u1780-\u17FF\u19E0-\u19FF]+")
ZERO_WIDTH_RE = re.compile(r"[\u200B\u200C\u200D\u2060\uFEFF]")
KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")
ARABIC_TO_KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")


@lru_cache(maxsize=1)
def _tokenizer():
    logging.getLogger("khmer-nltk").setLevel(logging.WARNING)
    from khmernltk import word_tokenize

    return word_tokenize


@lru_cache(maxsize=8192)
def _khmer_words(text: str) -> tuple[str, ...]:
    return tuple(w for w in _tokenizer()(text) if w.strip())


def khmer_words(text: str) -> list[str]:
    """The words of a run of Khmer text (cached: a page is indexed on every save)."""
    return list(_khmer_words(text))


def segment(text: str) -> str:
    """Put a space between Khmer words so that word-based indexes can find them."""
    if not text:
        return ""
    text = fold_khmer(strip_zero_width(unicodedata.normalize("NFC", text)))
    return KHMER_RE.sub(lambda m: " ".join(khmer_words(m.group(0))), text)


def strip_zero_width(text: str) -> str:
    return ZERO_WIDTH_RE.sub("", text)


# Subscript DA (្ដ) and subscript TA (្ត) look the same and are typed both ways.
COENG_DA, COENG_TA = "\u17d2\u178a", "\u17d2\u178f"


def fold_khmer(text: str) -> str:
    """One spelling for letters that look alike, so search and answers match."""
    return text.replace(COENG_DA, COENG_TA)


def to_ascii_digits(text: str) -> str:
    return text.translate(KHMER_DIGITS)


def to_khmer_digits(text: str) -> str:
    return str(text).translate(ARABIC_TO_KHMER_DIGITS)
