"""The DMIL competency framework: areas (clusters), competences, proficiency levels.

A competence is one row, identified by its code within its framework and labelled in
both languages; every score, question and lesson points at it.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class BilingualMixin:
    """Pick the Khmer or English label for the active language."""

    def _pick(self, field):
        km, en = getattr(self, f"{field}_km"), getattr(self, f"{field}_en")
        if get_language() == "km":
            return km or en
        return en or km

    @property
    def name(self):
        return self._pick("name")

    @property
    def description(self):
        return self._pick("description")


class Framework(BilingualMixin, models.Model):
    """A competency framework, such as Cambodia's DMIL framework."""

    class Aggregation(models.TextChoices):
        HIGHEST = "highest", _("Highest")
        MOST_RECENT = "most_recent", _("Most recent")
        DECAYING_AVERAGE = "decaying_average", _("Decaying average")
        N_TIMES = "n_times", _("Mastered n times")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name in English"), max_length=255)
    name_km = models.CharField(_("name in Khmer"), max_length=255)
    abbreviation_en = models.CharField(
        _("abbreviation in English"), max_length=40, blank=True
    )
    abbreviation_km = models.CharField(
        _("abbreviation in Khmer"), max_length=40, blank=True
    )
    description_en = models.TextField(_("description in English"), blank=True)
    description_km = models.TextField(_("description in Khmer"), blank=True)
    source = models.TextField(_("source"), blank=True)
    is_default = models.BooleanField(_("default framework"), default=False)
    is_provisional = models.BooleanField(
        _("provisional clusters and competences"),
        default=False,
        help_text=_(
            "Tick while the clusters and competences are placeholders awaiting the "
            "official list; the public page then says so."
        ),
    )
    mastery_threshold = models.DecimalField(
        _("mastery threshold"),
        max_digits=4,
        decimal_places=3,
        default=0.8,
        help_text=_("Share of points (0 to 1) a learner must earn to master a level."),
    )
    aggregation = models.CharField(
        _("profile aggregation"),
        max_length=20,
        choices=Aggregation.choices,
        default=Aggregation.HIGHEST,
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("framework")
        verbose_name_plural = _("frameworks")

    def __str__(self):
        return self.name


class ProficiencyLevel(BilingualMixin, models.Model):
    """One of the framework's levels; rank 1 is the lowest."""

    framework = models.ForeignKey(
        Framework,
        on_delete=models.CASCADE,
        related_name="levels",
        verbose_name=_("framework"),
    )
    code = models.CharField(_("code"), max_length=20)
    rank = models.PositiveSmallIntegerField(_("rank"))
    name_en = models.CharField(_("name in English"), max_length=100)
    name_km = models.CharField(_("name in Khmer"), max_length=100)
    description_en = models.TextField(_("description in English"), blank=True)
    description_km = models.TextField(_("description in Khmer"), blank=True)
    source = models.TextField(_("source"), blank=True)

    class Meta:
        ordering = ["framework", "rank"]
        verbose_name = _("proficiency level")
        verbose_name_plural = _("proficiency levels")
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "code"], name="unique_level_code"
            ),
            models.UniqueConstraint(
                fields=["framework", "rank"], name="unique_level_rank"
            ),
        ]

    def __str__(self):
        return self.name


class Area(BilingualMixin, models.Model):
    """A competency cluster (the framework's word for an area)."""

    framework = models.ForeignKey(
        Framework,
        on_delete=models.CASCADE,
        related_name="areas",
        verbose_name=_("framework"),
    )
    code = models.CharField(_("code"), max_length=20)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    name_en = models.CharField(_("name in English"), max_length=255)
    name_km = models.CharField(_("name in Khmer"), max_length=255)
    description_en = models.TextField(_("description in English"), blank=True)
    description_km = models.TextField(_("description in Khmer"), blank=True)
    source = models.TextField(_("source"), blank=True)
    # Set when a framework import no longer lists it: hidden from new tagging and
    # new profiles, kept (with its names) for the scores and certificates that
    # point at it. A later import that lists it again brings it back.
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        ordering = ["framework", "sort_order", "code"]
        verbose_name = _("competency cluster")
        verbose_name_plural = _("competency clusters")
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "code"], name="unique_area_code"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class Competence(BilingualMixin, models.Model):
    """One competence, the unit every score, question and lesson points at."""

    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        related_name="competences",
        verbose_name=_("cluster"),
    )
    framework = models.ForeignKey(
        Framework,
        on_delete=models.CASCADE,
        related_name="competences",
        verbose_name=_("framework"),
        editable=False,
    )
    code = models.CharField(_("code"), max_length=20)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    name_en = models.CharField(_("name in English"), max_length=255)
    name_km = models.CharField(_("name in Khmer"), max_length=255)
    description_en = models.TextField(_("description in English"), blank=True)
    description_km = models.TextField(_("description in Khmer"), blank=True)
    source = models.TextField(_("source"), blank=True)
    # As for clusters: retired by an import whose file no longer has it.
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        ordering = ["framework", "sort_order", "code"]
        verbose_name = _("competence")
        verbose_name_plural = _("competences")
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "code"], name="unique_competence_code"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        # The framework is denormalised from the area so codes are unique per framework.
        self.framework_id = self.area.framework_id
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.area_id is None:
            return
        self.framework_id = self.area.framework_id
        # Forms leave out the framework, so Django skips the unique constraint on
        # (framework, code); check it here rather than fail on save.
        clash = Competence.objects.filter(
            framework_id=self.framework_id, code=self.code
        )
        if self.code and clash.exclude(pk=self.pk).exists():
            raise ValidationError(
                {
                    "code": _(
                        "A competence with this code already exists in this framework."
                    )
                }
            )


# What new tagging may choose: competences still in their framework.
CURRENT_COMPETENCES = {"retired_at__isnull": True}
