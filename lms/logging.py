"""Logs that an operator can search: one JSON object per line, each carrying the
id of the request it belongs to.

The proxy names each request (nginx's ``$request_id``, sent as ``X-Request-ID``);
`RequestIdMiddleware` keeps that name, or makes one when the request came without,
for as long as the request runs, and returns it in the response. `RequestContextFilter`,
set on the handlers in ``LOGGING``, copies it, the path and the user's id (when the
request has already loaded its user) onto every record, so a line from a service
deep inside a view still says which request wrote it. `JsonFormatter` writes the
record, and any ``extra`` fields it was given, as one JSON object.

``LOG_FORMAT`` picks the format: ``json`` in production, ``text`` elsewhere.
Error reporting to Sentry starts only when ``SENTRY_DSN`` is set (`sentry_init`).
"""

import contextvars
import json
import logging
import re
import uuid
from datetime import UTC, datetime

from django.core.signals import request_finished
from django.dispatch import receiver
from django.utils.functional import SimpleLazyObject, empty

REQUEST_ID_HEADER = "X-Request-ID"

# A proxy's id is kept only when it looks like one: it ends up in every log line
# and in a response header, so it must not carry markup, spaces or line breaks.
_REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,128}")

_request = contextvars.ContextVar("sala_request", default=None)
_request_id = contextvars.ContextVar("sala_request_id", default="")

# Attributes every LogRecord has; whatever else a record carries came from
# ``extra=`` and belongs in the JSON object.
_RECORD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None))
) | {"message", "asctime", "request_id", "path", "user_id"}


def request_id_get() -> str:
    """The id of the request being served in this context ("" outside a request)."""
    return _request_id.get()


def _request_id_from(request) -> str:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    if _REQUEST_ID_PATTERN.fullmatch(given):
        return given
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Name each request, for every log line it writes and for the response.

    Placed first in ``MIDDLEWARE``, so that the other middleware's lines are
    named too. Context variables rather than thread locals: they are right under
    gunicorn's threads and under ASGI alike. Each request sets them afresh.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = _request_id_from(request)
        _request_id.set(request.request_id)
        _request.set(request)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        return response


@receiver(request_finished, dispatch_uid="lms.logging.forget_request")
def _forget_request(**kwargs):
    """Clear the request's context once its response is sent, not when the
    middleware returns: Django logs a 4xx/5xx response after the middleware has
    run (django.request), and that line belongs to the request too."""
    _request.set(None)
    _request_id.set("")


def _loaded_user_id(request):
    """The user's id if the request has already looked its user up, else None.

    A log line must never be the reason for a session or user query (nor run one
    while the database is what is failing), so a user still lazy stays unread.
    """
    user = getattr(request, "user", None)
    if user is None:
        return None
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        return None
    if not getattr(user, "is_authenticated", False):
        return None
    return user.pk


class RequestContextFilter(logging.Filter):
    """Put the request's id, path and user id on each record (empty outside one)."""

    def filter(self, record):
        request = _request.get()
        record.request_id = _request_id.get()
        record.path = getattr(request, "path", "") if request is not None else ""
        record.user_id = _loaded_user_id(request) if request is not None else None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id,
    path, user_id, the exception if any, then the record's ``extra`` fields."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", ""),
            "path": getattr(record, "path", ""),
            "user_id": getattr(record, "user_id", None),
        }
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = value
        # default=str: an extra value JSON cannot hold (a date, a model) is still
        # written, as its text, rather than losing the line.
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_config(*, log_format: str, level: str) -> dict:
    """The ``LOGGING`` setting: everything to stderr (journald keeps it), in
    ``log_format`` ("json" or "text")."""
    if log_format not in ("json", "text"):
        raise ValueError(f"LOG_FORMAT must be json or text, not {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_context": {"()": "lms.logging.RequestContextFilter"}},
        "formatters": {
            "json": {"()": "lms.logging.JsonFormatter"},
            "text": {
                "format": "%(asctime)s %(levelname)s %(name)s "
                "[%(request_id)s] %(message)s"
            },
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["request_context"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
    }


def _sentry_before_send(event, hint):
    request_id = request_id_get()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    request = _request.get()
    user_id = _loaded_user_id(request) if request is not None else None
    if user_id is not None:
        event["user"] = {"id": str(user_id)}
    return event


def sentry_init(*, dsn: str, environment: str, traces_sample_rate: float) -> None:
    """Report errors (web and worker) to Sentry, without personal data.

    sentry-sdk is imported here, only when a DSN is configured, so a site that
    does not report errors does not load it. Its Django, Celery and logging
    integrations switch themselves on; ``send_default_pii`` stays off, so user
    e-mail addresses, cookies and client addresses are not sent (the user's id
    is), and each event is tagged with the request id of the log lines around it.
    """
    try:
        import sentry_sdk
    except ImportError as error:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "SENTRY_DSN is set but sentry-sdk is not installed."
        ) from error
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        send_default_pii=False,
        traces_sample_rate=traces_sample_rate,
        before_send=_sentry_before_send,
    )
