"""Khmer text helpers: word segmentation, digit folding, zero-width characters.

Khmer is written without spaces between words, so a search index or a line breaker
that splits on spaces sees a whole phrase as one word. ``segment`` inserts a space
between words (khmer-nltk's CRF segmenter) and leaves other scripts untouched.
"""

import importlib
import logging
import pickle
import re
import unicodedata
from functools import lru_cache

import pycrfsuite

KHMER_RE = re.compile(r"[\u1780-\u17FF\u19E0-\u19FF]+")
# Zero-width space, non-joiner, joiner, word joiner, byte-order mark, soft hyphen:
# invisible, and typed or pasted at random inside Khmer words.
ZERO_WIDTH_RE = re.compile(r"[\u200B\u200C\u200D\u2060\uFEFF\u00AD]")
KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")
ARABIC_TO_KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")


class _ModelBytes:
    """Takes the place of sklearn-crfsuite's ``FileResource`` while the segmenter's
    pickle is read: it keeps the crfsuite model's bytes instead of writing them to a
    temporary file. That file is removed only when the object is garbage-collected,
    so every process killed before then (a gunicorn or Celery restart) left ~18 MB
    behind."""

    def __setstate__(self, state):
        self.data = state["__FILE_RESOURCE_DATA__"]


class _ModelUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) == ("sklearn_crfsuite._fileresource", "FileResource"):
            return _ModelBytes
        return super().find_class(module, name)


class _InMemoryCRF:
    """The one method of sklearn-crfsuite's ``CRF`` that khmer-nltk calls, on a
    crfsuite tagger opened from memory, so no file is ever written."""

    def __init__(self, model: bytes):
        # crfsuite reads the model from this buffer without copying it: keep it.
        self._model = model
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open_inmemory(model)

    def predict(self, X):
        return [self._tagger.tag(xseq) for xseq in X]


@lru_cache(maxsize=1)
def _tokenizer():
    """khmer-nltk's word segmenter with its model loaded once per process, from
    the file khmer-nltk ships, leaving no temporary file behind."""
    logging.getLogger("khmer-nltk").setLevel(logging.WARNING)
    from khmernltk import word_tokenize

    # ``khmernltk.word_tokenize`` is the function; the module holds the model.
    module = importlib.import_module("khmernltk.word_tokenize")
    if module.crf_model is None:
        with open(module.model_path, "rb") as f:
            crf = _ModelUnpickler(f).load()
        module.crf_model = _InMemoryCRF(crf.modelfile.data)
    return word_tokenize


@lru_cache(maxsize=8192)
def _khmer_words(text: str) -> tuple[str, ...]:
    return tuple(w for w in _tokenizer()(text) if w.strip())


def khmer_words(text: str) -> list[str]:
    """The words of a run of Khmer text (cached: a page is indexed on every save)."""
    return list(_khmer_words(text))


def segment(text: str) -> str:
    """Put a space between Khmer words so that word-based indexes can find them
    (normalised, Khmer digits as 0-9: the index and the query alike)."""
    if not text:
        return ""
    text = KHMER_RE.sub(lambda m: " ".join(khmer_words(m.group(0))), normalise(text))
    return to_ascii_digits(text)


def strip_zero_width(text: str) -> str:
    return ZERO_WIDTH_RE.sub("", text)


# Subscript DA (្ដ) and subscript TA (្ត) look the same and are typed both ways.
COENG_DA, COENG_TA = "\u17d2\u178a", "\u17d2\u178f"


# Subscript RO typed before another subscript (the legacy order, as in ស្រ្តី) is
# stored after it by Unicode's order (ស្ត្រី); both look the same.
LEGACY_COENG_RO_RE = re.compile("\u17d2\u179a(\u17d2[\u1780-\u17a2])")


def fold_khmer(text: str) -> str:
    """One spelling for what looks alike, so search and answers match: subscript
    RO in Unicode's order, subscript DA as subscript TA."""
    return LEGACY_COENG_RO_RE.sub("\\1\u17d2\u179a", text).replace(COENG_DA, COENG_TA)


def normalise(text: str) -> str:
    """The one Khmer normal form, for answers, search (index and query) and
    names: NFC, no zero-width characters, ``fold_khmer``."""
    return fold_khmer(strip_zero_width(unicodedata.normalize("NFC", text or "")))


SPACE_RE = re.compile(r"\s+")
# Khmer separates phrases, not words, with spaces: a space typed between two Khmer
# letters is not a difference.
KHMER_SPACE_RE = re.compile(r"(?<=[\u1780-\u17ff])\s+(?=[\u1780-\u17ff])")


def match_key(text: str) -> str:
    """The form in which two typed texts are compared (short answers, names,
    institutions): ``normalise``, Khmer digits as 0-9, no space between Khmer
    letters, white space collapsed, case folded."""
    text = KHMER_SPACE_RE.sub("", normalise(str(text or "")))
    return SPACE_RE.sub(" ", to_ascii_digits(text)).strip().casefold()


def to_ascii_digits(text: str) -> str:
    return text.translate(KHMER_DIGITS)


def to_khmer_digits(text: str) -> str:
    return str(text).translate(ARABIC_TO_KHMER_DIGITS)
