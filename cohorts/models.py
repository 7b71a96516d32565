"""Cohorts of learners with their trainers, required training with due dates,
coordinators of institutions, and the jobs and logs behind imports, exports and
reminders.

A cohort's assigned course points at the course's ``translation_key``, the identity
its Khmer and English pages share, like enrolments do.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Cohort(models.Model):
    """A group of learners trained together, in one institution's name."""

    name_km = models.CharField(_("name in Khmer"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200)
    code = models.SlugField(
        _("code"),
        max_length=60,
        unique=True,
        help_text=_("A short name, used in the cohort column of enrolment files."),
    )
    institution = models.ForeignKey(
        "accounts.Institution",
        on_delete=models.PROTECT,
        related_name="cohorts",
        verbose_name=_("institution"),
    )
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="trained_cohorts",
        blank=True,
        verbose_name=_("trainers"),
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "name_en", "pk"]
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="cohort_ends_after_start",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def name(self):
        if get_language() == "km":
            return self.name_km or self.name_en
        return self.name_en or self.name_km


class Membership(models.Model):
    """A learner in a cohort."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="cohort_memberships",
        verbose_name=_("learner"),
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)
    import_job = models.ForeignKey(
        "ImportJob",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by the import"),
    )

    class Meta:
        verbose_name = _("cohort member")
        verbose_name_plural = _("cohort members")
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "user"], name="unique_cohort_member"
            )
        ]

    def __str__(self):
        return f"{self.cohort} · {self.user}"


class Assignment(models.Model):
    """A course every member of the cohort must complete by the due date."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="assignments"
    )
    course_key = models.UUIDField(_("course identity"), db_index=True)
    due_date = models.DateField(_("due date"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("required training")
        verbose_name_plural = _("required trainings")
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "course_key"], name="unique_cohort_course"
            )
        ]

    def __str__(self):
        return f"{self.cohort} · {self.course_key} · {self.due_date}"


class Coordinator(models.Model):
    """A person who follows the required training of one institution."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="coordinator_roles",
        verbose_name=_("coordinator"),
    )
    institution = models.ForeignKey(
        "accounts.Institution",
        on_delete=models.CASCADE,
        related_name="coordinators",
        verbose_name=_("institution"),
    )

    class Meta:
        verbose_name = _("institution coordinator")
        verbose_name_plural = _("institution coordinators")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "institution"], name="unique_coordinator"
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.institution}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Running")
    READY = "ready", _("Ready to apply")
    INVALID = "invalid", _("Errors found")
    APPLYING = "applying", _("Applying")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    """An uploaded enrolment file, its dry run and, once applied, its result.

    ``errors``: [{"row": int | null, "column": str, "code": str, "params": {}}],
    where ``code`` names a message of ``lms.tabular.MESSAGES`` (the reader's own,
    or one ``cohorts.enrolment_file`` registers) shown in the reader's language.
    ``plan``: [{"row": int, "email": str, "name": str, "cohort": str, "action":
    "create" | "update" | "skip", "changes": [str]}], one entry per data row, in
    file order. ``summary``: {"create": int, "update": int, "skip": int}.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="cohort_imports",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    filename = models.CharField(_("file name"), max_length=255)
    data = models.BinaryField(_("file content"))
    # Invitations sent by a worker link to the site the file was uploaded on.
    base_url = models.CharField(_("site address"), max_length=255)
    status = models.CharField(
        _("status"), max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    plan = models.JSONField(_("planned changes"), default=list, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    failure = models.TextField(_("failure"), blank=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("enrolment import")
        verbose_name_plural = _("enrolment imports")

    def __str__(self):
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status in (JobStatus.READY, JobStatus.INVALID, JobStatus.DONE):
            return 100
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.processed_rows / self.total_rows))

    @property
    def is_running(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.APPLYING)


class Invitation(models.Model):
    """The e-mail inviting a person whose account an import created to set a
    password. One per account; ``sent_at`` is empty until it is sent."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="cohort_invitation",
    )
    import_job = models.ForeignKey(
        ImportJob,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations",
    )
    base_url = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self):
        return str(self.user)


class ExportJob(models.Model):
    """An export of a large cohort or institution, built by a worker.

    ``params``: the page's filters, as the query string gives them
    ({"q": str, "status": str, "course": str, "competences": str}).
    """

    class Kind(models.TextChoices):
        PROGRESS = "progress", _("Progress matrix")
        HEATMAP = "heatmap", _("Competence heatmap")
        REPORT = "report", _("Cohort report")
        ROLLUP = "rollup", _("Institution roll-up")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"
        PDF = "pdf", "PDF"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="cohort_exports",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    fmt = models.CharField(max_length=10, choices=Format.choices)
    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    institution = models.ForeignKey(
        "accounts.Institution",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    params = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=8)
    status = models.CharField(
        max_length=20, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    content = models.BinaryField(null=True, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    failure = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")

    def __str__(self):
        return f"{self.get_kind_display()} · {self.fmt}"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.processed_rows / self.total_rows))

    @property
    def is_running(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)


class ReminderLog(models.Model):
    """A reminder sent to a learner about a course on a day: never two."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    course_key = models.UUIDField()
    date = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course_key", "date"], name="unique_reminder"
            )
        ]

    def __str__(self):
        return f"{self.user_id} · {self.course_key} · {self.date}"


class DigestLog(models.Model):
    """A weekly digest sent to a trainer: one per trainer and week."""

    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    week_start = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("trainer digest sent")
        verbose_name_plural = _("trainer digests sent")
        constraints = [
            models.UniqueConstraint(
                fields=["trainer", "week_start"], name="unique_digest"
            )
        ]

    def __str__(self):
        return f"{self.trainer_id} · {self.week_start}"
