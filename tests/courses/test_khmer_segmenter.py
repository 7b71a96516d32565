"""The Khmer segmenter's model is loaded without a temporary file.

khmer-nltk unpickles an sklearn-crfsuite CRF, which writes its ~18 MB crfsuite model
to a temporary file removed only by a finaliser: every process killed first
(SIGKILL, as gunicorn and Celery restarts do) left one behind. The processes here
point TMPDIR at an empty folder, segment, and are killed.
"""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from courses import khmer

ROOT = Path(__file__).resolve().parents[2]

PHRASES = [
    "ការអប់រំព័ត៌មាន",
    "រៀនពិនិត្យព័ត៌មាន រូបថត និងសេចក្តីប្រកាស មុនពេលជឿ ឬបញ្ជូនបន្ត",
    "ព័ត៌មានមិនពិតអាចបង្កការភ័យស្លន់ស្លោ ប៉ះពាល់សុខភាព បំផ្លាញកេរ្តិ៍ឈ្មោះ",
    "ក្រសួងរបស់អ្នកកំណត់វគ្គបណ្តុះបណ្តាលដែលអ្នកត្រូវសិក្សា",
    "ហើយចម្លើយត្រូវបានដាក់ស្នើដោយស្វ័យប្រវត្តិនៅពេលអស់ម៉ោង",
    "កសិករកាប់ឈើនៅក្នុងព្រៃ ហើយកូនក្មេងកំពុងរៀនអក្សរខ្មែរ",
]

# Segments with the given loader, reports TMPDIR's content, then waits to be killed.
CHILD = """
import json, os, sys, tempfile
{load}
words = [segment(p) for p in json.loads(sys.argv[1])]
tmp = tempfile.gettempdir()
print(json.dumps({{"tmp": tmp, "files": os.listdir(tmp), "words": words}}), flush=True)
sys.stdin.read()
"""
SALA_LOADER = "from courses.khmer import khmer_words as segment"
# khmer-nltk's own loading, the reference for both the output and the leak.
KHMERNLTK_LOADER = (
    "from khmernltk import word_tokenize\n"
    "def segment(text):\n"
    "    return [w for w in word_tokenize(text) if w.strip()]"
)


def _segment_then_kill(loader, tmp_path):
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(load=loader), json.dumps(PHRASES)],
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(tmp_path)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        report = json.loads(child.stdout.readline())
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert report["tmp"] == str(tmp_path)
    return report, sorted(os.listdir(tmp_path))


def test_killed_process_leaves_no_model_file(tmp_path):
    report, left = _segment_then_kill(SALA_LOADER, tmp_path)
    assert report["files"] == []
    assert left == []


def test_khmernltk_own_loading_leaks_where_the_test_looks(tmp_path):
    """The control: the same run with khmer-nltk's own loading leaves its model
    file in the folder checked above."""
    report, left = _segment_then_kill(KHMERNLTK_LOADER, tmp_path)
    assert len(left) == 1 and left[0].endswith(".crfsuite")
    assert (tmp_path / left[0]).stat().st_size > 10_000_000


def test_segmentation_matches_khmernltk_own_loading(tmp_path):
    reference, _ = _segment_then_kill(KHMERNLTK_LOADER, tmp_path)
    ours = [khmer.khmer_words(p) for p in PHRASES]
    module = sys.modules["khmernltk.word_tokenize"]
    assert isinstance(module.crf_model, khmer._InMemoryCRF)
    assert ours == reference["words"]
    assert all(len(words) > 1 for words in ours)
