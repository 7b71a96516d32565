"""A fixed-window request budget per client address, kept in the cache.

Verification is public; the budget keeps anyone from trying codes in bulk (codes
are too many to guess anyway, see certificates.codes).

The count lives in the shared cache (Redis in production, see lms.checks), so N
gunicorn processes allow the limit, not N times it: one atomic INCR per request.
When the cache is down the budget fails open, with a log line: a verifier
reaching a certificate matters more than the strictness of a limit whose codes
cannot be guessed anyway. It is enforced again as soon as the cache answers.
"""

import logging
import time

from django.conf import settings
from django.core.cache import cache

from lms.cache import cache_unavailable, log_throttled

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60


def client_address(request) -> str:
    """The client's address. Behind N trusted reverse proxies
    (CERTIFICATES_TRUSTED_PROXY_COUNT), the Nth address from the right of
    X-Forwarded-For: the one the outermost trusted proxy saw; addresses further
    left were written by the client and prove nothing."""
    proxies = settings.CERTIFICATES_TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def verification_allowed(request) -> bool:
    """Count this request; False once the address spent its budget this minute."""
    limit = settings.CERTIFICATES_VERIFY_RATE_LIMIT
    if not limit:
        return True
    window = int(time.time() // WINDOW_SECONDS)
    key = f"certificates:verify:{client_address(request)}:{window}"
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr, or the cache is down
        cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
        count = 1
    if cache_unavailable(cache):
        log_throttled(
            logger,
            "certificates-verify-rate-limit",
            "Verification rate limit not enforced: the cache is unavailable "
            "(failing open until it answers again).",
        )
        return True
    return count <= limit
