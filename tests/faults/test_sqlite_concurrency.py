"""The embedded SQLite default queues concurrent writers instead of failing.

Two learners submit quiz attempts at the same moment, each twice (a double click),
round after round, against gunicorn with two worker processes on a SQLite file:
no answer is a 500 ("database is locked"), and each attempt is scored once.
"""

import os
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from courses import services as course_services
from tests.assessments.conftest import (  # noqa: F401
    bank,
    framework,
    make_question,
    make_quiz,
    right_answers,
    site_tree,
)
from tests.courses.conftest import make_course
from tests.faults.conftest import spare_port

BASE_DIR = Path(__file__).resolve().parent.parent.parent
ROUNDS = 4


class Server:
    """gunicorn, two worker processes, on a SQLite file, with the test settings."""

    def __init__(self, database: Path, log: Path):
        self.port = spare_port()
        self.log = log
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "DATABASE_", "CELERY_", "CACHE_"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="lms.settings.test",
            DJANGO_SECRET_KEY=settings.SECRET_KEY,  # the sessions' signatures
            DATABASE_URL=f"sqlite:///{database}",
        )
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "lms.wsgi",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
                # One import of the site, then two forks: quicker to start.
                "--preload",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.log.read_text())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                # Both workers import the site: ask until a page answers.
                requests.get(f"{self.url}/en/", timeout=30)
                return
            except (OSError, requests.RequestException):
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start:\n" + self.log.read_text())

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Learner:
    """A logged-in browser: a session made by the test, a CSRF cookie."""

    def __init__(self, user):
        client = Client()
        client.force_login(user)
        self.csrf = secrets.token_hex(16)  # 32 characters: an unmasked secret
        self.cookies = {
            settings.SESSION_COOKIE_NAME: client.cookies[
                settings.SESSION_COOKIE_NAME
            ].value,
            settings.CSRF_COOKIE_NAME: self.csrf,
        }
        self.base_url = None  # the server's, once it runs

    def post(self, path, data=None):
        response = requests.post(
            self.base_url + path,
            data=data or {},
            cookies=self.cookies,
            headers={"X-CSRFToken": self.csrf},
            allow_redirects=False,
            timeout=60,
        )
        return response.status_code, response.headers.get("Location", ""), response


def _copy_test_database(path: Path):
    """The test database (in memory, migrated, with this test's rows committed)
    into a file that other processes can open."""
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
    finally:
        target.close()


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_on_sqlite_are_queued_and_scored_once(
    tmp_path,
    django_user_model,
    site_tree,  # noqa: F811
    framework,  # noqa: F811
    bank,  # noqa: F811
):
    if connection.vendor != "sqlite":
        pytest.skip("about the embedded SQLite default")
    course, _ = make_course(site_tree, framework, lessons=1)
    questions = [
        make_question(bank, framework, kind="single", key="s1"),
        make_question(bank, framework, kind="true_false", key="tf"),
        make_question(bank, framework, kind="multiple", key="m", competence="1.2"),
    ]
    quiz = make_quiz(
        course,
        questions,
        shuffle_questions=False,
        shuffle_choices=False,
        attempts_allowed=0,
    )
    users = []
    for number in (1, 2):
        user = django_user_model.objects.create_user(
            email=f"learner{number}@example.org", password="x-pass-123"
        )
        course_services.enrolment_create(user=user, course=course)
        users.append(user)
    answers = right_answers(questions)
    start_path = reverse("assessments:start", args=[quiz.pk])
    learners = [Learner(user) for user in users]  # sessions in the database

    database = tmp_path / "sala.sqlite3"
    _copy_test_database(database)
    server = Server(database, tmp_path / "gunicorn.log")
    try:
        server.wait_ready()
        for learner in learners:
            learner.base_url = server.url
        results = []
        with ThreadPoolExecutor(max_workers=4) as pool:
            for _ in range(ROUNDS):
                together = threading.Barrier(2)

                def start(learner, together=together):
                    together.wait()
                    return learner.post(start_path)

                started = list(pool.map(start, learners))
                for status, _, response in started:
                    assert status == 302, (status, response.text[:500])
                attempt_paths = [location for _, location, _ in started]
                together = threading.Barrier(4)

                def submit(job, together=together):
                    learner, attempt_path = job
                    together.wait()
                    return attempt_path, learner.post(attempt_path + "submit/", answers)

                jobs = [
                    (learner, path)
                    for learner, path in zip(learners, attempt_paths, strict=True)
                ] * 2
                results.extend(pool.map(submit, jobs))
    finally:
        server.stop()
    log = server.log.read_text()

    errors = [
        (path, status, response.text[:300])
        for path, (status, _, response) in results
        if status >= 500
    ]
    assert not errors, errors
    assert "database is locked" not in log, log[-3000:]
    by_attempt = {}
    for path, (status, _, _) in results:
        by_attempt.setdefault(path, []).append(status)
    assert len(by_attempt) == ROUNDS * 2
    for statuses in by_attempt.values():
        # One submit scores; its twin either scored nothing (the attempt was
        # already submitted: 409) or found it scored and showed the result.
        assert 302 in statuses and set(statuses) <= {302, 409}, statuses

    # What the server wrote, read with sqlite3 itself.
    db = sqlite3.connect(database)
    try:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        attempts = db.execute(
            "SELECT id, status, percent FROM assessments_attempt ORDER BY id"
        ).fetchall()
        assert len(attempts) == ROUNDS * 2
        ids = {
            int(re.search(r"/attempts/(\d+)/", path).group(1)) for path in by_attempt
        }
        assert ids == {row[0] for row in attempts}
        for attempt_id, status, percent in attempts:
            assert status == "submitted"
            assert float(percent) == 100
            [(responses,)] = db.execute(
                "SELECT COUNT(*) FROM assessments_response WHERE attempt_id = ?",
                (attempt_id,),
            )
            assert responses == len(questions)
            [(competences,)] = db.execute(
                "SELECT COUNT(*) FROM assessments_competenceresult "
                "WHERE attempt_id = ?",
                (attempt_id,),
            )
            assert competences == 2
    finally:
        db.close()
