"""PDF reports with WeasyPrint, whose URL fetcher only reads the project's static
files: a name or a course title cannot make the renderer fetch anything else."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import render_to_string

STATIC_SCHEME = "sala-static:"


def static_only_fetcher():
    """A WeasyPrint URL fetcher that resolves ``sala-static:<path>`` to a file the
    staticfiles finders find (or collected in STATIC_ROOT) and refuses every other
    URL. WeasyPrint is imported here: loading it (and Pango) costs time that
    pages without a PDF should not pay."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if not url.startswith(STATIC_SCHEME):
                raise ValueError(f"Refused to fetch {url!r}: not a static file.")
            path = static_path(url[len(STATIC_SCHEME) :])
            content_type = (
                mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            )
            return URLFetcherResponse(
                url, path.read_bytes(), {"Content-Type": content_type}
            )

    return StaticOnlyFetcher()


def static_path(relative: str) -> Path:
    relative = relative.lstrip("/")
    if ".." in Path(relative).parts:
        raise ValueError(f"Refused static path {relative!r}.")
    found = finders.find(relative)
    if found:
        return Path(found)
    if staticfiles_storage.exists(relative):
        return Path(staticfiles_storage.path(relative))
    raise FileNotFoundError(relative)


def render_pdf(template_name: str, context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template_name, {**context, "static_scheme": STATIC_SCHEME})
    return HTML(
        string=html, base_url=STATIC_SCHEME, url_fetcher=static_only_fetcher()
    ).write_pdf()
