"""Message catalogues: complete, well-formed, and loaded in the order settings say.

Every ``.po`` under ``locale/`` and ``vendor_locale/`` is checked with GNU msgfmt
and with a small parser (polib is not a dependency). Khmer must be fully translated
with no fuzzy entries; English msgstrs may stay empty, since English falls back to
the msgid. Placeholders must survive translation, or the page raises (or shows the
wrong value) only when a learner reaches that string in Khmer.
"""

import os
import re
import shutil
import subprocess
from contextlib import chdir
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

BASE_DIR = Path(settings.BASE_DIR)
CATALOGUE_ROOTS = [BASE_DIR / "locale", BASE_DIR / "vendor_locale"]
# Catalogues that must exist: our own Khmer strings and the Khmer for allauth.
REQUIRED = [
    BASE_DIR / "locale" / "km" / "LC_MESSAGES" / "django.po",
    BASE_DIR / "vendor_locale" / "km" / "LC_MESSAGES" / "django.po",
]
# Languages whose msgstrs may stay empty: the msgids are English already.
SOURCE_LANGUAGES = {"en"}


@dataclass
class Entry:
    msgid: str
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstrs: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def is_translated(self) -> bool:
        return bool(self.msgstrs) and all(self.msgstrs.values())

    def label(self) -> str:
        context = f"[{self.msgctxt}] " if self.msgctxt is not None else ""
        return f"{context}{self.msgid!r}"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a"}
_KEYWORD_RE = re.compile(
    r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$'
)


def _unquote(token: str) -> str:
    if not (token.startswith('"') and token.endswith('"')) or len(token) < 2:
        raise ValueError(f"not a PO string: {token}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), token[1:-1])


def parse_po(text: str) -> list[Entry]:
    """The live entries of a PO file (obsolete ``#~`` entries are left out)."""
    entries: list[Entry] = []
    flags: set[str] = set()
    current: Entry | None = None
    pending_ctxt: str | None = None
    target: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal current, target, flags, pending_ctxt
        if current is not None:
            entries.append(current)
        current, target, flags, pending_ctxt = None, None, set(), None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            if not line:
                finish()
            continue
        if line.startswith("#"):
            if current is not None and target and target[0] == "msgstr":
                finish()
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        match = _KEYWORD_RE.match(line)
        if match:
            keyword, index, token = match.groups()
            value = _unquote(token)
            if keyword in ("msgctxt", "msgid") and target and target[0] == "msgstr":
                finish()
            if keyword == "msgctxt":
                pending_ctxt, target = value, ("msgctxt", 0)
            elif keyword == "msgid":
                current = Entry(msgid=value, msgctxt=pending_ctxt, flags=flags)
                target = ("msgid", 0)
            elif current is None:
                raise ValueError(f"line {number}: {keyword} before msgid")
            elif keyword == "msgid_plural":
                current.msgid_plural, target = value, ("msgid_plural", 0)
            else:
                slot = int(index) if index is not None else 0
                current.msgstrs[slot], target = value, ("msgstr", slot)
        elif line.startswith('"') and target is not None:
            value = _unquote(line)
            kind, slot = target
            if kind == "msgctxt":
                pending_ctxt = (pending_ctxt or "") + value
            elif kind == "msgid":
                current.msgid += value
            elif kind == "msgid_plural":
                current.msgid_plural += value
            else:
                current.msgstrs[slot] += value
        else:
            raise ValueError(f"line {number}: cannot parse {raw!r}")
    finish()
    return entries


def _language(po: Path) -> str:
    return po.parent.parent.name


def _relative(po: Path) -> str:
    return str(po.relative_to(BASE_DIR))


def _catalogues() -> list[Path]:
    found = {po for root in CATALOGUE_ROOTS for po in root.glob("*/LC_MESSAGES/*.po")}
    return sorted(found)


def _msgfmt() -> str:
    path = shutil.which("msgfmt")
    if path is None:
        pytest.fail("msgfmt is missing: install GNU gettext (`make test` does).")
    return path


CATALOGUES = _catalogues()
TRANSLATED = [po for po in CATALOGUES if _language(po) not in SOURCE_LANGUAGES]
KHMER = [po for po in CATALOGUES if _language(po) == "km"]


@pytest.mark.parametrize("po", REQUIRED, ids=_relative)
def test_required_catalogue_exists(po):
    assert po.is_file(), (
        f"{_relative(po)} is missing: run `make messages` and translate it "
        "(terms in locale/GLOSSARY.md)."
    )


@pytest.mark.parametrize("po", CATALOGUES, ids=_relative)
def test_msgfmt_check_passes(po):
    result = subprocess.run(
        [_msgfmt(), "--check", "-o", os.devnull, str(po)],
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C"},
    )
    assert result.returncode == 0, f"msgfmt --check {_relative(po)}:\n{result.stderr}"


@pytest.mark.parametrize("po", CATALOGUES, ids=_relative)
def test_parser_agrees_with_msgfmt(po):
    """Guards the parser the other checks rely on."""
    result = subprocess.run(
        [_msgfmt(), "--statistics", "-o", os.devnull, str(po)],
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C"},
    )
    match = re.search(r"(\d+) translated message", result.stderr)
    msgfmt_translated = int(match.group(1)) if match else 0
    entries = [e for e in parse_po(po.read_text("utf-8")) if not e.is_header]
    parsed = sum(1 for e in entries if e.is_translated and "fuzzy" not in e.flags)
    assert parsed == msgfmt_translated, result.stderr


@pytest.mark.parametrize("po", TRANSLATED, ids=_relative)
def test_every_message_translated_and_none_fuzzy(po):
    entries = parse_po(po.read_text("utf-8"))
    fuzzy = [
        "(header)" if e.is_header else e.label() for e in entries if "fuzzy" in e.flags
    ]
    untranslated = [e.label() for e in entries if not e.is_translated]
    assert not (fuzzy or untranslated), (
        f"{_relative(po)}: {len(fuzzy)} fuzzy: {fuzzy[:20]}; "
        f"{len(untranslated)} untranslated: {untranslated[:20]}"
    )


_PERCENT_RE = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]"
)
_BRACE_RE = re.compile(
    r"\{(?P<field>[A-Za-z_][A-Za-z0-9_.]*|\d*)(?:![rsa])?(?::[^{}]*)?\}"
)


def placeholders(text: str, *, percent: bool, brace: bool) -> tuple[set, list]:
    """Named placeholders (as a set) and positional ones (in order)."""
    named: set[str] = set()
    positional: list[str] = []
    if percent:
        for match in _PERCENT_RE.finditer(text):
            token = match.group(0)
            if token == "%%":
                continue
            (named.add if match.group("name") is not None else positional.append)(token)
    if brace:
        unescaped = text.replace("{{", "").replace("}}", "")
        for match in _BRACE_RE.finditer(unescaped):
            token = match.group(0)
            name = match.group("field")
            (named.add if name and not name.isdigit() else positional.append)(token)
    return named, positional


def _placeholder_problems(entry: Entry) -> list[str]:
    sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else [])
    percent = "python-format" in entry.flags or any(
        _PERCENT_RE.search(s.replace("%%", "")) for s in sources
    )
    percent = percent and "no-python-format" not in entry.flags
    brace = "python-brace-format" in entry.flags or any(
        _BRACE_RE.search(s.replace("{{", "").replace("}}", "")) for s in sources
    )
    if not (percent or brace):
        return []
    expected_named: set[str] = set()
    expected_positional: list[str] = []
    for source in sources:
        named, positional = placeholders(source, percent=percent, brace=brace)
        expected_named |= named
        expected_positional = positional
    problems = []
    translated_named: set[str] = set()
    translated_forms = 0
    for slot, msgstr in sorted(entry.msgstrs.items()):
        if not msgstr:
            continue
        translated_forms += 1
        named, positional = placeholders(msgstr, percent=percent, brace=brace)
        translated_named |= named
        if unknown := named - expected_named:
            problems.append(f"msgstr[{slot}] has unknown {sorted(unknown)}")
        if positional != expected_positional:
            problems.append(
                f"msgstr[{slot}] positional {positional} != {expected_positional}"
            )
        # A single plural form serves every count, so it must carry everything.
        if len(entry.msgstrs) == 1 and named != expected_named:
            problems.append(f"msgstr lacks {sorted(expected_named - named)}")
    if (
        len(entry.msgstrs) > 1
        and translated_forms
        and translated_named != expected_named
    ):
        problems.append(
            f"plural forms lack {sorted(expected_named - translated_named)}"
        )
    return [f"{entry.label()}: {p}" for p in problems]


@pytest.mark.parametrize("po", CATALOGUES, ids=_relative)
def test_placeholders_survive_translation(po):
    problems = []
    for entry in parse_po(po.read_text("utf-8")):
        if not entry.is_header:
            problems += _placeholder_problems(entry)
    assert not problems, f"{_relative(po)}:\n" + "\n".join(problems[:30])


_ZERO_WIDTH_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_COENG_DA = "\u17d2\u178a"  # ្ដ: the glossary types ្ត (coeng TA) instead.


@pytest.mark.parametrize("po", KHMER, ids=_relative)
def test_khmer_follows_glossary_orthography(po):
    """No invisible characters, and one spelling of the look-alike subscript."""
    problems = []
    for entry in parse_po(po.read_text("utf-8")):
        for msgstr in entry.msgstrs.values():
            if _ZERO_WIDTH_RE.search(msgstr):
                problems.append(f"{entry.label()}: zero-width character")
            if _COENG_DA in msgstr:
                problems.append(f"{entry.label()}: ្ដ (coeng DA), type ្ត (coeng TA)")
    assert not problems, f"{_relative(po)}:\n" + "\n".join(problems[:30])


def test_unit_placeholders_detects_a_dropped_name():
    entry = Entry(
        msgid="Confirmation email sent to %(email)s.",
        msgstrs={0: "បានផ្ញើអ៊ីមែលបញ្ជាក់។"},
        flags={"python-format"},
    )
    assert _placeholder_problems(entry) == [
        "'Confirmation email sent to %(email)s.': msgstr lacks ['%(email)s']"
    ]
    entry.msgstrs[0] = "បានផ្ញើអ៊ីមែលបញ្ជាក់ទៅ %(email)s។"
    assert _placeholder_problems(entry) == []
    assert _placeholder_problems(Entry(msgid="Key nr. {number}", msgstrs={0: "សោ"}))


def test_unit_parser_reads_contexts_plurals_and_continuations():
    text = (
        'msgid ""\nmsgstr ""\n"Language: km\\n"\n\n'
        "#, python-format\n"
        'msgctxt "field label"\nmsgid "Login"\nmsgstr "ឈ្មោះ"\n"ចូលគណនី"\n\n'
        'msgid "%(n)s key"\nmsgid_plural "%(n)s keys"\nmsgstr[0] "សោ %(n)s"\n\n'
        '#, fuzzy\nmsgid "Old"\nmsgstr ""\n\n'
        '#~ msgid "Gone"\n#~ msgstr "បាត់"\n'
    )
    header, login, keys, old = parse_po(text)
    assert header.is_header and header.msgstrs[0] == "Language: km\n"
    assert (login.msgctxt, login.msgstrs[0]) == ("field label", "ឈ្មោះចូលគណនី")
    assert login.flags == {"python-format"}
    assert keys.msgid_plural == "%(n)s keys" and keys.is_translated
    assert "fuzzy" in old.flags and not old.is_translated


@pytest.fixture(scope="session")
def compiled_messages():
    """Compile .mo files that are missing or older than their .po (*.mo is ignored
    by git; `make` compiles them too)."""
    stale = []
    for root in settings.LOCALE_PATHS:
        for po in Path(root).glob("*/LC_MESSAGES/*.po"):
            mo = po.with_suffix(".mo")
            if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
                stale.append(po)
    if stale:
        _msgfmt()
        with chdir(BASE_DIR):
            call_command(
                "compilemessages",
                ignore_patterns=[".venv", "node_modules", "var", "staticfiles"],
                verbosity=0,
            )


def _expected(msgid: str, *, msgctxt: str | None = None, plural: bool = False) -> str:
    """The msgstr Django should pick: the first LOCALE_PATHS catalogue with it."""
    for root in settings.LOCALE_PATHS:
        po = Path(root) / "km" / "LC_MESSAGES" / "django.po"
        if not po.exists():
            continue
        for entry in parse_po(po.read_text("utf-8")):
            if (entry.msgid, entry.msgctxt) == (msgid, msgctxt) and entry.is_translated:
                if "fuzzy" not in entry.flags and bool(entry.msgid_plural) == plural:
                    return entry.msgstrs[0]
    pytest.fail(f"no Khmer translation of {msgid!r} in LOCALE_PATHS")


def test_allauth_pages_speak_khmer(compiled_messages):
    # Re-setting LOCALE_PATHS makes Django drop catalogues cached before compiling.
    with override_settings(LOCALE_PATHS=list(settings.LOCALE_PATHS)):
        with translation.override("km"):
            password = translation.gettext("Password")
            forgot = translation.gettext("Forgot your password?")
            login_label = translation.pgettext("field label", "Login")
            keys = translation.ngettext(
                "You have added %(count)s security key.",
                "You have added %(count)s security keys.",
                3,
            )
    assert password == _expected("Password")
    # Django's own Khmer spells it ពាក្យសំងាត់; the glossary's spelling must win.
    assert password == "ពាក្យសម្ងាត់"
    assert forgot == _expected("Forgot your password?")
    assert login_label == _expected("Login", msgctxt="field label")
    assert keys == _expected("You have added %(count)s security key.", plural=True)
    assert keys % {"count": 3} != keys
