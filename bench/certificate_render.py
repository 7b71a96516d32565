"""How long a certificate takes: our WeasyPrint pipeline against raw WeasyPrint on
the same HTML, a whole issuance, and issuance throughput with 1 and 2 processes.

    .venv/bin/python bench/certificate_render.py                 # 200 certificates
    .venv/bin/python bench/certificate_render.py --count 50 --repeat 5
    .venv/bin/python bench/certificate_render.py \\
        --database-url postgres://postgres@127.0.0.1:5432/sala_bench_certificates

It builds a throw-away database (SQLite in a temporary folder unless
--database-url is given; a PostgreSQL database is created when missing), migrates
it, loads the demo framework, courses and certificate template, and gives
2 x --count learners a completed enrolment. Then it prints:

1. render: the same certificate HTML rendered --repeat times, warm, by
   - raw WeasyPrint as usually called (HTML(...).write_pdf with the stylesheet),
   - raw WeasyPrint reusing one FontConfiguration and parsed stylesheet,
   - our pipeline (rendering.pdf_render: closed URL fetcher, ActualText, the
     credential attached),
   interleaved, as the median and the ratio of ours to raw;
2. issue: certificate_issue end to end (reads, signing, render, file, row, audit
   entry), median over --repeat learners, and its ratio to the raw render;
3. throughput: --count certificates issued by 1 process, then --count more by 2
   processes (forked, each its own database connection), as certificates per
   second.

Figures only; nothing is asserted about time.
"""

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--database-url", default="")
    return parser.parse_args()


def setup(database_url: str, workdir: Path):
    os.environ["DJANGO_SETTINGS_MODULE"] = "lms.settings.test"
    os.environ["DATABASE_URL"] = database_url or (
        f"sqlite:///{workdir / 'bench.sqlite3'}?timeout=60"
    )
    import django

    django.setup()
    from django.conf import settings

    settings.MEDIA_ROOT = workdir / "media"
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        # Two processes writing: take the write lock when a transaction starts,
        # or SQLite refuses the second writer instead of making it wait.
        settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        _create_postgres_database(settings.DATABASES["default"])
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _create_postgres_database(db):
    import psycopg

    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{db["NAME"]}"')


def seed(count: int):
    from django.utils import timezone

    from accounts.models import User
    from certificates.demo import demo_certificate_templates_load
    from competencies.services import framework_load_default
    from courses.demo import demo_courses_load
    from courses.models import Enrolment
    from lms.services import site_home_ensure

    home = site_home_ensure()
    framework_load_default()
    courses = demo_courses_load(home_km=home)
    demo_certificate_templates_load()
    course_key = courses[0].translation_key
    run = timezone.now().strftime("%H%M%S%f")
    users = User.objects.bulk_create(
        User(
            email=f"bench-{run}-{n}@example.org",
            full_name_km=f"សុខ ដារ៉ា {n}",
            full_name_latin=f"SOK Dara {n}",
            password="!",
        )
        for n in range(count)
    )
    users = list(User.objects.filter(email__startswith=f"bench-{run}-").order_by("pk"))
    Enrolment.objects.bulk_create(
        Enrolment(
            user=user,
            course_key=course_key,
            status=Enrolment.Status.COMPLETED,
            completed_at=timezone.now(),
        )
        for user in users
    )
    return course_key, [user.pk for user in users]


def render_figures(course_key, user_id, repeat):
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    from accounts.models import User
    from certificates import rendering, selectors, services
    from certificates.payload import content_from_json

    start = time.perf_counter()
    certificate = services.certificate_issue(
        user=User.objects.get(pk=user_id), course_key=course_key
    ).certificate
    cold = time.perf_counter() - start
    content = content_from_json(certificate.content)
    html = rendering.certificate_html(
        services.pdf_context(
            content,
            services.template_layout(certificate.template),
            selectors.certificate_verify_url(certificate.code),
        )
    )
    credential = certificate.credential.encode()
    # The same stylesheet with the same font files, as file:// URLs for raw use.
    css_text = rendering.stylesheet_css()
    for _family, _weight, path in rendering.FONT_FACES:
        from django.contrib.staticfiles import finders

        css_text = css_text.replace(
            rendering.static_url(path), Path(finders.find(path)).as_uri()
        )

    def raw():
        weasyprint.HTML(string=html).write_pdf(
            stylesheets=[weasyprint.CSS(string=css_text)]
        )

    font_config = FontConfiguration()
    raw_css = weasyprint.CSS(string=css_text, font_config=font_config)

    def raw_reused():
        weasyprint.HTML(string=html).write_pdf(
            stylesheets=[raw_css], font_config=font_config
        )

    def ours():
        rendering.pdf_render(html, attachments=[("c.jwt", credential, "credential")])

    functions = (raw, raw_reused, ours)
    for function in functions:
        function()  # warm up
    # Interleaved, so that a change in the machine's load hits all three alike.
    times = [[] for _ in functions]
    for _ in range(repeat):
        for index, function in enumerate(functions):
            start = time.perf_counter()
            function()
            times[index].append(time.perf_counter() - start)
    return cold, *(statistics.median(t) for t in times)


def issue_figures(course_key, user_ids):
    from accounts.models import User
    from certificates import services

    times = []
    for user in User.objects.filter(pk__in=user_ids).order_by("pk"):
        start = time.perf_counter()
        services.certificate_issue(user=user, course_key=course_key)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _issue_chunk(args):
    course_key, user_ids = args
    from django.db import connections

    connections.close_all()
    from accounts.models import User
    from certificates import services

    for user in User.objects.filter(pk__in=user_ids).order_by("pk"):
        services.certificate_issue(user=user, course_key=course_key)
    connections.close_all()
    return len(user_ids)


def throughput(course_key, user_ids, processes):
    from django.db import connections

    connections.close_all()
    chunks = [user_ids[i::processes] for i in range(processes)]
    context = multiprocessing.get_context("fork")
    start = time.perf_counter()
    with context.Pool(processes) as pool:
        done = sum(pool.map(_issue_chunk, [(course_key, c) for c in chunks]))
    return done / (time.perf_counter() - start)


def main():
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="sala-bench-") as folder:
        workdir = Path(folder)
        print("Setting up the database (migrate, demo content)...", flush=True)
        setup(args.database_url, workdir)
        from django.db import connection

        course_key, user_ids = seed(1 + args.repeat + 2 * args.count)
        print(f"Database: {connection.vendor}; {len(user_ids)} learners.")
        cold, raw, raw_reused, ours = render_figures(
            course_key, user_ids[0], args.repeat
        )
        issue = issue_figures(course_key, user_ids[1 : 1 + args.repeat])
        rest = user_ids[1 + args.repeat :]
        one = throughput(course_key, rest[: args.count], 1)
        two = throughput(course_key, rest[args.count :], 2)

    ms = 1000
    print()
    print(f"render, median of {args.repeat} warm runs of the same certificate HTML:")
    print(f"  raw WeasyPrint (HTML + CSS each time)   {raw * ms:8.1f} ms")
    print(f"  raw WeasyPrint, fonts and CSS reused    {raw_reused * ms:8.1f} ms")
    print(f"  our pipeline (rendering.pdf_render)     {ours * ms:8.1f} ms")
    print(f"  ours / raw                              {ours / raw:8.2f}")
    print(f"  ours / raw with reuse                   {ours / raw_reused:8.2f}")
    print("issue (certificate_issue end to end):")
    print(f"  first in the process (cold)             {cold * ms:8.1f} ms")
    print(f"  median of {args.repeat:<3} warm                     {issue * ms:8.1f} ms")
    print(f"  issue / raw render                      {issue / raw:8.2f}")
    print(f"throughput, {args.count} certificates each:")
    print(f"  1 process                               {one:8.2f} certificates/s")
    print(f"  2 processes                             {two:8.2f} certificates/s")


if __name__ == "__main__":
    main()
