"""deploy/: the systemd units pass systemd-analyze, the nginx site passes
nginx -t, the example environment lists every setting and agrees with both, and
gunicorn started as the web unit starts it answers behind nginx."""

import gzip
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.processes import (
    BASE_DIR,
    NGINX,
    UNITS_DIR,
    Nginx,
    dead_port,
    production_env,
    run_python,
    unit_command,
    unit_settings,
    wait_for_http,
)

UNITS = ["sala-web.service", "sala-worker.service", "sala-beat.service"]
ENV_EXAMPLE = BASE_DIR / "deploy" / "sala.env.example"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")

needs_nginx = pytest.mark.skipif(
    NGINX is None, reason="needs nginx (apt-get install nginx or nginx-light)"
)


def env_file(path: Path) -> dict[str, str]:
    """NAME=value lines as systemd's EnvironmentFile reads them (quotes removed),
    the commented examples (#NAME=default) included."""
    values = {}
    for line in path.read_text().splitlines():
        match = re.fullmatch(r"#?([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if match:
            name, value = match.groups()
            values[name] = value[1:-1] if value[:1] == value[-1:] == '"' else value
    return values


def active_env(path: Path) -> dict[str, str]:
    return {
        name: value
        for name, value in env_file(path).items()
        if not re.search(rf"^#{name}=", path.read_text(), re.MULTILINE)
    }


# --- systemd -------------------------------------------------------------------


@pytest.mark.parametrize("unit", UNITS)
def test_each_unit_restarts_is_limited_and_hardened(unit):
    settings = unit_settings(unit)
    assert settings["Restart"] == ["always"]
    assert settings["User"] == ["sala"] and settings["Group"] == ["sala"]
    assert settings["EnvironmentFile"] == ["/etc/sala/sala.env"]
    for limit in ("MemoryMax", "TasksMax", "LimitNOFILE"):
        assert len(settings[limit]) == 1, limit
    assert settings["NoNewPrivileges"] == ["yes"]
    assert settings["ProtectSystem"] == ["strict"]
    assert settings["PrivateTmp"] == ["yes"]
    assert settings["ReadWritePaths"]
    assert settings["WantedBy"] == ["multi-user.target"]


def test_the_units_write_where_the_settings_put_files():
    env = active_env(ENV_EXAMPLE)
    for unit in ("sala-web.service", "sala-worker.service"):
        assert unit_settings(unit)["ReadWritePaths"] == [env["MEDIA_ROOT"]]
    [beat_dir] = unit_settings("sala-beat.service")["ReadWritePaths"]
    [command] = unit_settings("sala-beat.service")["ExecStart"]
    assert f"--schedule {beat_dir}/" in command


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="needs systemd-analyze (systemd)")
def test_systemd_analyze_verify_passes(tmp_path):
    """On copies whose paths exist here: verify checks that each ExecStart is an
    executable and each unit's settings are known to this systemd."""
    venv_bin = Path(sys.executable).parent
    env = tmp_path / "sala.env"
    env.write_text(ENV_EXAMPLE.read_text())
    for unit in UNITS:
        text = (UNITS_DIR / unit).read_text()
        for old, new in {
            "/opt/sala/.venv/bin/": f"{venv_bin}/",
            "/opt/sala": str(BASE_DIR),
            "/etc/sala/sala.env": str(env),
            "/var/lib/sala": str(tmp_path),
        }.items():
            text = text.replace(old, new)
        (tmp_path / unit).write_text(text)
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", *(str(tmp_path / unit) for unit in UNITS)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    about_ours = [line for line in result.stderr.splitlines() if "sala-" in line]
    assert result.returncode == 0, result.stderr
    assert about_ours == []


# --- the example environment ---------------------------------------------------


def settings_read_from_environment() -> set[str]:
    names = set()
    for path in (BASE_DIR / "lms" / "settings").glob("*.py"):
        names |= set(
            re.findall(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", path.read_text())
        )
    return names


def test_the_example_environment_lists_every_setting():
    listed = set(env_file(ENV_EXAMPLE))
    read = settings_read_from_environment()
    assert len(read) > 30  # the pattern still finds them
    assert read - listed == set(), "add them to deploy/sala.env.example"
    assert listed - read - {"DJANGO_SETTINGS_MODULE"} == set(), "not read anywhere"


def test_the_example_environment_configures_production_as_nginx_expects(tmp_path):
    """Filled in (secrets, a reachable database), the example loads the
    production settings, with the paths the nginx site and the units use."""
    env = active_env(ENV_EXAMPLE)
    assert env["DJANGO_SETTINGS_MODULE"] == "lms.settings.production"
    values = production_env(
        tmp_path,
        **{
            **env,
            "DJANGO_SECRET_KEY": "s" * 60,
            "CERTIFICATES_KEK": "k" * 48,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        },
    )
    result = run_python(
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([str(s.MEDIA_ROOT), str(s.STATIC_ROOT), "
        "s.SALA_MEDIA_ACCEL_REDIRECT, s.LOGGING['handlers']['console']['formatter'], "
        "s.CACHES['default']['BACKEND'], s.CELERY_TASK_ALWAYS_EAGER, "
        "s.CERTIFICATES_TRUSTED_PROXY_COUNT]))",
        values,
    )
    assert result.returncode == 0, result.stderr
    media, static, accel, log_format, cache, eager, proxies = json.loads(
        result.stdout.splitlines()[-1]
    )
    site = (BASE_DIR / "deploy" / "nginx" / "sala.conf").read_text()
    assert f"location {accel} {{\n        internal;\n        alias {media}/;" in site
    assert f"location /static/ {{\n        alias {static}/;" in site
    assert f"location /media/images/ {{\n        alias {media}/images/;" in site
    assert log_format == "json"
    assert cache.endswith("RedisCache") and eager is False
    assert proxies == 1


# --- nginx -----------------------------------------------------------------------


@pytest.fixture
def site_dirs(tmp_path):
    static, media = tmp_path / "static", tmp_path / "media"
    (static / "css").mkdir(parents=True)
    css = (BASE_DIR / "lms" / "static" / "css" / "sala.css").read_bytes()
    (static / "css" / "sala.css").write_bytes(css)
    (static / "css" / "sala.0123456789ab.css").write_bytes(css)
    (media / "images").mkdir(parents=True)
    (media / "images" / "logo.max-165x165.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (media / "certificates" / "2026" / "01").mkdir(parents=True)
    (media / "certificates" / "2026" / "01" / "ABC.pdf").write_bytes(b"%PDF-1.7 x")
    (tmp_path / "nginx").mkdir()
    return {"static": static, "media": media, "nginx": tmp_path / "nginx", "css": css}


@needs_nginx
def test_nginx_t_accepts_the_site(site_dirs):
    nginx = Nginx(
        site_dirs["nginx"],
        upstream_port=dead_port(),
        static_root=site_dirs["static"],
        media_root=site_dirs["media"],
    )
    result = nginx.test()
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


@pytest.fixture
def gunicorn(tmp_path):
    """gunicorn started with the web unit's own command line and production
    settings (two workers, a port of its own, its control socket in tmp)."""
    port = dead_port()
    command = unit_command(
        "sala-web.service",
        **{
            "127.0.0.1:8000": f"127.0.0.1:{port}",
            "--workers 4": "--workers 2",
            "/run/sala-web/gunicorn.ctl": str(tmp_path / "gunicorn.ctl"),
        },
    )
    log = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        command,
        cwd=BASE_DIR,
        env=production_env(tmp_path),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_http(
            f"http://127.0.0.1:{port}/healthz",
            process=process,
            headers={"Host": "sala.example.org"},
        )
        yield {"port": port, "log": tmp_path / "gunicorn.log"}
    finally:
        process.terminate()
        process.wait(30)
        log.close()


@needs_nginx
def test_gunicorn_as_the_unit_runs_it_behind_nginx(site_dirs, gunicorn):
    nginx = Nginx(
        site_dirs["nginx"],
        upstream_port=gunicorn["port"],
        static_root=site_dirs["static"],
        media_root=site_dirs["media"],
    )
    nginx.start()
    try:
        # http:// goes to https://.
        status, headers, _ = nginx.get("/healthz", https=False)
        assert status == 301
        assert headers["Location"] == "https://sala.example.org/healthz"

        # Through nginx to gunicorn: nginx's request id reaches Django and back.
        status, headers, body = nginx.get("/healthz")
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        request_id = headers["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", request_id)

        # /readyz: the production database here has no tables, so the backlog
        # check fails; its log line (JSON, gunicorn's stderr) names the request.
        status, headers, body = nginx.get("/readyz")
        assert status == 503 and json.loads(body)["down"] == ["backlog"]
        ready_id = headers["X-Request-ID"]
        time.sleep(0.2)
        lines = [
            json.loads(line)
            for line in gunicorn["log"].read_text().splitlines()
            if line.startswith("{")
        ]
        ours = [line for line in lines if line["request_id"] == ready_id]
        assert [line["message"] for line in ours] == [
            "Readiness check backlog failed",
            "Not ready: backlog down",
        ]
        assert {line["path"] for line in ours} == {"/readyz"}
        assert "no such table" in ours[0]["exc_info"]

        # Static files: compressed when asked, cached a year when hashed.
        status, headers, body = nginx.get(
            "/static/css/sala.css", headers={"Accept-Encoding": "gzip"}
        )
        assert status == 200 and headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(body) == site_dirs["css"]
        assert headers["Cache-Control"] == "public, max-age=86400"
        assert "Accept-Encoding" in headers["Vary"]
        status, headers, body = nginx.get("/static/css/sala.css")
        assert "Content-Encoding" not in headers and body == site_dirs["css"]
        status, headers, _ = nginx.get("/static/css/sala.0123456789ab.css")
        assert status == 200
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"

        # Media: renditions public, everything else not reachable by URL.
        assert nginx.get("/media/images/logo.max-165x165.png")[0] == 200
        assert nginx.get("/media/certificates/2026/01/ABC.pdf")[0] == 404
        assert nginx.get("/_protected_media/certificates/2026/01/ABC.pdf")[0] == 404

        # nginx's access log is JSON too, with the same request ids.
        logged = {entry["request_id"]: entry for entry in nginx.access_log()}
        assert logged[request_id]["uri"] == "/healthz"
        assert logged[request_id]["status"] == 200
        assert logged[ready_id]["status"] == 503
    finally:
        nginx.stop()
