"""Competitions: timed contests drawn from the question banks, one sitting per
registered student, ranked for scholarships.

A contest's blueprint says how many questions of which competence and level are
drawn from which bank; every contestant gets their own draw (same counts per
competence and level), with questions and choices in their own order. Answers are
scored with ``assessments.scoring``; what happened during a sitting is kept in the
audit log, so that every rank can be defended.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
)
from wagtail.fields import RichTextField
from wagtail.models import Orderable

from accounts.models import User
from assessments.models import CompetenceScoreBase, ResponseBase, SittingBase

RULES_FEATURES = ["h3", "bold", "italic", "link", "ol", "ul"]


def _pick(obj, field):
    km, en = getattr(obj, f"{field}_km"), getattr(obj, f"{field}_en")
    if get_language() == "km":
        return km or en
    return en or km


class Contest(ClusterableModel):
    """A competition: who may enter, when, for how long, and what is drawn."""

    # The contest's lasting identity, which certificates and their credentials
    # name (the slug may change).
    key = models.UUIDField(
        _("identity"), default=uuid.uuid4, unique=True, editable=False
    )
    slug = models.SlugField(
        _("web address"),
        max_length=80,
        unique=True,
        help_text=_("The last part of the contest's address, in Latin letters."),
    )
    title_km = models.CharField(_("title in Khmer"), max_length=255)
    title_en = models.CharField(_("title in English"), max_length=255)
    rules_km = RichTextField(_("rules in Khmer"), features=RULES_FEATURES)
    rules_en = RichTextField(_("rules in English"), features=RULES_FEATURES)
    listed = models.BooleanField(
        _("listed for students"),
        default=False,
        help_text=_("Students see the contest and may register once it is listed."),
    )
    eligible_learner_kind = models.CharField(
        _("who may enter"),
        max_length=20,
        choices=User.LearnerKind.choices,
        default=User.LearnerKind.STUDENT,
    )
    institutions = ParentalManyToManyField(
        "accounts.Institution",
        blank=True,
        related_name="+",
        verbose_name=_("institutions"),
        help_text=_("Only students of these institutions may enter. Empty: any."),
    )
    approval_required = models.BooleanField(
        _("organisers approve registrations"),
        default=True,
        help_text=_("Otherwise every eligible registration is approved at once."),
    )
    registration_opens_at = models.DateTimeField(_("registration opens"))
    registration_closes_at = models.DateTimeField(_("registration closes"))
    sitting_opens_at = models.DateTimeField(_("sitting opens"))
    sitting_closes_at = models.DateTimeField(
        _("sitting closes"),
        help_text=_("Every sitting ends by this time, whenever it started."),
    )
    time_limit_minutes = models.PositiveIntegerField(
        _("time limit (minutes)"), validators=[MinValueValidator(1)]
    )
    results_publish_at = models.DateTimeField(
        _("results published at"),
        null=True,
        blank=True,
        help_text=_(
            "Contestants see their rank and the leaderboards from this time; "
            "before it, only that their answers were received. Empty: not yet set."
        ),
    )
    merit_places = models.PositiveIntegerField(
        _("merit places"),
        default=10,
        help_text=_("Contestants ranked up to this place receive a merit certificate."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    panels = [
        FieldRowPanel([FieldPanel("title_km"), FieldPanel("title_en")]),
        FieldPanel("slug"),
        FieldPanel("rules_km"),
        FieldPanel("rules_en"),
        MultiFieldPanel(
            [
                FieldPanel("listed"),
                FieldPanel("eligible_learner_kind"),
                FieldPanel("institutions"),
                FieldPanel("approval_required"),
            ],
            heading=_("Eligibility"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [
                        FieldPanel("registration_opens_at"),
                        FieldPanel("registration_closes_at"),
                    ]
                ),
                FieldRowPanel(
                    [FieldPanel("sitting_opens_at"), FieldPanel("sitting_closes_at")]
                ),
                FieldRowPanel(
                    [FieldPanel("time_limit_minutes"), FieldPanel("results_publish_at")]
                ),
                FieldPanel("merit_places"),
            ],
            heading=_("Schedule"),
        ),
        InlinePanel(
            "blueprint_rows",
            label=_("Blueprint: questions drawn for every contestant"),
            min_num=1,
        ),
    ]

    class Meta:
        ordering = ["-sitting_opens_at", "pk"]
        verbose_name = _("competition")
        verbose_name_plural = _("competitions")

    def __str__(self):
        return self.title

    @property
    def title(self):
        return _pick(self, "title")

    @property
    def rules(self):
        return _pick(self, "rules")

    def clean(self):
        errors = {}
        if (
            self.registration_opens_at
            and self.registration_closes_at
            and self.registration_closes_at <= self.registration_opens_at
        ):
            errors["registration_closes_at"] = _(
                "Registration must close after it opens."
            )
        if (
            self.sitting_opens_at
            and self.sitting_closes_at
            and self.sitting_closes_at <= self.sitting_opens_at
        ):
            errors["sitting_closes_at"] = _("The sitting must close after it opens.")
        if (
            self.registration_closes_at
            and self.sitting_closes_at
            and self.registration_closes_at > self.sitting_closes_at
        ):
            errors["registration_closes_at"] = _(
                "Registration must close before the sitting closes."
            )
        if (
            self.results_publish_at
            and self.sitting_closes_at
            and self.results_publish_at < self.sitting_closes_at
        ):
            errors["results_publish_at"] = _(
                "Results cannot be published before the sitting closes."
            )
        if errors:
            raise ValidationError(errors)

    def registration_is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.registration_opens_at <= now < self.registration_closes_at

    def sitting_is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.sitting_opens_at <= now < self.sitting_closes_at

    def sitting_is_over(self, now=None) -> bool:
        return (now or timezone.now()) >= self.sitting_closes_at

    def results_are_published(self, now=None) -> bool:
        publish_at = self.results_publish_at
        return bool(publish_at and (now or timezone.now()) >= publish_at)

    @property
    def question_count(self) -> int:
        return sum(row.count for row in self.blueprint_rows.all())


class BlueprintRow(Orderable):
    """Draw ``count`` questions of one competence and level from one bank."""

    contest = ParentalKey(
        Contest, on_delete=models.CASCADE, related_name="blueprint_rows"
    )
    bank = models.ForeignKey(
        "assessments.QuestionBank",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("question bank"),
    )
    competence = models.ForeignKey(
        "competencies.Competence",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("competence"),
    )
    level = models.ForeignKey(
        "competencies.ProficiencyLevel",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proficiency level"),
    )
    count = models.PositiveIntegerField(
        _("number of questions"), default=1, validators=[MinValueValidator(1)]
    )

    panels = [
        FieldPanel("bank"),
        FieldRowPanel(
            [FieldPanel("competence"), FieldPanel("level"), FieldPanel("count")]
        ),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("blueprint row")
        verbose_name_plural = _("blueprint rows")

    def __str__(self):
        return f"{self.count} × {self.competence.code} · {self.level.code}"

    def clean(self):
        if (
            self.competence_id
            and self.level_id
            and self.competence.framework_id != self.level.framework_id
        ):
            raise ValidationError(
                {"level": _("Choose a level of the competence's framework.")}
            )


class Registration(models.Model):
    """A student's entry to a contest, approved or rejected by the organisers."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    contest = models.ForeignKey(
        Contest,
        on_delete=models.CASCADE,
        related_name="registrations",
        verbose_name=_("competition"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="contest_registrations",
        verbose_name=_("student"),
    )
    institution = models.ForeignKey(
        "accounts.Institution",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("institution"),
    )
    student_id = models.CharField(_("student ID"), max_length=40)
    study_year = models.PositiveSmallIntegerField(
        _("year of study"), validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    note = models.CharField(
        _("note to the student"),
        max_length=500,
        blank=True,
        help_text=_(
            "Shown to the student, for example why a registration was refused."
        ),
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["contest", "user"], name="unique_contest_registration"
            ),
            # One student, one entry, even with a second account.
            models.UniqueConstraint(
                fields=["contest", "institution", "student_id"],
                name="unique_contest_student_id",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.contest}"


class Sitting(SittingBase):
    """A contestant's one and only sitting of a contest (the attempt engine's
    ``SittingBase``, with its receipt and time used; answers are audited)."""

    registration = models.OneToOneField(
        Registration,
        on_delete=models.PROTECT,
        related_name="sitting",
        verbose_name=_("registration"),
    )
    contest = models.ForeignKey(
        Contest,
        on_delete=models.CASCADE,
        related_name="sittings",
        verbose_name=_("competition"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="contest_sittings",
        verbose_name=_("student"),
    )
    started_at = models.DateTimeField(_("started at"))
    deadline = models.DateTimeField(_("deadline"))
    # The layout's items also name their blueprint row: {"question", "choices", "row"}.
    time_used_seconds = models.PositiveIntegerField(_("time used (s)"), null=True)
    page_loads = models.PositiveIntegerField(_("times the page was opened"), default=0)
    receipt = models.CharField(
        _("receipt"),
        max_length=16,
        blank=True,
        help_text=_("A short code of the answers as submitted, given to the student."),
    )

    FOREIGN_QUESTION = _("That question is not part of your sitting.")

    class Meta:
        ordering = ["started_at", "pk"]
        verbose_name = _("sitting")
        verbose_name_plural = _("sittings")

    def __str__(self):
        return f"{self.user} · {self.contest}"

    def competence_row(self, *, competence, now, **scores):
        return SittingCompetenceScore(sitting=self, competence=competence, **scores)

    @property
    def time_used_display(self) -> str:
        """Time used as h:mm:ss or m:ss."""
        if self.time_used_seconds is None:
            return ""
        minutes, seconds = divmod(self.time_used_seconds, 60)
        hours, minutes = divmod(minutes, 60)
        if hours:
            return f"{hours}:{minutes:02d}:{seconds:02d}"
        return f"{minutes}:{seconds:02d}"


class SittingResponse(ResponseBase):
    """A contestant's answer to one question."""

    sitting = models.ForeignKey(
        Sitting, on_delete=models.CASCADE, related_name="responses"
    )
    question = models.ForeignKey(
        "assessments.Question", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["sitting", "question"], name="unique_sitting_response"
            )
        ]

    def __str__(self):
        return f"{self.sitting_id} · {self.question_id}"


class SittingCompetenceScore(CompetenceScoreBase):
    """What a sitting showed about one competence."""

    sitting = models.ForeignKey(
        Sitting, on_delete=models.CASCADE, related_name="competence_scores"
    )
    competence = models.ForeignKey(
        "competencies.Competence", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("competence score")
        verbose_name_plural = _("competence scores")
        constraints = [
            models.UniqueConstraint(
                fields=["sitting", "competence"], name="unique_sitting_competence"
            )
        ]

    def __str__(self):
        return f"{self.sitting_id} · {self.competence_id}"


class AuditEvent(models.Model):
    """One thing that happened in a contest, for the organisers' record.

    ``data`` by kind:

    * answer_saved: {"question": id, "answer": as stored (see SittingResponse)},
      so that a sitting's history can be replayed;
    * started: {"questions": n, "deadline": iso};
    * submitted: {"score": str, "max_score": str, "by_deadline": bool,
      "receipt": str, "answers": n};
    * late_answer_refused: {"questions": [ids]};
    * registered, approved, rejected: {"registration": id, "note": str};
    * resumed: {"page_loads": n}; sitting_closed, results_published: {"at": iso};
    * reconnected: {}.
    """

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        APPROVED = "approved", _("Registration approved")
        REJECTED = "rejected", _("Registration rejected")
        STARTED = "started", _("Sitting started")
        RESUMED = "resumed", _("Sitting page opened again")
        RECONNECTED = "reconnected", _("Reconnected after a lost connection")
        ANSWER_SAVED = "answer_saved", _("Answer saved")
        LATE_ANSWER_REFUSED = "late_answer_refused", _("Answer refused: too late")
        SUBMITTED = "submitted", _("Submitted and scored")
        SITTING_CLOSED = "sitting_closed", _("Sitting closed by the organisers")
        RESULTS_PUBLISHED = "results_published", _("Results published")

    contest = models.ForeignKey(
        Contest, on_delete=models.CASCADE, related_name="audit_events"
    )
    sitting = models.ForeignKey(
        Sitting,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    kind = models.CharField(_("event"), max_length=30, choices=Kind.choices)
    at = models.DateTimeField(_("time"), default=timezone.now)
    data = models.JSONField(_("details"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=255, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["contest", "kind"], name="competition_audit_kind"),
            models.Index(fields=["sitting", "at"], name="competition_audit_sitting"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} · {self.get_kind_display()}"
