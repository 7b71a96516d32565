"""Question banks and questions in the Wagtail admin."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from assessments.models import Question, QuestionBank


class QuestionBankViewSet(SnippetViewSet):
    model = QuestionBank
    icon = "folder-open-inverse"
    menu_label = _("Question banks")
    list_display = ["name_km", "name_en"]
    search_fields = ["name_en", "name_km"]


class QuestionViewSet(SnippetViewSet):
    model = Question
    icon = "help"
    menu_label = _("Questions")
    list_display = ["__str__", "kind", "level", "bank", "points", "is_active"]
    list_filter = ["bank", "kind", "level", "is_active"]
    search_fields = ["stem_en", "stem_km", "key"]


class AssessmentViewSetGroup(SnippetViewSetGroup):
    items = (QuestionBankViewSet, QuestionViewSet)
    menu_icon = "help"
    menu_label = _("Assessments")
    menu_name = "assessments"


register_snippet(AssessmentViewSetGroup)
