"""The site's home page, and the record of tasks that must run (lms.durable)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from courses.routing import LocaleFallbackMixin
from lms.blocks import HomeBodyBlock


class HomePage(LocaleFallbackMixin, Page):
    """The root of each locale's tree: explains Sala to its three audiences."""

    intro = RichTextField(
        _("introduction"), features=["bold", "italic", "link"], blank=True
    )
    body = StreamField(HomeBodyBlock(), blank=True, verbose_name=_("body"))

    search_fields = Page.search_fields + [
        index.SearchField("intro"),
        index.SearchField("body"),
    ]

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("body"),
    ]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.CourseIndexPage"]

    class Meta:
        verbose_name = _("home page")


class DurableTask(models.Model):
    """A Celery task that must run, recorded in the transaction of its cause.

    The broker holds messages, not promises: a message that was never sent (the
    broker was down when the cause committed) or that a dead worker took with it is
    gone. This row is the promise. ``lms.durable`` writes it, sends the task once
    the transaction commits, and its sweeper sends again what is still pending too
    long after; the task marks it done. Tasks run through here must be safe to run
    twice (they are, by the project's rule), since a resend may overlap a delivery
    that was only slow.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    # The task's import path (its Celery name), e.g.
    # "certificates.tasks.certificate_issue_for_enrolment".
    name = models.CharField(_("task"), max_length=200)
    # The task's positional arguments: a JSON list of ids and short strings.
    args = models.JSONField(_("arguments"), default=list)
    # What the task is for, unique, e.g. "certificates.issue:enrolment:42": the
    # same cause recorded twice is one row.
    key = models.CharField(_("key"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    # Times handed to the broker (the first send included).
    attempts = models.PositiveIntegerField(_("sends"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # The last time the broker accepted it; empty while it never did.
    enqueued_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # A running task that holds the row (a Celery task id) until ``claimed_until``:
    # a second delivery meanwhile leaves it alone.
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("durable task")
        verbose_name_plural = _("durable tasks")
        indexes = [
            models.Index(
                fields=["status", "enqueued_at"], name="durabletask_status_sent"
            )
        ]

    def __str__(self):
        return self.key
