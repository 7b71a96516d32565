"""Course catalogue, courses and lessons as Wagtail pages; enrolment and progress.

Enrolment and progress point at a course's and lesson's ``translation_key``, the
identity shared by its Khmer and English pages, so a learner who switches language
keeps their progress.
"""

from django.conf import settings
from django.db import models
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from competencies.models import CURRENT_COMPETENCES
from courses.blocks import LessonBodyBlock
from courses.khmer import segment
from courses.routing import LocaleFallbackMixin


class Audience(models.TextChoices):
    EVERYONE = "everyone", _("Everyone")
    CIVIL_SERVANT = "civil_servant", _("Civil servants")
    STUDENT = "student", _("Students")
    TRAINER = "trainer", _("Trainers")


class CourseIndexPage(LocaleFallbackMixin, Page):
    """The catalogue: lists the courses below it, with filters."""

    intro = RichTextField(
        _("introduction"), blank=True, features=["bold", "italic", "link"]
    )

    search_fields = Page.search_fields + [index.SearchField("intro")]

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["lms.HomePage"]
    subpage_types = ["courses.CoursePage"]

    class Meta:
        verbose_name = _("course catalogue")

    def get_context(self, request, *args, **kwargs):
        from courses.selectors import catalogue_filter_options, catalogue_list

        context = super().get_context(request, *args, **kwargs)
        filters = catalogue_filter_options(request.GET)
        context["filters"] = filters
        context["courses"] = catalogue_list(index_page=self, filters=filters)
        return context


class SegmentedSearchMixin:
    """Index Khmer text word by word (see courses.khmer.segment)."""

    def search_text_segmented(self):
        parts = [self.title, getattr(self, "search_description", "")]
        for name in self.segmented_fields:
            value = getattr(self, name, "")
            if hasattr(value, "stream_block"):
                value = " ".join(_stream_text(value))
            parts.append(strip_tags(str(value)))
        return segment(" ".join(p for p in parts if p))


def _stream_text(stream):
    """All text of a StreamField value, blocks flattened."""
    texts = []

    def walk(value):
        if value is None:
            return
        if hasattr(value, "source"):  # RichText
            texts.append(strip_tags(value.source))
        elif isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict) or hasattr(value, "items"):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple) or hasattr(value, "__iter__"):
            for item in value:
                walk(getattr(item, "value", item))

    for block in stream:
        walk(block.value)
    return texts


class CoursePage(SegmentedSearchMixin, LocaleFallbackMixin, Page):
    """A course overview: what it teaches, to whom, and which competences."""

    summary = RichTextField(_("summary"), features=["bold", "italic", "link", "ul"])
    audience = models.CharField(
        _("audience"),
        max_length=20,
        choices=Audience.choices,
        default=Audience.EVERYONE,
    )
    estimated_hours = models.DecimalField(
        _("estimated hours"), max_digits=5, decimal_places=1, default=1
    )
    prerequisites = RichTextField(
        _("prerequisites"), blank=True, features=["bold", "italic", "link", "ul"]
    )
    enrolment_open = models.BooleanField(
        _("open for self-enrolment"),
        default=True,
        help_text=_("Learners can enrol themselves. Trainers can always assign it."),
    )

    segmented_fields = ["summary", "prerequisites"]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("search_text_segmented"),
        index.FilterField("audience"),
        index.FilterField("locale_id"),
    ]

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                FieldPanel("audience"),
                FieldPanel("estimated_hours"),
                FieldPanel("enrolment_open"),
            ],
            heading=_("Who and how long"),
        ),
        FieldPanel("prerequisites"),
        InlinePanel("competence_targets", label=_("Competences developed"), min_num=1),
    ]

    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def get_context(self, request, *args, **kwargs):
        from courses.selectors import course_page_context

        context = super().get_context(request, *args, **kwargs)
        context.update(course_page_context(course=self, user=request.user))
        return context


class LessonPage(SegmentedSearchMixin, LocaleFallbackMixin, Page):
    """One lesson of a course, in the order of the page tree."""

    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = StreamField(LessonBodyBlock(), verbose_name=_("content"))
    estimated_minutes = models.PositiveIntegerField(_("estimated minutes"), default=10)
    required = models.BooleanField(
        _("required"),
        default=True,
        help_text=_("Required lessons must be completed to complete the course."),
    )
    course_key = models.UUIDField(
        _("course identity"), null=True, editable=False, db_index=True
    )

    segmented_fields = ["summary", "body"]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
        index.SearchField("search_text_segmented"),
        index.FilterField("locale_id"),
    ]

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("estimated_minutes"), FieldPanel("required")],
            heading=_("Requirements"),
        ),
        InlinePanel("competence_targets", label=_("Competences practised")),
    ]

    parent_page_types = ["courses.CoursePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    def save(self, *args, **kwargs):
        # Denormalised so that progress queries need no tree walk.
        parent = self.get_parent() if self.path else None
        if parent is not None:
            self.course_key = parent.translation_key
        super().save(*args, **kwargs)

    def serve(self, request, *args, **kwargs):
        if not getattr(request, "is_preview", False):
            from courses.services import lesson_open

            # "Continue" on the course page comes back here.
            lesson_open(user=request.user, lesson=self)
        return super().serve(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from courses.selectors import lesson_page_context

        context = super().get_context(request, *args, **kwargs)
        context.update(lesson_page_context(lesson=self, user=request.user))
        return context


class CompetenceTarget(Orderable):
    """A competence a course or lesson develops, with the level it aims for."""

    competence = models.ForeignKey(
        "competencies.Competence",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=CURRENT_COMPETENCES,
        verbose_name=_("competence"),
    )
    level = models.ForeignKey(
        "competencies.ProficiencyLevel",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("target level"),
    )

    panels = [FieldPanel("competence"), FieldPanel("level")]

    class Meta(Orderable.Meta):
        abstract = True


class CourseCompetence(CompetenceTarget):
    page = ParentalKey(
        CoursePage, on_delete=models.CASCADE, related_name="competence_targets"
    )

    class Meta(CompetenceTarget.Meta):
        verbose_name = _("course competence")


class LessonCompetence(CompetenceTarget):
    page = ParentalKey(
        LessonPage, on_delete=models.CASCADE, related_name="competence_targets"
    )

    class Meta(CompetenceTarget.Meta):
        verbose_name = _("lesson competence")


class Enrolment(models.Model):
    """A learner's enrolment in a course (all its languages)."""

    class Source(models.TextChoices):
        SELF = "self", _("Self-enrolled")
        ASSIGNED = "assigned", _("Assigned by a trainer")

    class Status(models.TextChoices):
        ACTIVE = "active", _("In progress")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Unenrolled")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="enrolments",
        verbose_name=_("learner"),
    )
    course_key = models.UUIDField(_("course identity"), db_index=True)
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.SELF
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    last_lesson_key = models.UUIDField(_("last lesson opened"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course_key"], name="unique_enrolment"
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.course_key}"


class LessonCompletion(models.Model):
    """A learner completed a lesson (in any language)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="lesson_completions",
        verbose_name=_("learner"),
    )
    lesson_key = models.UUIDField(_("lesson identity"))
    course_key = models.UUIDField(_("course identity"), db_index=True)
    completed_at = models.DateTimeField(_("completed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("lesson completion")
        verbose_name_plural = _("lesson completions")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "lesson_key"], name="unique_lesson_completion"
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.lesson_key}"
