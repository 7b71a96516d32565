"""Production: requires secrets from the environment and tightens security."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")  # noqa: F405
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("insecure"):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be a long random value.")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")  # noqa: F405

# The certificate signing keys are encrypted with a key-encryption key of their
# own, never with SECRET_KEY, so that rotating one never locks the other.
if not CERTIFICATES_KEK:  # noqa: F405
    raise ImproperlyConfigured(
        "CERTIFICATES_KEK must be set: the key-encryption key of the certificate "
        "signing keys (a long random value, e.g. `python -c 'import "
        "secrets; print(secrets.token_urlsafe(48))'`), kept apart from database "
        "backups. See the README, Production, Keys, backup and rotation."
    )
if len(CERTIFICATES_KEK) < 32 or CERTIFICATES_KEK in (  # noqa: F405
    SECRET_KEY,
    *SECRET_KEY_FALLBACKS,  # noqa: F405
):
    raise ImproperlyConfigured(
        "CERTIFICATES_KEK must be a long random value (32 or more characters) "
        "different from DJANGO_SECRET_KEY."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)  # noqa: F405
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)  # noqa: F405
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Probes may ask gunicorn directly, over plain HTTP on the loopback (README):
# answered there, not sent to https.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# One JSON object per log line, for journald and log shippers (LOG_FORMAT=text
# for a person reading the console).
LOG_FORMAT = env("LOG_FORMAT", default="json")  # noqa: F405
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)  # noqa: F405
