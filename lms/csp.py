"""Content-Security-Policy for every page Sala serves: the public site, the
learner pages and both admins.

Scripts run only from Sala's own origin, or inline when they carry the nonce of
the request (``{% csp_nonce %}``; Sala's own templates have no inline script,
but a few of Wagtail's admin templates do, and ``lms/templates/wagtailadmin``
gives them the nonce). No ``'unsafe-inline'`` for scripts, so an injected
``<script>`` or ``onclick=`` never runs. Styles allow inline ``style=``
attributes: charts draw their bars with them, and a style cannot run code.

The nonce is kept in a context variable for the time of the request, because
form widgets are rendered without the request in their context.
"""

import logging
import secrets
from contextvars import ContextVar

from django.conf import settings
from django.core.files.storage import default_storage

from lms.storage import url_origin

logger = logging.getLogger(__name__)

_nonce: ContextVar[str] = ContextVar("csp_nonce", default="")


def current_nonce() -> str:
    """The nonce of the request being answered ("" outside a request)."""
    return _nonce.get()


def media_origins() -> list[str]:
    """The origins, other than Sala's own, that media URLs point at: none on the
    local disk; the bucket's address on S3-compatible storage (lms.storage)."""
    # Imported here: this module is loaded while the apps are (LmsConfig.ready).
    from wagtail.images.models import get_rendition_storage

    origins = []
    for storage in (default_storage, get_rendition_storage()):
        try:
            origin = url_origin(storage)
        except Exception:
            # No credentials yet, say: the page is served, its images from the
            # bucket are blocked until the next response finds the origin.
            logger.exception("media URL origin unknown")
            continue
        if origin and origin not in origins:
            origins.append(origin)
    return origins


def policy(nonce: str) -> str:
    sources = {
        "default-src": ["'self'"],
        "script-src": ["'self'", f"'nonce-{nonce}'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        # Renditions on S3-compatible storage come from the bucket's address.
        "img-src": ["'self'", "data:", "blob:", *media_origins()],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "media-src": ["'self'"],
        # Lesson videos are embedded from their hosts (settings.SALA_CSP_FRAME_SRC).
        "frame-src": ["'self'", *settings.SALA_CSP_FRAME_SRC],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in sources.items())


class ContentSecurityPolicyMiddleware:
    """A fresh nonce per request, and the policy header on every response that
    has none of its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce
        token = _nonce.set(nonce)
        try:
            response = self.get_response(request)
        finally:
            _nonce.reset(token)
        header = (
            "Content-Security-Policy-Report-Only"
            if settings.SALA_CSP_REPORT_ONLY
            else "Content-Security-Policy"
        )
        if settings.SALA_CSP and header not in response:
            response[header] = policy(nonce)
        return response


def nonce_wagtail_choosers() -> None:
    """Wagtail's chooser widgets (page, image, snippet) write their inline
    ``<script>`` in Python (``BaseChooser.render``), where no template can add the
    nonce: give it to them there. Run once, from ``LmsConfig.ready``."""
    from django.utils.safestring import mark_safe
    from wagtail.admin.widgets.chooser import BaseChooser

    if getattr(BaseChooser.render, "sala_nonce", False):
        return
    render = BaseChooser.render

    def render_with_nonce(self, *args, **kwargs):
        html = render(self, *args, **kwargs)
        return mark_safe(
            html.replace("<script>", f'<script nonce="{current_nonce()}">')
        )

    render_with_nonce.sala_nonce = True
    BaseChooser.render = render_with_nonce
