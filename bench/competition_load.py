"""The start of a competition under load: N students open it in the same minute,
answer with autosave and submit; then check that nothing was lost or counted twice.

    .venv/bin/python bench/competition_load.py                 # 300 students, 60 s
    .venv/bin/python bench/competition_load.py --students 50 --ramp 20
    .venv/bin/python bench/competition_load.py --url http://127.0.0.1:8000 \\
        --database-url postgres://postgres@127.0.0.1:5432/sala   # a running site

What it does, all on this machine (loopback only, bounded by --students and the
think times):

1. Database: PostgreSQL at --database-url (default the ``sala_bench`` database on
   127.0.0.1, created when missing and migrated). It adds a question bank (if
   absent), a new contest open now whose blueprint draws 12 questions (2 per
   competence and level), and --students students with approved registrations.
   Each student gets a session made directly in the session store: students log in
   before a contest opens, and password hashing would otherwise dominate the
   figures of the moment measured here.
2. Server: unless --url is given, ``collectstatic`` into a temporary folder and
   gunicorn (gthread workers, persistent database connections) on a free port of
   127.0.0.1, with the project's base settings (DEBUG off) on that database; a few
   unrecorded requests warm the workers up, as on a site that has been running.
3. Load: one thread per student, each starting at a random moment within --ramp
   seconds: contest page, start, sitting page, one autosave per question after a
   think time (and a changed answer for about one question in five), submit, the
   receipt page, and for one student in ten a second submit (a double click).
   Threads and ``requests`` rather than Locust: the check afterwards needs to know
   exactly which answer each simulated student sent last, which is simplest to
   keep in the same process, and it adds no dependency.
4. Report: requests per second, latency percentiles (p50/p95/p99) overall and per
   step, errors.
5. Integrity, from the database: every student has one submitted sitting; every
   answer sent is stored exactly once, as last sent, and nothing else is stored;
   the audit log has one "answer saved" event per change and exactly one
   "submitted" event per sitting; each sitting has one score per competence, and
   its score equals a fresh scoring of its stored answers.

It prints figures; it asserts nothing about time. Exit status 1 if the integrity
check fails.
"""

import argparse
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/sala_bench"
SETTINGS = "lms.settings.base"
MAX_STUDENTS = 2000
THINK = (0.3, 1.5)  # seconds between two answers
RETRIES = 5  # after a lost connection, with 0.5 s, 1 s, 2 s... between attempts
QUESTIONS_PER_CELL = 4  # per competence and level in the bench bank
DRAW_PER_CELL = 2


# --- Set-up ------------------------------------------------------------------------


def database_ensure(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def manage(*args, env) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def django_setup(env) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def bench_bank():
    """A bank over two competences and three levels, of every choice kind."""
    from assessments.models import Choice, Question, QuestionBank, QuestionCompetence
    from competencies.services import framework_load_default

    framework = framework_load_default()
    bank, created = QuestionBank.objects.get_or_create(
        name_en="Load test bank", defaults={"name_km": "ធនាគារសំណួរសាកល្បងបន្ទុក"}
    )
    competences = list(framework.competences.order_by("code")[:2])
    levels = list(framework.levels.order_by("rank")[:3])
    if created:
        kinds = ["single", "multiple", "true_false", "ordering", "short_text"]
        number = 0
        for competence in competences:
            for level in levels:
                for _ in range(QUESTIONS_PER_CELL):
                    kind = kinds[number % len(kinds)]
                    number += 1
                    question = Question.objects.create(
                        bank=bank,
                        key=f"load-{number}",
                        kind=kind,
                        level=level,
                        stem_km=f"<p>សំណួរសាកល្បង {number}</p>",
                        stem_en=f"<p>Load test question {number}</p>",
                        accepted_answers="ពាក្យសម្ងាត់\npassword",
                    )
                    QuestionCompetence.objects.create(
                        question=question, competence=competence
                    )
                    choices = {
                        "single": [("A", True), ("B", False), ("C", False)],
                        "multiple": [("A", True), ("B", True), ("C", False)],
                        "true_false": [("True", True), ("False", False)],
                        "ordering": [("1", False), ("2", False), ("3", False)],
                    }.get(kind, [])
                    for order, (text, correct) in enumerate(choices):
                        Choice.objects.create(
                            question=question,
                            sort_order=order,
                            text_en=text,
                            text_km=text,
                            is_correct=correct,
                        )
    return bank, competences, levels


def contest_create(run: str, students: int):
    """A contest open now, and its approved students with their sessions."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from accounts.models import Institution, User
    from competitions.models import BlueprintRow, Contest, Registration

    bank, competences, levels = bench_bank()
    now = timezone.now()
    contest = Contest.objects.create(
        slug=f"load-{run}",
        title_km="ការប្រកួតសាកល្បងបន្ទុក",
        title_en="Load test contest",
        rules_km="<p>ច្បាប់</p>",
        rules_en="<p>Rules</p>",
        listed=True,
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now,
        sitting_opens_at=now - timedelta(minutes=1),
        sitting_closes_at=now + timedelta(hours=2),
        time_limit_minutes=30,
    )
    order = 0
    for competence in competences:
        for level in levels:
            BlueprintRow.objects.create(
                contest=contest,
                sort_order=order,
                bank=bank,
                competence=competence,
                level=level,
                count=DRAW_PER_CELL,
            )
            order += 1
    institutions = list(Institution.objects.filter(kind="university")) or list(
        Institution.objects.all()
    )
    users = []
    for index in range(students):
        user = User(
            email=f"load-{run}-{index}@example.org",
            full_name_km=f"និស្សិត {index}",
            full_name_latin=f"Student {index}",
            learner_kind=User.LearnerKind.STUDENT,
            institution=institutions[index % len(institutions)],
        )
        user.set_unusable_password()
        users.append(user)
    User.objects.bulk_create(users)
    users = list(User.objects.filter(email__startswith=f"load-{run}-").order_by("pk"))
    Registration.objects.bulk_create(
        [
            Registration(
                contest=contest,
                user=user,
                institution=user.institution,
                student_id=f"LOAD-{run}-{index}",
                study_year=1 + index % 4,
                status=Registration.Status.APPROVED,
                decided_at=now,
            )
            for index, user in enumerate(users)
        ]
    )
    sessions = {}
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        sessions[user.pk] = session.session_key
    return contest, users, sessions


# --- The server --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_start(env, port: int, workers: int, threads: int, log_dir: Path):
    static_root = log_dir / "static"
    env = {**env, "STATIC_ROOT": str(static_root)}
    manage("collectstatic", "--noinput", env=env)
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "lms.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--timeout",
            "60",
            # Longer than the think times: a connection closed by the server just
            # as a client reuses it shows up as a reset.
            "--keep-alive",
            "30",
            "--error-logfile",
            str(log_dir / "gunicorn.log"),
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    import requests

    for _ in range(120):
        try:
            if requests.get(f"http://127.0.0.1:{port}/km/", timeout=2).status_code:
                return process
        except requests.RequestException:
            time.sleep(0.5)
    process.terminate()
    raise SystemExit("gunicorn did not answer; see " + str(log_dir / "gunicorn.log"))


def warm_up(base: str, slug: str, count: int) -> None:
    """Let every worker load its code and templates before the measured minute,
    as on a site that has been running (not recorded)."""
    import requests

    def get(_):
        for path in ("/km/", f"/km/competitions/{slug}/", "/en/competitions/"):
            requests.get(base + path, timeout=30)

    threads = [threading.Thread(target=get, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def server_stop(process) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


# --- The simulated students --------------------------------------------------------

FIELDSET_RE = re.compile(
    r'<fieldset class="question card" id="question-(\d+)"(.*?)</fieldset>', re.S
)
INPUT_RE = re.compile(r'<input[^>]*type="(radio|checkbox|text)"[^>]*name="q-(\d+)"')
VALUE_RE = re.compile(r'name="q-\d+" value="(\d+)"')
SELECT_RE = re.compile(r'name="q-(\d+)-pos-(\d+)"')


@dataclass
class Sample:
    step: str
    status: int
    seconds: float
    ok: bool
    error: str = ""


@dataclass
class Student:
    user_id: int
    session_key: str
    delay: float
    answers: dict = field(default_factory=dict)  # question -> expected stored answer
    form: dict = field(default_factory=dict)  # question -> form fields as sent
    changes: int = 0  # saves that changed the stored answer
    submitted: bool = False


def parse_questions(html: str) -> list[tuple[int, str, list[int]]]:
    """(question id, kind, choice ids) for each question on the sitting page."""
    questions = []
    for question_id, body in FIELDSET_RE.findall(html):
        choices = [int(c) for c in VALUE_RE.findall(body)]
        positions = [int(c) for _q, c in SELECT_RE.findall(body)]
        kinds = {kind for kind, _q in INPUT_RE.findall(body)}
        if positions:
            questions.append((int(question_id), "ordering", positions))
        elif "checkbox" in kinds:
            questions.append((int(question_id), "multiple", choices))
        elif "radio" in kinds:
            questions.append((int(question_id), "single", choices))
        else:
            questions.append((int(question_id), "text", []))
    return questions


def answer_for(kind: str, choices: list[int], rng: random.Random):
    """(form fields, the answer the server must store)."""
    if kind == "single":
        choice = rng.choice(choices)
        return {"choice": [str(choice)]}, {"choices": [choice]}
    if kind == "multiple":
        picked = sorted(rng.sample(choices, rng.randint(1, len(choices))))
        return {"choice": [str(c) for c in picked]}, {"choices": picked}
    if kind == "ordering":
        order = choices[:]
        rng.shuffle(order)
        positions = {c: order.index(c) + 1 for c in choices}
        return {"positions": positions}, {"order": order}
    text = rng.choice(["password", "ពាក្យសម្ងាត់", "pass word", "១២៣"])
    return {"text": text}, {"text": text}


def form_fields(question_id: int, fields: dict) -> list[tuple[str, str]]:
    name = f"q-{question_id}"
    if "choice" in fields:
        return [(name, value) for value in fields["choice"]]
    if "positions" in fields:
        return [(f"{name}-pos-{c}", str(p)) for c, p in fields["positions"].items()]
    return [(name, fields["text"])]


class Recorder:
    def __init__(self):
        self.samples: list[Sample] = []
        self.failed_steps: Counter = Counter()
        self.lock = threading.Lock()

    def call(self, step, send, expected=(200, 302), retry=None):
        """Send, and on a lost connection send ``retry`` (or the same) again, up to
        RETRIES times, as the sitting page's script does. Every attempt is a
        sample; the response, or None if the step failed for good."""
        for attempt in range(RETRIES + 1):
            started = time.perf_counter()
            try:
                response = (send if attempt == 0 or retry is None else retry)()
            except Exception as error:  # noqa: BLE001 - every failure is a figure
                self._add(
                    Sample(step, 0, time.perf_counter() - started, False, repr(error))
                )
                time.sleep(0.5 * 2**attempt)
                continue
            ok = response.status_code in expected
            self._add(
                Sample(
                    step,
                    response.status_code,
                    time.perf_counter() - started,
                    ok,
                    "" if ok else response.text[:200],
                )
            )
            if ok:
                return response
            break
        with self.lock:
            self.failed_steps[step] += 1
        return None

    def _add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


def simulate(student: Student, base: str, slug: str, csrf: str, recorder, t0, seed):
    import requests

    rng = random.Random(seed)
    http = requests.Session()
    host = urlparse(base).hostname
    http.cookies.set("sessionid", student.session_key, domain=host, path="/")
    http.cookies.set("csrftoken", csrf, domain=host, path="/")
    headers = {"X-CSRFToken": csrf, "Referer": base + "/"}
    fetch = {**headers, "X-Requested-With": "fetch"}
    contest = f"{base}/km/competitions/{slug}"
    time.sleep(max(0.0, t0 + student.delay - time.monotonic()))

    if not recorder.call("contest page", lambda: http.get(f"{contest}/")):
        return
    started = recorder.call(
        "start",
        lambda: http.post(f"{contest}/start/", headers=headers, allow_redirects=False),
        expected=(302,),
    )
    if started is None:
        return
    page = recorder.call("sitting page", lambda: http.get(f"{contest}/sitting/"))
    if page is None:
        return
    questions = parse_questions(page.text)
    for question_id, kind, choices in questions:
        attempts = 2 if rng.random() < 0.2 else 1
        for _ in range(attempts):
            time.sleep(rng.uniform(*THINK))
            fields, stored = answer_for(kind, choices, rng)
            data = [("question", str(question_id)), *form_fields(question_id, fields)]
            saved = recorder.call(
                "autosave",
                lambda data=data: http.post(
                    f"{contest}/sitting/save/", data=data, headers=fetch
                ),
                retry=lambda data=data: http.post(
                    f"{contest}/sitting/save/",
                    data=[*data, ("reconnected", "1")],
                    headers=fetch,
                ),
            )
            if saved is not None:
                if student.answers.get(question_id) != stored:
                    student.changes += 1
                student.answers[question_id] = stored
                student.form[question_id] = fields
    time.sleep(rng.uniform(*THINK))
    # The form posts every answer on the page, as a browser does.
    data = [("submit", "1")]
    for question_id, fields in student.form.items():
        data += form_fields(question_id, fields)
    submitted = recorder.call(
        "submit",
        lambda: http.post(
            f"{contest}/sitting/submit/",
            data=data,
            headers=headers,
            allow_redirects=False,
        ),
        expected=(302,),
    )
    student.submitted = submitted is not None
    if rng.random() < 0.1:
        recorder.call(
            "second submit",
            lambda: http.post(
                f"{contest}/sitting/submit/",
                data=data,
                headers=headers,
                allow_redirects=False,
            ),
            expected=(302,),
        )
    recorder.call("receipt page", lambda: http.get(f"{contest}/received/"))


# --- Figures and checks ---------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def report(samples: list[Sample], failed: Counter, duration: float) -> None:
    print(
        f"\nrequests: {len(samples)} in {duration:.1f} s = "
        f"{len(samples) / duration:.1f} requests/s"
    )
    print(
        f"{'step':<16}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'max ms':>9}{'errors':>8}"
    )
    by_step = defaultdict(list)
    for sample in samples:
        by_step[sample.step].append(sample)
    for step, group in [("all", samples), *by_step.items()]:
        times = [s.seconds * 1000 for s in group]
        print(
            f"{step:<16}{len(group):>7}{percentile(times, 0.5):>9.0f}"
            f"{percentile(times, 0.95):>9.0f}{percentile(times, 0.99):>9.0f}"
            f"{max(times):>9.0f}{sum(not s.ok for s in group):>8}"
        )
    print(
        f"errors: {sum(not s.ok for s in samples)} failed attempts; steps failed "
        f"after {RETRIES} retries: {sum(failed.values())} {dict(failed)}"
    )
    errors = Counter((s.step, s.status, s.error[:80]) for s in samples if not s.ok)
    for (step, status, error), count in errors.most_common(10):
        print(f"  error x{count}: {step} -> {status} {error}")


def integrity_check(contest, students: list[Student]) -> list[str]:
    """Problems found in the database; empty when all is well."""
    from decimal import Decimal

    from assessments import scoring
    from assessments.engine import question_specs, questions_for_scoring
    from competitions.models import (
        AuditEvent,
        Sitting,
        SittingCompetenceScore,
        SittingResponse,
    )

    problems = []
    sittings = {s.user_id: s for s in Sitting.objects.filter(contest=contest)}
    responses = defaultdict(list)
    for response in SittingResponse.objects.filter(sitting__contest=contest):
        responses[response.sitting_id].append(response)
    events = Counter(
        AuditEvent.objects.filter(contest=contest).values_list("sitting_id", "kind")
    )
    scores = Counter(
        SittingCompetenceScore.objects.filter(sitting__contest=contest).values_list(
            "sitting_id", flat=True
        )
    )
    competences = contest.blueprint_rows.values("competence").distinct().count()
    all_ids = {item["question"] for s in sittings.values() for item in s.layout}
    specs = {spec.id: spec for spec in question_specs(questions_for_scoring(all_ids))}
    stored_answers = 0
    for student in students:
        sitting = sittings.get(student.user_id)
        if sitting is None:
            problems.append(f"student {student.user_id}: no sitting")
            continue
        if Sitting.objects.filter(registration__user_id=student.user_id).count() != 1:
            problems.append(f"sitting {sitting.pk}: more than one sitting")
        if sitting.status != Sitting.Status.SUBMITTED:
            problems.append(f"sitting {sitting.pk}: not submitted")
        stored = responses[sitting.pk]
        by_question = Counter(r.question_id for r in stored)
        if any(count != 1 for count in by_question.values()):
            problems.append(f"sitting {sitting.pk}: an answer stored twice")
        actual = {r.question_id: r.answer for r in stored}
        if actual != student.answers:
            problems.append(f"sitting {sitting.pk}: stored answers differ from sent")
        stored_answers += len(stored)
        if events[(sitting.pk, AuditEvent.Kind.ANSWER_SAVED)] != student.changes:
            problems.append(
                f"sitting {sitting.pk}: {events[(sitting.pk, 'answer_saved')]} "
                f"'answer saved' events for {student.changes} changes"
            )
        if events[(sitting.pk, AuditEvent.Kind.SUBMITTED)] != 1:
            problems.append(
                f"sitting {sitting.pk}: scored "
                f"{events[(sitting.pk, 'submitted')]} times"
            )
        if scores[sitting.pk] != competences:
            problems.append(
                f"sitting {sitting.pk}: {scores[sitting.pk]} competence "
                f"scores for {competences} competences"
            )
        fresh = scoring.score_questions(
            [specs[q] for q in sitting.question_ids],
            {r.question_id: r.answer for r in stored},
        )
        earned, possible = scoring.total(fresh)
        if sitting.score != earned.quantize(Decimal("0.01")) or (
            sitting.max_score != possible
        ):
            problems.append(f"sitting {sitting.pk}: score {sitting.score} != {earned}")
    print(
        f"\nintegrity: {len(sittings)} sittings for {len(students)} students, "
        f"{stored_answers} answers stored, "
        f"{sum(s.changes for s in students)} answer changes logged"
    )
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--ramp", type=float, default=60.0, help="seconds")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--url", help="a running site (skips starting gunicorn)")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if not 1 <= args.students <= MAX_STUDENTS:
        parser.error(f"--students must be between 1 and {MAX_STUDENTS}")
    if args.url and urlparse(args.url).hostname not in ("127.0.0.1", "localhost"):
        parser.error("--url must be on this machine (127.0.0.1 or localhost)")
    if urlparse(args.database_url).hostname not in ("127.0.0.1", "localhost"):
        parser.error("--database-url must be on this machine")

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "DATABASE_URL": args.database_url,
        "DATABASE_CONN_MAX_AGE": "60",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CELERY_BROKER_URL": "",
        "LOG_LEVEL": "ERROR",
    }
    database_ensure(args.database_url)
    print("migrating...")
    manage("migrate", "--noinput", env=env)
    django_setup(env)
    run = time.strftime("%Y%m%d%H%M%S")
    contest, users, sessions = contest_create(run, args.students)
    print(
        f"contest {contest.slug}: {len(users)} approved students, "
        f"{contest.question_count} questions per form"
    )

    server = None
    with tempfile.TemporaryDirectory(prefix="sala-bench-") as folder:
        try:
            if args.url:
                base = args.url.rstrip("/")
            else:
                port = free_port()
                print(
                    f"gunicorn: {args.workers} workers x {args.threads} threads "
                    f"on 127.0.0.1:{port}"
                )
                server = server_start(
                    env, port, args.workers, args.threads, Path(folder)
                )
                base = f"http://127.0.0.1:{port}"
            warm_up(base, contest.slug, args.workers * args.threads)
            rng = random.Random(args.seed)
            students = [
                Student(
                    user_id=user.pk,
                    session_key=sessions[user.pk],
                    delay=rng.uniform(0, args.ramp),
                )
                for user in users
            ]
            recorder = Recorder()
            csrf = secrets.token_hex(16)  # 32 characters, as Django's secret
            print(f"{len(students)} students start within {args.ramp:.0f} s...")
            load_before = os.getloadavg()[0]
            t0 = time.monotonic()
            threads = [
                threading.Thread(
                    target=simulate,
                    args=(s, base, contest.slug, csrf, recorder, t0, args.seed + i),
                    daemon=True,
                )
                for i, s in enumerate(students)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=args.ramp + 600)
            duration = time.monotonic() - t0
            if server is not None:
                log = Path(folder) / "gunicorn.log"
                worker_errors = (
                    log.read_text().count("Traceback") if log.exists() else 0
                )
        finally:
            server_stop(server)
    report(recorder.samples, recorder.failed_steps, duration)
    print(
        f"machine: {os.cpu_count()} CPUs shared by the server, PostgreSQL and this "
        f"client; load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after"
    )
    if server is not None:
        print(f"server tracebacks: {worker_errors}")
    problems = integrity_check(contest, students)
    for problem in problems[:20]:
        print("  " + problem)
    print(
        "integrity: OK - every answer stored exactly once, every sitting scored once"
        if not problems
        else f"integrity: {len(problems)} problems"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
