"""PDF rendering with WeasyPrint: bundled fonts, a closed URL fetcher, Khmer line
breaking, a QR code and real text for every glyph run.

- Fonts come from the project's static files through ``@font-face`` (Latin face
  first, then Khmer), never from the host: the output is the same everywhere.
- The URL fetcher serves only ``sala://static/<path>`` (the project's static files)
  and ``sala://media/<name>`` (uploaded images); any other URL is refused, so text
  that slipped into markup could never make the renderer open a connection.
- Pango has no Khmer line breaker, so Khmer runs get a zero-width space between
  words (khmer-nltk) and long Khmer lines wrap between words.
- WeasyPrint maps each glyph to the text of the first cluster it was seen in; Khmer
  shaping reuses glyphs across clusters (the upper part of ើ is the glyph of ី), so
  copied or extracted text would come out wrong. Each line of text is therefore
  wrapped in a ``/Span`` with ``/ActualText`` holding its exact characters (PDF
  32000-1, 14.9.4), which PDF readers and pdftotext use instead of the glyphs.
"""

import contextvars
import mimetypes
import re
import threading
import unicodedata
from functools import lru_cache
from urllib.parse import unquote, urlsplit

import pydyf
import segno
import weasyprint
from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from weasyprint.draw import text as weasy_text
from weasyprint.text.fonts import FontConfiguration

from courses.khmer import KHMER_RE, ZERO_WIDTH_RE, khmer_words

SCHEME = "sala"
STYLESHEET = "certificates/certificate.css"
ZWSP = "\u200b"

FONT_FACES = [
    # (family, weight, static path); the stack puts Latin first. See
    # certificates/static/certificates/fonts/README.txt for what the subsets hold.
    ("Sala Latin", 400, "certificates/fonts/NotoSans-Regular.woff2"),
    ("Sala Latin", 700, "certificates/fonts/NotoSans-Bold.woff2"),
    ("Sala Khmer", 400, "certificates/fonts/NotoSansKhmer-Regular.woff2"),
    ("Sala Khmer", 700, "certificates/fonts/NotoSansKhmer-Bold.woff2"),
]


class RenderError(Exception):
    """The certificate could not be rendered."""


# --- Text -----------------------------------------------------------------------


def khmer_breakable(text: str) -> str:
    """``text`` in NFC with a zero-width space between Khmer words, so the renderer
    can wrap long Khmer lines. The characters themselves are left as typed."""
    text = unicodedata.normalize("NFC", text or "")

    def split(match):
        run = match.group(0)
        words = _words(run)
        return ZWSP.join(words) if "".join(words) == run else run

    return KHMER_RE.sub(split, text)


@lru_cache(maxsize=4096)
def _words(run: str) -> tuple[str, ...]:
    return tuple(khmer_words(run))


# --- ActualText -----------------------------------------------------------------

_actual_text = contextvars.ContextVar("certificate_actual_text", default=False)
_original_draw_first_line = weasy_text.draw_first_line


def _draw_first_line_with_actual_text(stream, textbox, *args, **kwargs):
    if not _actual_text.get():
        return _original_draw_first_line(stream, textbox, *args, **kwargs)
    text = ZERO_WIDTH_RE.sub("", textbox.text)
    stream.begin_marked_content(
        "Span", pydyf.Dictionary({"ActualText": pydyf.String(text)})
    )
    try:
        return _original_draw_first_line(stream, textbox, *args, **kwargs)
    finally:
        stream.end_marked_content()


# Only while one of our renders runs (see _actual_text); other WeasyPrint callers in
# the same process draw exactly as before.
weasy_text.draw_first_line = _draw_first_line_with_actual_text


# --- URL fetcher ----------------------------------------------------------------


class ProjectFilesFetcher(weasyprint.URLFetcher):
    """Serves ``sala://static/…`` and ``sala://media/…``; refuses everything else.

    ``refused`` lists the URLs turned away and ``missing`` the project files that
    could not be read.
    """

    def __init__(self):
        super().__init__(allowed_protocols=[SCHEME], allow_redirects=False)
        self.refused = []
        self.missing = []

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        path = unquote(parts.path).lstrip("/")
        if parts.scheme != SCHEME or not path or ".." in path.split("/"):
            self.refused.append(url)
            raise ValueError(f"URL not allowed in certificates: {url[:200]}")
        if parts.netloc not in ("static", "media"):
            self.refused.append(url)
            raise ValueError(f"URL not allowed in certificates: {url[:200]}")
        try:
            if parts.netloc == "static":
                body = _static_bytes(path)
            else:
                with default_storage.open(path, "rb") as handle:
                    body = handle.read()
        except Exception:
            # A logo or signature that cannot be read must not silently vanish
            # from a certificate: pdf_render fails instead.
            self.missing.append(url)
            raise
        mime_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return weasyprint.urls.URLFetcherResponse(
            url, body, {"Content-Type": mime_type}
        )


@lru_cache(maxsize=64)
def _static_bytes(path: str) -> bytes:
    found = finders.find(path)
    if not found:
        raise FileNotFoundError(path)
    with open(found, "rb") as handle:
        return handle.read()


def static_url(path: str) -> str:
    return f"{SCHEME}://static/{path}"


def media_url(name: str) -> str:
    return f"{SCHEME}://media/{name}"


# --- Stylesheets and fonts, built once per thread ------------------------------

_local = threading.local()


def font_face_css() -> str:
    rules = []
    for family, weight, path in FONT_FACES:
        rules.append(
            f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
            f'src: url("{static_url(path)}") format("woff2"); }}'
        )
    return "\n".join(rules)


def stylesheet_css() -> str:
    """The certificate stylesheet, with the bundled font faces first."""
    return font_face_css() + "\n" + _static_bytes(STYLESHEET).decode("utf-8")


def _prepared():
    """(FontConfiguration, [CSS]) for this thread, parsed once: fonts and
    stylesheets are what a warm render saves over a cold one."""
    prepared = getattr(_local, "prepared", None)
    if prepared is None:
        font_config = FontConfiguration()
        css = weasyprint.CSS(
            string=stylesheet_css(),
            url_fetcher=ProjectFilesFetcher(),
            font_config=font_config,
        )
        prepared = _local.prepared = (font_config, [css])
    return prepared


# --- QR code --------------------------------------------------------------------


def qr_svg(url: str) -> str:
    """An inline SVG QR code for ``url`` (sized by CSS through its viewBox)."""
    qr = segno.make(url, error="m", micro=False)
    return mark_safe(qr.svg_inline(omitsize=True, border=2, dark="#000"))  # noqa: S308


# --- Rendering ------------------------------------------------------------------


def certificate_html(context: dict) -> str:
    """The certificate's HTML. Every value in ``context`` is escaped by the
    template engine; only ``qr_svg`` (built here) is markup."""
    return render_to_string("certificates/pdf/certificate.html", context)


def pdf_render(html: str, *, attachments=()) -> bytes:
    """Render ``html`` to PDF bytes with the bundled fonts and the closed fetcher.

    ``attachments`` are (file name, bytes, description) embedded in the PDF.
    Refused URLs raise RenderError: a certificate is never issued with a hole in it.
    """
    font_config, stylesheets = _prepared()
    fetcher = ProjectFilesFetcher()
    token = _actual_text.set(True)
    try:
        document = weasyprint.HTML(string=html, url_fetcher=fetcher, base_url=None)
        pdf = document.write_pdf(
            stylesheets=stylesheets,
            font_config=font_config,
            attachments=[
                weasyprint.Attachment(
                    string=data,
                    name=name,
                    description=description,
                    url_fetcher=fetcher,
                    relationship="Supplement",
                )
                for name, data, description in attachments
            ],
            pdf_identifier=None,
        )
    except Exception as error:
        raise RenderError(str(error)) from error
    finally:
        _actual_text.reset(token)
    if fetcher.refused:
        raise RenderError(f"Refused to fetch: {', '.join(fetcher.refused)[:500]}")
    if fetcher.missing:
        raise RenderError(f"Could not read: {', '.join(fetcher.missing)[:500]}")
    return pdf


def image_tag(name: str, *, alt: str, css_class: str) -> str:
    """An <img> for an uploaded file, served through the closed fetcher."""
    return format_html(
        '<img src="{}" alt="{}" class="{}">', media_url(name), alt, css_class
    )


_SPACES = re.compile(r"\s+")


def extracted_text_normalize(text: str) -> str:
    """Text as a reader extracts it, comparable with what was entered: NFC, no
    zero-width characters, runs of white space as one space."""
    text = ZERO_WIDTH_RE.sub("", unicodedata.normalize("NFC", text))
    return _SPACES.sub(" ", text).strip()
