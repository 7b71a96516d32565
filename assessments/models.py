"""Question banks, questions, quizzes, attempts and per-competence results.

A question is one row with its Khmer and English text, so its statistics join
across languages. A quiz is a Wagtail page under a course; attempts point at the
quiz's translation_key, so a learner can start in Khmer and finish in English.
"""

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from assessments import kinds
from assessments.forms import QuestionAdminForm
from competencies.models import CURRENT_COMPETENCES

STEM_FEATURES = ["bold", "italic", "link", "ol", "ul"]


def _pick(obj, field):
    km, en = getattr(obj, f"{field}_km"), getattr(obj, f"{field}_en")
    if get_language() == "km":
        return km or en
    return en or km


class QuestionBank(models.Model):
    """A named set of questions that quizzes and competitions draw from."""

    name_en = models.CharField(_("name in English"), max_length=200)
    name_km = models.CharField(_("name in Khmer"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    panels = [FieldPanel("name_km"), FieldPanel("name_en"), FieldPanel("description")]

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("question bank")
        verbose_name_plural = _("question banks")

    def __str__(self):
        return _pick(self, "name")


class Question(index.Indexed, ClusterableModel):
    """A question in both languages, tagged with competences and a level."""

    # The kinds and what they mean live in assessments.kinds, one class each.
    Kind = models.TextChoices("Kind", kinds.choices())

    bank = models.ForeignKey(
        QuestionBank,
        on_delete=models.PROTECT,
        related_name="questions",
        verbose_name=_("question bank"),
    )
    key = models.SlugField(
        _("key"),
        max_length=80,
        blank=True,
        help_text=_("A short stable name, unique in the bank, used by imports."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    stem_km = RichTextField(_("question in Khmer"), features=STEM_FEATURES)
    stem_en = RichTextField(_("question in English"), features=STEM_FEATURES)
    image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("image"),
    )
    image_alt_km = models.CharField(
        _("image description in Khmer"), max_length=255, blank=True
    )
    image_alt_en = models.CharField(
        _("image description in English"), max_length=255, blank=True
    )
    explanation_km = models.TextField(_("explanation in Khmer"), blank=True)
    explanation_en = models.TextField(_("explanation in English"), blank=True)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2, default=1)
    level = models.ForeignKey(
        "competencies.ProficiencyLevel",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("proficiency level"),
    )
    accepted_answers = models.TextField(
        _("accepted answers"),
        blank=True,
        help_text=_(
            "Short text questions: one accepted answer per line, in either language. "
            "Case, spaces, zero-width spaces and Khmer digits are ignored."
        ),
    )
    numeric_answer = models.DecimalField(
        _("numeric answer"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    tolerance = models.DecimalField(
        _("tolerance"), max_digits=14, decimal_places=4, default=0
    )
    is_active = models.BooleanField(_("active"), default=True)

    search_fields = [
        index.SearchField("stem_en"),
        index.SearchField("stem_km"),
        index.FilterField("bank_id"),
        index.FilterField("kind"),
    ]

    base_form_class = QuestionAdminForm
    panels = [
        FieldRowPanel([FieldPanel("bank"), FieldPanel("key")]),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("level"), FieldPanel("points")]),
        FieldPanel("stem_km"),
        FieldPanel("stem_en"),
        MultiFieldPanel(
            [
                FieldPanel("image"),
                FieldPanel("image_alt_km"),
                FieldPanel("image_alt_en"),
            ],
            heading=_("Image"),
        ),
        InlinePanel("choices", label=_("Choices (for ordering: in the right order)")),
        FieldPanel("accepted_answers"),
        FieldRowPanel([FieldPanel("numeric_answer"), FieldPanel("tolerance")]),
        FieldPanel("explanation_km"),
        FieldPanel("explanation_en"),
        InlinePanel("competence_links", label=_("Competences"), min_num=1),
        FieldPanel("is_active"),
    ]

    class Meta:
        ordering = ["bank", "key", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self):
        from django.utils.html import strip_tags
        from django.utils.text import Truncator

        return Truncator(strip_tags(_pick(self, "stem"))).chars(80)

    @property
    def stem(self):
        return _pick(self, "stem")

    @property
    def explanation(self):
        return _pick(self, "explanation")

    @property
    def image_alt(self):
        return _pick(self, "image_alt")

    def accepted_answer_list(self):
        return [
            line.strip() for line in self.accepted_answers.splitlines() if line.strip()
        ]

    @property
    def kind_spec(self) -> kinds.QuestionKind | None:
        return kinds.get(self.kind)

    def problems(self, choices=None) -> list[tuple[str | None, str]]:
        """Why learners could not answer this question correctly, by its kind:
        (field or None, message). ``choices``: the choices as they will be saved
        (the admin passes those of its form), else the stored ones."""
        kind = self.kind_spec
        if kind is None:
            return []
        if choices is None:
            choices = self.choices.all()
        return kind.problems(self, list(choices))

    def clean(self):
        super().clean()
        errors = {}
        for name, message in self.problems(getattr(self, "pending_choices", None)):
            errors.setdefault(name or NON_FIELD_ERRORS, []).append(message)
        if errors:
            raise ValidationError(errors)


class Choice(Orderable):
    """A choice of a question; for ordering questions, sort_order is the right order."""

    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="choices")
    text_km = models.CharField(_("choice in Khmer"), max_length=500)
    text_en = models.CharField(_("choice in English"), max_length=500)
    is_correct = models.BooleanField(_("correct"), default=False)
    feedback_km = models.CharField(_("feedback in Khmer"), max_length=500, blank=True)
    feedback_en = models.CharField(_("feedback in English"), max_length=500, blank=True)

    panels = [
        FieldRowPanel([FieldPanel("text_km"), FieldPanel("text_en")]),
        FieldPanel("is_correct"),
        FieldRowPanel([FieldPanel("feedback_km"), FieldPanel("feedback_en")]),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("choice")
        verbose_name_plural = _("choices")

    def __str__(self):
        return self.text

    @property
    def text(self):
        return _pick(self, "text")

    @property
    def feedback(self):
        return _pick(self, "feedback")


class QuestionCompetence(Orderable):
    """A competence a question measures, with its weight."""

    question = ParentalKey(
        Question, on_delete=models.CASCADE, related_name="competence_links"
    )
    competence = models.ForeignKey(
        "competencies.Competence",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=CURRENT_COMPETENCES,
        verbose_name=_("competence"),
    )
    weight = models.DecimalField(_("weight"), max_digits=4, decimal_places=2, default=1)

    panels = [FieldPanel("competence"), FieldPanel("weight")]

    class Meta(Orderable.Meta):
        verbose_name = _("question competence")


class QuizPage(Page):
    """A quiz of a course: fixed questions and/or random draws from banks."""

    class Grading(models.TextChoices):
        HIGHEST = "highest", _("Highest attempt")
        LAST = "last", _("Last attempt")
        AVERAGE = "average", _("Average of attempts")

    class Feedback(models.TextChoices):
        IMMEDIATELY = "immediately", _("Immediately after submitting")
        AFTER_CLOSE = "after_close", _("After the quiz closes")
        NEVER = "never", _("Never")

    intro = RichTextField(_("introduction"), blank=True, features=STEM_FEATURES)
    time_limit_minutes = models.PositiveIntegerField(
        _("time limit (minutes)"),
        null=True,
        blank=True,
        help_text=_("Empty: no limit."),
    )
    attempts_allowed = models.PositiveIntegerField(
        _("attempts allowed"), default=3, help_text=_("0 means unlimited.")
    )
    grading_method = models.CharField(
        _("grading method"),
        max_length=20,
        choices=Grading.choices,
        default=Grading.HIGHEST,
    )
    pass_mark = models.DecimalField(
        _("pass mark (%)"), max_digits=5, decimal_places=2, default=70
    )
    shuffle_questions = models.BooleanField(_("shuffle questions"), default=True)
    shuffle_choices = models.BooleanField(_("shuffle choices"), default=True)
    open_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    close_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    feedback_timing = models.CharField(
        _("show correct answers"),
        max_length=20,
        choices=Feedback.choices,
        default=Feedback.IMMEDIATELY,
    )
    is_diagnostic = models.BooleanField(
        _("diagnostic pre-test"),
        default=False,
        help_text=_("A pre-test: its results show the starting level, for the gain."),
    )
    required = models.BooleanField(
        _("required to complete the course"),
        default=True,
        help_text=_("The learner must pass it to complete the course."),
    )
    course_key = models.UUIDField(
        _("course identity"), null=True, editable=False, db_index=True
    )

    search_fields = Page.search_fields + [index.SearchField("intro")]

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        InlinePanel("fixed_questions", label=_("Fixed questions")),
        InlinePanel("draw_rules", label=_("Random draws from banks")),
    ]
    settings_panels = Page.settings_panels + [
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [FieldPanel("time_limit_minutes"), FieldPanel("attempts_allowed")]
                ),
                FieldRowPanel([FieldPanel("grading_method"), FieldPanel("pass_mark")]),
                FieldRowPanel(
                    [FieldPanel("shuffle_questions"), FieldPanel("shuffle_choices")]
                ),
                FieldRowPanel([FieldPanel("open_at"), FieldPanel("close_at")]),
                FieldPanel("feedback_timing"),
                FieldRowPanel([FieldPanel("is_diagnostic"), FieldPanel("required")]),
            ],
            heading=_("Quiz settings"),
        )
    ]

    parent_page_types = ["courses.CoursePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")

    def save(self, *args, **kwargs):
        # Denormalised, as on lessons, so requirement queries need no tree walk.
        parent = self.get_parent() if self.path else None
        if parent is not None:
            self.course_key = parent.translation_key
        super().save(*args, **kwargs)

    def is_open(self, now=None):
        now = now or timezone.now()
        if self.open_at and now < self.open_at:
            return False
        return not (self.close_at and now >= self.close_at)

    def answers_visible(self, now=None):
        """May the correct answers be shown to learners now?"""
        now = now or timezone.now()
        if self.feedback_timing == self.Feedback.IMMEDIATELY:
            return True
        if self.feedback_timing == self.Feedback.AFTER_CLOSE:
            return bool(self.close_at and now >= self.close_at)
        return False

    def get_context(self, request, *args, **kwargs):
        from assessments.selectors import quiz_page_context

        context = super().get_context(request, *args, **kwargs)
        context.update(quiz_page_context(quiz=self, user=request.user))
        return context


class QuizQuestion(Orderable):
    """A question every attempt of the quiz gets."""

    page = ParentalKey(
        QuizPage, on_delete=models.CASCADE, related_name="fixed_questions"
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="+", verbose_name=_("question")
    )

    panels = [FieldPanel("question")]


class DrawRule(Orderable):
    """Draw N random questions of a competence and level from a bank."""

    page = ParentalKey(QuizPage, on_delete=models.CASCADE, related_name="draw_rules")
    bank = models.ForeignKey(
        QuestionBank, on_delete=models.PROTECT, related_name="+", verbose_name=_("bank")
    )
    competence = models.ForeignKey(
        "competencies.Competence",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to=CURRENT_COMPETENCES,
        verbose_name=_("competence"),
    )
    level = models.ForeignKey(
        "competencies.ProficiencyLevel",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("level"),
    )
    count = models.PositiveIntegerField(_("number of questions"), default=1)

    panels = [
        FieldPanel("bank"),
        FieldRowPanel(
            [FieldPanel("competence"), FieldPanel("level"), FieldPanel("count")]
        ),
    ]


class SittingBase(models.Model):
    """What a quiz attempt and a competition sitting share (the attempt engine,
    ``assessments.engine``): questions laid out once, answers until the deadline,
    scored once."""

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.IN_PROGRESS
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    closed_by_deadline = models.BooleanField(_("closed at the deadline"), default=False)
    # [{"question": <id>, "choices": [<choice id>, ...]}, ...] in the order shown.
    layout = models.JSONField(_("questions as shown"), default=list)
    score = models.DecimalField(_("score"), max_digits=8, decimal_places=2, null=True)
    max_score = models.DecimalField(
        _("maximum score"), max_digits=8, decimal_places=2, null=True
    )
    percent = models.DecimalField(
        _("percent"), max_digits=5, decimal_places=2, null=True
    )

    FOREIGN_QUESTION = _("That question is not part of this attempt.")

    class Meta:
        abstract = True

    @property
    def question_ids(self):
        return [item["question"] for item in self.layout]

    def is_past_deadline(self, now=None) -> bool:
        return bool(self.deadline and (now or timezone.now()) >= self.deadline)

    def competence_row(self, *, competence, now, **scores):
        """An unsaved score of this sitting on one competence (``earned``,
        ``possible``, ``level_rank``, ``levels``)."""
        raise NotImplementedError


class ResponseBase(models.Model):
    """An answer to one question of a sitting, in the shape its kind parses
    (``assessments.kinds``): {"choices": [ids]}, {"text": str}, {"value": str}
    or {"order": [ids]}."""

    answer = models.JSONField(_("answer"), default=dict)
    saved_at = models.DateTimeField(_("saved at"), default=timezone.now)
    fraction = models.DecimalField(max_digits=6, decimal_places=4, null=True)
    points = models.DecimalField(_("points"), max_digits=8, decimal_places=2, null=True)

    class Meta:
        abstract = True


class CompetenceScoreBase(models.Model):
    """What one sitting showed about one competence.

    ``levels`` maps a level rank to [earned, possible]: {"1": ["2.00", "2.00"], ...}.
    """

    earned = models.DecimalField(max_digits=8, decimal_places=2)
    possible = models.DecimalField(max_digits=8, decimal_places=2)
    level_rank = models.PositiveSmallIntegerField(_("level reached"))
    levels = models.JSONField(default=dict)

    class Meta:
        abstract = True

    @property
    def percent(self):
        return int(self.earned * 100 / self.possible) if self.possible else 0


class Attempt(SittingBase):
    """One learner's sitting of a quiz."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="attempts",
        verbose_name=_("learner"),
    )
    quiz = models.ForeignKey(
        QuizPage,
        on_delete=models.PROTECT,
        related_name="attempts",
        verbose_name=_("quiz"),
    )
    quiz_key = models.UUIDField(_("quiz identity"), db_index=True)
    course_key = models.UUIDField(_("course identity"), null=True, db_index=True)
    number = models.PositiveIntegerField(_("attempt number"))
    passed = models.BooleanField(_("passed"), null=True)

    class Meta:
        ordering = ["started_at"]
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "quiz_key", "number"], name="unique_attempt_number"
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.quiz} · {self.number}"

    def competence_row(self, *, competence, now, **scores):
        return CompetenceResult(
            attempt=self,
            user=self.user,
            competence=competence,
            recorded_at=now,
            **scores,
        )


class Response(ResponseBase):
    """A learner's answer to one question of an attempt."""

    attempt = models.ForeignKey(
        Attempt, on_delete=models.CASCADE, related_name="responses"
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="responses"
    )

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "question"], name="unique_response"
            )
        ]

    def __str__(self):
        return f"{self.attempt_id} · {self.question_id}"


class CompetenceResult(CompetenceScoreBase):
    """What one attempt showed about one competence (the learner's profile is
    built from these)."""

    attempt = models.ForeignKey(
        Attempt, on_delete=models.CASCADE, related_name="competence_results"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="competence_results",
    )
    competence = models.ForeignKey(
        "competencies.Competence", on_delete=models.PROTECT, related_name="results"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recorded_at", "pk"]
        verbose_name = _("competence result")
        verbose_name_plural = _("competence results")
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "competence"], name="unique_competence_result"
            )
        ]

    def __str__(self):
        return f"{self.user_id} · {self.competence_id} · {self.level_rank}"
