"""JSON logs with the request's id, as production writes them."""

import importlib.util
import io
import json
import logging
import sys
from pathlib import Path

import pytest

from lms.logging import JsonFormatter, RequestContextFilter
from tests.factories import UserFactory
from tests.processes import production_env, run_python


@pytest.fixture
def json_lines():
    """What the root logger writes during the test, through the formatter and
    filter that production's LOGGING sets, as parsed JSON objects."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


def _not_found_lines(lines, path):
    return [
        line
        for line in lines
        if line["logger"] == "django.request" and line["path"] == path
    ]


@pytest.mark.django_db
def test_a_request_logs_json_with_the_proxy_request_id(client, json_lines):
    path = "/en/learning/certificates/NOSUCHCODE/download/"
    user = UserFactory()
    client.force_login(user)
    response = client.get(path, headers={"X-Request-ID": "nginx-5f2c9a"})
    assert response.status_code == 404
    assert response["X-Request-ID"] == "nginx-5f2c9a"
    [line] = _not_found_lines(json_lines(), path)
    assert line["level"] == "WARNING"
    assert line["request_id"] == "nginx-5f2c9a"
    assert line["message"] == f"Not Found: {path}"
    # login_required looked the user up, so the line names them.
    assert line["user_id"] == user.pk
    assert line["time"].endswith("+00:00")


@pytest.mark.django_db
def test_a_request_without_an_id_gets_one(client, json_lines):
    path = "/en/no-such-page/"
    response = client.get(path)
    assert response.status_code == 404
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32 and int(request_id, 16) >= 0
    [line] = _not_found_lines(json_lines(), path)
    assert line["request_id"] == request_id
    assert line["user_id"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "given", ["two words", "x" * 129, "<script>", "id\r\nSet-Cookie: a=b"]
)
def test_a_malformed_request_id_is_replaced(client, given):
    response = client.get("/en/no-such-page/", headers={"X-Request-ID": given})
    assert response["X-Request-ID"] != given
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_requests_do_not_share_an_id(client, json_lines):
    first = client.get("/en/no-such-page/", headers={"X-Request-ID": "first"})
    logging.getLogger("sala.test").warning("between requests")
    second = client.get("/en/no-such-page/")
    assert first["X-Request-ID"] == "first" != second["X-Request-ID"]
    lines = json_lines()
    ids = [line["request_id"] for line in _not_found_lines(lines, "/en/no-such-page/")]
    assert ids == ["first", second["X-Request-ID"]]
    [between] = [line for line in lines if line["logger"] == "sala.test"]
    assert between["request_id"] == "" and between["path"] == ""


def test_extra_fields_and_exceptions_are_part_of_the_object():
    formatter = JsonFormatter()
    logger = logging.getLogger("sala.sweeper")
    record = logger.makeRecord(
        "sala.sweeper",
        logging.INFO,
        __file__,
        1,
        "swept %(n)s",
        ({"n": 2},),
        None,
        extra={"requeued": 2, "failed": 0, "since": Path("/x")},
    )
    entry = json.loads(formatter.format(record))
    assert entry["message"] == "swept 2"
    assert (entry["requeued"], entry["failed"], entry["since"]) == (2, 0, "/x")
    try:
        raise ValueError("ខ្មែរ")
    except ValueError:
        record = logger.makeRecord(
            "sala.sweeper", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )
    entry = json.loads(formatter.format(record))
    assert "ValueError: ខ្មែរ" in entry["exc_info"]


_LOG_A_LINE = (
    "import django, logging; django.setup(); "
    "logging.getLogger('sala.check').warning('ready', extra={'workers': 4})"
)


def test_production_logs_json_by_default_and_text_when_asked(tmp_path):
    result = run_python(_LOG_A_LINE, production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    entry = json.loads(result.stderr.strip().splitlines()[-1])
    assert entry["logger"] == "sala.check" and entry["workers"] == 4
    result = run_python(_LOG_A_LINE, production_env(tmp_path, LOG_FORMAT="text"))
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().endswith("WARNING sala.check [] ready")


@pytest.mark.skipif(
    importlib.util.find_spec("sentry_sdk") is not None, reason="sentry-sdk is installed"
)
def test_a_sentry_dsn_without_sentry_sdk_refuses_to_start(tmp_path):
    """Errors must not be lost silently: a DSN with no client to send to stops
    the process at start, saying why."""
    env = production_env(tmp_path, SENTRY_DSN="https://key@sentry.example.org/1")
    result = run_python(_LOG_A_LINE, env)
    assert result.returncode != 0
    assert "SENTRY_DSN is set but sentry-sdk is not installed" in result.stderr
