"""Helpers for tests that run Sala as production runs it: in another process,
with production settings, against services started by the test."""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# Settings this machine's environment may carry (CI exports a database and a
# broker): none of them reaches a production process started by a test.
_SETTINGS_PREFIXES = (
    "DJANGO_",
    "DATABASE_",
    "CELERY_",
    "EMAIL_",
    "CACHE_",
    "CERTIFICATES_",
    "LOG_",
    "SENTRY_",
    "SALA_",
)


def production_env(tmp_path, **overrides) -> dict:
    """The environment production needs, secrets made up for the test, on an
    SQLite database in ``tmp_path``; an override of None removes a variable."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(_SETTINGS_PREFIXES)
    }
    env.update(
        DJANGO_SETTINGS_MODULE="lms.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(48),
        CERTIFICATES_KEK=secrets.token_urlsafe(48),
        DJANGO_ALLOWED_HOSTS="sala.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'production.sqlite3'}",
    )
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def run_python(code: str, env: dict, timeout: float = 120):
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def dead_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, *, process=None, timeout: float = 60, headers=None):
    """Poll ``url`` until it answers at all (any status); fail early when
    ``process`` (the server) has exited."""
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers=headers or {})
    while True:
        try:
            with urllib.request.urlopen(request, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            if process is not None and process.poll() is not None:
                message = f"the server exited with {process.returncode}"
                raise RuntimeError(message) from None
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


NGINX = shutil.which("nginx") or next(
    (path for path in ("/usr/sbin/nginx",) if os.access(path, os.X_OK)), None
)
SITE_CONF = BASE_DIR / "deploy" / "nginx" / "sala.conf"
HOST = "sala.example.org"


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for HOST and its key, as the site's TLS lines expect."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _substitute(text: str, replacements: dict[str, str]) -> str:
    """Replace each literal, failing loudly when the site file no longer has it
    (the test would otherwise run against paths of this machine)."""
    for old, new in replacements.items():
        assert old in text, f"deploy/nginx/sala.conf no longer contains {old!r}"
        text = text.replace(old, new)
    return text


class Nginx:
    """deploy/nginx/sala.conf under a main configuration of the test's own: its
    ports on the loopback, its paths in ``directory``, in front of
    ``upstream_port``; pid, logs and temporary files in ``directory`` too."""

    def __init__(self, directory: Path, *, upstream_port, static_root, media_root):
        self.directory = directory
        self.http_port, self.https_port = dead_port(), dead_port()
        cert, key = self_signed_certificate(directory)
        site = SITE_CONF.read_text()
        site = "\n".join(
            line for line in site.splitlines() if "listen [::]" not in line
        )
        site = _substitute(
            site,
            {
                "listen 80;": f"listen 127.0.0.1:{self.http_port};",
                "listen 443 ssl": f"listen 127.0.0.1:{self.https_port} ssl",
                "/etc/letsencrypt/live/sala.example.org/fullchain.pem": str(cert),
                "/etc/letsencrypt/live/sala.example.org/privkey.pem": str(key),
                "/var/lib/sala/static/": f"{static_root}/",
                "/var/lib/sala/media/": f"{media_root}/",
                "server 127.0.0.1:8000;": f"server 127.0.0.1:{upstream_port};",
                "/var/log/nginx/sala.access.log": str(directory / "access.log"),
                "/var/log/nginx/sala.error.log": str(directory / "error.log"),
                "/var/www/html": str(directory),
            },
        )
        (directory / "sala.conf").write_text(site)
        # As root (CI), the workers would run as nobody, who cannot read the
        # test's private temporary folder.
        user = "user root root;" if os.geteuid() == 0 else ""
        temp = {
            name: directory / name
            for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        }
        temp_lines = "\n".join(
            f"    {name}_temp_path {path};" for name, path in temp.items()
        )
        self.conf = directory / "nginx.conf"
        self.conf.write_text(
            f"""daemon off;
{user}
worker_processes 1;
pid {directory / "nginx.pid"};
error_log {directory / "main-error.log"};
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log off;
{temp_lines}
    include {directory / "sala.conf"};
}}
"""
        )
        self.process = None

    def _command(self, *args):
        return [
            NGINX,
            "-p",
            str(self.directory),
            "-e",
            str(self.directory / "main-error.log"),
            "-c",
            str(self.conf),
            *args,
        ]

    def test(self):
        return subprocess.run(
            self._command("-t"), capture_output=True, text=True, timeout=30
        )

    def start(self):
        self.process = subprocess.Popen(
            self._command(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.https_port), 0.2).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    message = self.process.stderr.read().decode()
                    raise RuntimeError(f"nginx did not start: {message}") from None
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def get(self, path, *, https=True, headers=None, method="GET"):
        """(status, headers, body) with the body as sent: no redirect followed,
        nothing decompressed."""
        import http.client
        import ssl

        if https:
            connection = http.client.HTTPSConnection(
                "127.0.0.1",
                self.https_port,
                timeout=30,
                context=ssl._create_unverified_context(),
            )
        else:
            connection = http.client.HTTPConnection(
                "127.0.0.1", self.http_port, timeout=30
            )
        try:
            connection.request(method, path, headers={"Host": HOST, **(headers or {})})
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def access_log(self) -> list[dict]:
        import json

        path = self.directory / "access.log"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines()]


UNITS_DIR = BASE_DIR / "deploy" / "systemd"


def unit_settings(name: str) -> dict[str, list[str]]:
    """A unit file's settings, each name with its values in order (a setting may
    repeat), continuation lines joined, comments left out."""
    settings: dict[str, list[str]] = {}
    logical = []
    pending = ""
    for line in (UNITS_DIR / name).read_text().splitlines():
        if not pending and line.lstrip().startswith(("#", ";")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    for line in logical:
        if "=" in line and not line.startswith("["):
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(" ".join(value.split()))
    return settings


def unit_command(name: str, **paths) -> list[str]:
    """The unit's ExecStart as a command for this checkout: the venv of this
    test run for /opt/sala/.venv, systemd's %% unescaped; ``paths`` replaces
    further literals (a port, a socket path)."""
    import shlex

    [command] = unit_settings(name)["ExecStart"]
    command = command.replace("/opt/sala/.venv/bin/", f"{Path(sys.executable).parent}/")
    for old, new in paths.items():
        assert old in command, f"{name}'s ExecStart no longer contains {old!r}"
        command = command.replace(old, new)
    return shlex.split(command.replace("%%", "%"))
