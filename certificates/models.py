"""Certificate templates, signing keys, issued certificates, their history, and
staff jobs (bulk issue, ZIP export).

A certificate is for a completed course or for a competition (participation or a
merit place). It points at what it is for by a lasting identity: a course's
``translation_key`` (shared by the Khmer and English pages, like enrolments), or a
contest's ``key``. That identity is ``Certificate.course_key``, so named because
courses came first.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
)
from wagtail.models import Orderable

from certificates.codes import code_format
from competencies.models import CURRENT_COMPETENCES


def _pick(obj, field):
    return (
        getattr(obj, f"{field}_km")
        if get_language() == "km"
        else getattr(obj, f"{field}_en")
    )


class CertificateTemplate(ClusterableModel):
    """What a certificate looks like and when a course earns one.

    Each save bumps ``version``; a certificate records the version it was issued
    from, and a learner holds one valid certificate per course and template version.
    """

    name = models.CharField(_("name"), max_length=120, help_text=_("For staff only."))
    title_km = models.CharField(_("title in Khmer"), max_length=200)
    title_en = models.CharField(_("title in English"), max_length=200)
    statement_km = models.CharField(
        _("statement in Khmer"),
        max_length=300,
        help_text=_("Printed between the holder's name and the course title."),
    )
    statement_en = models.CharField(_("statement in English"), max_length=300)
    issuer_name_km = models.CharField(_("issuer name in Khmer"), max_length=200)
    issuer_name_en = models.CharField(_("issuer name in English"), max_length=200)
    issuer_logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("issuer logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    institution_name_km = models.CharField(
        _("institution name in Khmer"), max_length=200, blank=True
    )
    institution_name_en = models.CharField(
        _("institution name in English"), max_length=200, blank=True
    )
    institution_logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("institution logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    minimum_score = models.DecimalField(
        _("minimum score (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "Empty: completing the course is enough. Otherwise the average grade of "
            "the course's required quizzes must reach it."
        ),
    )
    validity_months = models.PositiveIntegerField(
        _("valid for (months)"),
        null=True,
        blank=True,
        help_text=_("Empty: the certificate does not expire."),
    )
    is_default = models.BooleanField(
        _("default template"),
        default=False,
        help_text=_("Used for completed courses that no template lists."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    panels = [
        FieldPanel("name"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("title_km"), FieldPanel("title_en")]),
                FieldRowPanel([FieldPanel("statement_km"), FieldPanel("statement_en")]),
            ],
            heading=_("Wording"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [FieldPanel("issuer_name_km"), FieldPanel("issuer_name_en")]
                ),
                FieldPanel("issuer_logo"),
                FieldRowPanel(
                    [
                        FieldPanel("institution_name_km"),
                        FieldPanel("institution_name_en"),
                    ]
                ),
                FieldPanel("institution_logo"),
            ],
            heading=_("Issuer"),
        ),
        InlinePanel("signatories", label=_("Signatories"), max_num=3),
        InlinePanel("courses", label=_("Courses using this template")),
        InlinePanel(
            "contests",
            label=_("Competitions using this template"),
            help_text=_(
                "A competition's certificates of participation go to every "
                "contestant who submitted; merit certificates to those ranked up "
                "to its merit places. The course rules below do not apply to them."
            ),
        ),
        MultiFieldPanel(
            [
                FieldPanel("minimum_score"),
                InlinePanel(
                    "competence_rules", label=_("Minimum level per competence")
                ),
                FieldPanel("validity_months"),
                FieldRowPanel([FieldPanel("is_default"), FieldPanel("is_active")]),
            ],
            heading=_("Rule"),
        ),
    ]

    class Meta:
        verbose_name = _("certificate template")
        verbose_name_plural = _("certificate templates")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # Every edit is a new version, so certificates record what they were made from.
        if self.pk is not None:
            self.version = (
                CertificateTemplate.objects.filter(pk=self.pk)
                .values_list("version", flat=True)
                .first()
                or 0
            ) + 1
        super().save(*args, **kwargs)

    @property
    def title(self):
        return _pick(self, "title")


class TemplateSignatory(Orderable):
    template = ParentalKey(
        CertificateTemplate, on_delete=models.CASCADE, related_name="signatories"
    )
    name_km = models.CharField(_("name in Khmer"), max_length=150)
    name_en = models.CharField(_("name in English"), max_length=150)
    title_km = models.CharField(_("title in Khmer"), max_length=150)
    title_en = models.CharField(_("title in English"), max_length=150)
    signature = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("signature image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [
        FieldRowPanel([FieldPanel("name_km"), FieldPanel("name_en")]),
        FieldRowPanel([FieldPanel("title_km"), FieldPanel("title_en")]),
        FieldPanel("signature"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("signatory")
        verbose_name_plural = _("signatories")


class TemplateCourse(Orderable):
    template = ParentalKey(
        CertificateTemplate, on_delete=models.CASCADE, related_name="courses"
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("course"),
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Either language of the course: both share the certificate."),
    )

    panels = [FieldPanel("course")]

    class Meta(Orderable.Meta):
        verbose_name = _("course")
        verbose_name_plural = _("courses")


class TemplateContest(Orderable):
    """A competition whose participation or merit certificates use the template."""

    class Award(models.TextChoices):
        PARTICIPATION = "participation", _("Participation")
        MERIT = "merit", _("Merit")

    template = ParentalKey(
        CertificateTemplate, on_delete=models.CASCADE, related_name="contests"
    )
    contest = models.ForeignKey(
        "competitions.Contest",
        verbose_name=_("competition"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    award = models.CharField(
        _("certificate of"),
        max_length=20,
        choices=Award.choices,
        default=Award.PARTICIPATION,
    )

    panels = [FieldRowPanel([FieldPanel("contest"), FieldPanel("award")])]

    class Meta(Orderable.Meta):
        verbose_name = _("competition")
        verbose_name_plural = _("competitions")


class TemplateCompetenceRule(Orderable):
    template = ParentalKey(
        CertificateTemplate, on_delete=models.CASCADE, related_name="competence_rules"
    )
    competence = models.ForeignKey(
        "competencies.Competence",
        verbose_name=_("competence"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=CURRENT_COMPETENCES,
    )
    minimum_level = models.ForeignKey(
        "competencies.ProficiencyLevel",
        verbose_name=_("minimum level"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    panels = [FieldRowPanel([FieldPanel("competence"), FieldPanel("minimum_level")])]

    class Meta(Orderable.Meta):
        verbose_name = _("competence rule")
        verbose_name_plural = _("competence rules")


class SigningKey(models.Model):
    """An Ed25519 key pair. The active key signs; retired keys still verify."""

    kid = models.CharField(_("key id"), max_length=64, unique=True)
    # PKCS#8 PEM, encrypted with CERTIFICATES_KEK (services/keys.py).
    private_key_pem = models.TextField(editable=False)
    # The public key as a JWK: {"kty": "OKP", "crv": "Ed25519", "x": ..., "kid": ...}.
    public_jwk = models.JSONField(editable=False)
    is_active = models.BooleanField(_("signs new certificates"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=Q(is_active=True),
                name="one_active_signing_key",
            )
        ]

    def __str__(self):
        return self.kid


class Holder(models.Model):
    """A holder's subject id: the ``credentialSubject.id`` of every credential
    issued to them. Random, so it reveals nothing about the person or the account,
    and kept for good, so a verifier sees that two credentials have one holder."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="credential_holder",
        verbose_name=_("holder"),
    )
    subject_id = models.UUIDField(_("subject id"), unique=True, default=uuid.uuid4)

    class Meta:
        verbose_name = _("credential holder")
        verbose_name_plural = _("credential holders")

    def __str__(self):
        return f"urn:uuid:{self.subject_id}"


class StatusList(models.Model):
    """A W3C Bitstring Status List of revocations. Each certificate holds one bit,
    drawn at random, of a list; a set bit means revoked. The list is published
    as a signed credential at ``/api/v1/status/<id>``."""

    size = models.PositiveIntegerField(_("bits"), default=131_072)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("status list")
        verbose_name_plural = _("status lists")

    def __str__(self):
        return f"#{self.pk}"


class Certificate(models.Model):
    """An issued certificate: what it states, its PDF and its signed credential."""

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")
        SUPERSEDED = "superseded", _("Superseded")

    class Kind(models.TextChoices):
        COURSE = "course", _("Course completion")
        PARTICIPATION = "participation", _("Competition participation")
        MERIT = "merit", _("Competition merit")

    code = models.CharField(_("code"), max_length=16, unique=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.COURSE
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("holder"),
    )
    # A course's translation_key, or a contest's key (see the module docstring).
    course_key = models.UUIDField(_("course or competition identity"), db_index=True)
    template = models.ForeignKey(
        CertificateTemplate,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("template"),
    )
    template_version = models.PositiveIntegerField(_("template version"))
    holder_name_km = models.CharField(_("name in Khmer"), max_length=150, blank=True)
    holder_name_latin = models.CharField(
        _("name in Latin script"), max_length=150, blank=True
    )
    course_title_km = models.CharField(
        _("course or competition in Khmer"), max_length=255
    )
    course_title_en = models.CharField(
        _("course or competition in English"), max_length=255
    )
    # [{"code", "name_km", "name_en", "level_code", "level_rank", "level_name_km",
    #   "level_name_en"}], the course's (or the contest's) competences and the
    #   levels reached.
    competences = models.JSONField(_("competences"), default=list)
    score = models.DecimalField(
        _("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    # Merit certificates: the rank reached among ``contestants`` ranked.
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    contestants = models.PositiveIntegerField(
        _("contestants ranked"), null=True, blank=True
    )
    issued_on = models.DateField(_("issued on"))
    # The instant of issue, the credential's validFrom (empty before credentials
    # recorded it).
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    status_list = models.ForeignKey(
        StatusList,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("status list"),
    )
    status_list_index = models.PositiveIntegerField(
        _("status list index"), null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.VALID
    )
    status_reason = models.CharField(_("reason"), max_length=500, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supersedes",
        verbose_name=_("superseded by"),
    )
    # CertificateContent.as_json(): everything the certificate states, as signed.
    content = models.JSONField(editable=False)
    pdf = models.FileField(_("PDF"), upload_to="certificates/%Y/%m/")
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64)
    credential = models.TextField(_("signed credential (VC-JWT)"))
    key_id = models.CharField(_("signing key id"), max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expiry_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # The bulk job that issued it, if one did: the job's counters are counted
    # from here, so a job resumed after its worker died counts each one once.
    job = models.ForeignKey(
        "CertificateJob",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="issued_certificates",
        verbose_name=_("issued by job"),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course_key", "kind", "template", "template_version"],
                condition=Q(status="valid"),
                name="one_valid_certificate_per_kind_template_version",
            ),
            models.UniqueConstraint(
                fields=["status_list", "status_list_index"],
                name="one_certificate_per_status_bit",
            ),
        ]
        indexes = [models.Index(fields=["issued_on"], name="certificate_issued_on")]

    def __str__(self):
        return self.code_display

    @property
    def code_display(self):
        return code_format(self.code)

    @property
    def course_title(self):
        return self.course_title_km if get_language() == "km" else self.course_title_en

    @property
    def for_contest(self) -> bool:
        return self.kind != self.Kind.COURSE

    @property
    def holder_name(self):
        if get_language() == "km":
            return self.holder_name_km or self.holder_name_latin
        return self.holder_name_latin or self.holder_name_km

    @property
    def current_status(self):
        """The status as of today: a valid certificate past its expiry date is
        expired even before the nightly task records it."""
        if (
            self.status == self.Status.VALID
            and self.expires_on
            and self.expires_on < timezone.localdate()
        ):
            return self.Status.EXPIRED
        return self.status

    def get_current_status_display(self):
        return self.Status(self.current_status).label


class CertificateEvent(models.Model):
    """The audit log: who issued, revoked, reissued or changed what, and when."""

    class Action(models.TextChoices):
        ISSUED = "issued", _("Issued")
        REISSUED = "reissued", _("Reissued")
        SUPERSEDED = "superseded", _("Superseded")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")
        REMINDED = "reminded", _("Expiry reminder sent")

    certificate = models.ForeignKey(
        Certificate, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Empty when the platform acted by itself."),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("certificate event")
        verbose_name_plural = _("certificate events")

    def __str__(self):
        return f"{self.certificate_id} · {self.action}"


class CertificateJob(models.Model):
    """A staff job run by a Celery task: bulk issue for a course, a competition's
    certificates, or a ZIP export of certificates by course and/or issue dates. The
    progress page reads it."""

    class Kind(models.TextChoices):
        ISSUE = "issue", _("Bulk issue")
        CONTEST_ISSUE = "contest_issue", _("Competition certificates")
        EXPORT = "export", _("ZIP export")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    course_key = models.UUIDField(_("course identity"), null=True, blank=True)
    contest = models.ForeignKey(
        "competitions.Contest",
        verbose_name=_("competition"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    date_from = models.DateField(_("issued from"), null=True, blank=True)
    date_to = models.DateField(_("issued until"), null=True, blank=True)
    total = models.PositiveIntegerField(_("total"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    issued = models.PositiveIntegerField(_("issued"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    file = models.FileField(_("file"), upload_to="certificate-exports/", blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The last certificate (or file) done: a running job silent for long has lost
    # its worker, and the sweeper resumes it (services/sweep.py).
    progressed_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    # Times the sweeper resumed it after it stopped making progress.
    resumptions = models.PositiveSmallIntegerField(_("resumptions"), default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("certificate job")
        verbose_name_plural = _("certificate jobs")

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def percent(self):
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)
