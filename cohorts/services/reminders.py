"""Reminders to learners about required training, and the trainers' weekly digest.

Both can run any number of times on the same day: a ReminderLog row per learner,
course and day, and a DigestLog row per trainer and week, written in the same
transaction as the e-mail is sent, make a second run send nothing.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from wagtail.models import Site

from accounts import roles
from accounts.models import User
from cohorts import selectors
from cohorts.models import Cohort, DigestLog, ReminderLog
from courses.models import CoursePage


def _site_root() -> str:
    site = Site.objects.filter(is_default_site=True).first()
    root = site.root_url if site else settings.WAGTAILADMIN_BASE_URL
    return root.rstrip("/")


def _pages_by_language(course_keys) -> dict:
    """(course key, language code) -> the live page in that language."""
    pages = {}
    for page in (
        CoursePage.objects.live()
        .filter(translation_key__in=list(course_keys))
        .select_related("locale")
    ):
        pages[(page.translation_key, page.locale.language_code)] = page
    return pages


def _page_for(pages, key, language):
    page = pages.get((key, language))
    if page is None:
        page = next((p for (k, _lang), p in pages.items() if k == key), None)
    return page


def reminders_send(*, today: date | None = None) -> int:
    """E-mail each learner whose required training is due within the reminder
    window or overdue, once per learner, course and day. Returns e-mails sent."""
    today = today or selectors.today_local()
    due = selectors.due_soon(today=today)
    if not due:
        return 0
    logged = defaultdict(set)
    for user_id, course_key in ReminderLog.objects.filter(date=today).values_list(
        "user_id", "course_key"
    ):
        logged[user_id].add(course_key)
    keys = {key for items in due.values() for key in items}
    pages = _pages_by_language(keys)
    root = _site_root()
    sent = 0
    user_ids = sorted(due)
    for start in range(0, len(user_ids), 500):
        users = User.objects.filter(
            pk__in=user_ids[start : start + 500], is_active=True
        )
        for user in users:
            items = {
                key: due_date
                for key, due_date in due[user.pk].items()
                if key not in logged[user.pk]
            }
            if items:
                sent += _remind(user, items, pages, root, today)
    return sent


def _remind(user, items: dict, pages: dict, root: str, today: date) -> int:
    language = user.preferred_language
    try:
        with transaction.atomic():
            ReminderLog.objects.bulk_create(
                [
                    ReminderLog(user=user, course_key=key, date=today)
                    for key in sorted(items, key=str)
                ]
            )
            with translation.override(language):
                courses = []
                for key, due_date in sorted(items.items(), key=lambda kv: kv[1]):
                    page = _page_for(pages, key, language)
                    courses.append(
                        {
                            "title": page.title if page else "",
                            "url": page.get_full_url() if page else "",
                            "due_date": due_date,
                            "days_left": (due_date - today).days,
                            "overdue": due_date < today,
                        }
                    )
                message = get_adapter().render_mail(
                    "cohorts/email/reminder",
                    user.email,
                    {
                        "user": user,
                        "courses": courses,
                        "my_learning_url": root + reverse("courses:my_learning"),
                    },
                )
            message.send()
    except IntegrityError:
        # Another run reminded this learner of these courses today.
        return 0
    return 1


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def trainer_digests_send(*, today: date | None = None) -> int:
    """Send each trainer a summary of their cohorts, once a week."""
    today = today or selectors.today_local()
    monday = week_start(today)
    done = set(
        DigestLog.objects.filter(week_start=monday).values_list("trainer_id", flat=True)
    )
    root = _site_root()
    sent = 0
    trainers = User.objects.filter(
        is_active=True, groups__name=roles.TRAINER, trained_cohorts__isnull=False
    ).distinct()
    for trainer in trainers.order_by("pk"):
        if trainer.pk in done:
            continue
        sent += _digest(trainer, monday, today, root)
    return sent


def _digest(trainer, monday: date, today: date, root: str) -> int:
    cohorts = Cohort.objects.filter(trainers=trainer).select_related("institution")
    if not cohorts:
        return 0
    try:
        with transaction.atomic():
            DigestLog.objects.create(trainer=trainer, week_start=monday)
            with translation.override(trainer.preferred_language):
                summaries = selectors.cohort_summaries(cohorts, today=today)
                for summary in summaries:
                    summary.url = root + reverse(
                        "cohorts:cohort", args=[summary.cohort.pk]
                    )
                message = get_adapter().render_mail(
                    "cohorts/email/trainer_digest",
                    trainer.email,
                    {
                        "user": trainer,
                        "summaries": summaries,
                        "week_start": monday,
                        "dashboard_url": root + reverse("cohorts:dashboard"),
                    },
                )
            message.send()
    except IntegrityError:
        return 0
    return 1
