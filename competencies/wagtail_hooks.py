"""The "Competency framework" admin menu: the four models as snippets, plus import
and export of a whole framework."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from competencies import admin_views
from competencies.models import Area, Competence, Framework, ProficiencyLevel

LABEL_SEARCH_FIELDS = ["code", "name_en", "name_km"]


class FrameworkViewSet(SnippetViewSet):
    model = Framework
    icon = "site"
    menu_label = _("Frameworks")
    list_display = ["code", "name_en", "name_km", "is_default", "is_provisional"]
    search_fields = LABEL_SEARCH_FIELDS
    # Search the database directly: the models are not in a search index.
    search_backend_name = None


class ProficiencyLevelViewSet(SnippetViewSet):
    model = ProficiencyLevel
    icon = "order"
    menu_label = _("Proficiency levels")
    list_display = ["code", "name_en", "name_km", "rank", "framework"]
    list_filter = ["framework"]
    search_fields = LABEL_SEARCH_FIELDS
    search_backend_name = None

    def get_queryset(self, request):
        return ProficiencyLevel.objects.select_related("framework")


class AreaViewSet(SnippetViewSet):
    model = Area
    icon = "folder-open-inverse"
    menu_label = _("Competency clusters")
    list_display = ["code", "name_en", "name_km", "framework"]
    list_filter = ["framework"]
    search_fields = LABEL_SEARCH_FIELDS
    search_backend_name = None

    def get_queryset(self, request):
        return Area.objects.select_related("framework")


class CompetenceViewSet(SnippetViewSet):
    model = Competence
    icon = "tasks"
    menu_label = _("Competences")
    list_display = ["code", "name_en", "name_km", "area", "framework"]
    list_filter = ["framework", "area"]
    search_fields = LABEL_SEARCH_FIELDS
    search_backend_name = None

    def get_queryset(self, request):
        # Each cluster's competences together, clusters in framework order.
        return Competence.objects.select_related("area", "framework").order_by(
            "framework__code", "area__sort_order", "area__code", "sort_order", "code"
        )


class PermissionMenuItem(MenuItem):
    """A menu item shown only to users who pass ``test``."""

    def __init__(self, *args, test, **kwargs):
        super().__init__(*args, **kwargs)
        self.test = test

    def is_shown(self, request):
        return self.test(request.user)


class CompetencyFrameworkGroup(SnippetViewSetGroup):
    items = (FrameworkViewSet, AreaViewSet, CompetenceViewSet, ProficiencyLevelViewSet)
    menu_label = _("Competency framework")
    menu_name = "competency-framework"
    menu_icon = "tasks"
    menu_order = 250

    def get_submenu_items(self):
        items = super().get_submenu_items()
        order = len(items) + 1
        return [
            *items,
            PermissionMenuItem(
                _("Import framework"),
                reverse("competencies_admin_import"),
                name="competencies-import",
                icon_name="upload",
                order=order,
                test=admin_views.user_can_import,
            ),
            PermissionMenuItem(
                _("Export framework"),
                reverse("competencies_admin_export"),
                name="competencies-export",
                icon_name="download",
                order=order + 1,
                test=admin_views.user_can_export,
            ),
        ]


register_snippet(CompetencyFrameworkGroup)


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path(
            "competencies/import/",
            admin_views.framework_import_view,
            name="competencies_admin_import",
        ),
        path(
            "competencies/export/",
            admin_views.framework_export_view,
            name="competencies_admin_export",
        ),
    ]
