"""Competitions in the Wagtail admin: the contest form with its blueprint, and for
each contest its registrations, results, export, item analysis and audit log."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import ObjectList
from wagtail.admin.widgets.button import Button, ListingButton
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from competitions import admin_views
from competitions.forms import ContestAdminForm
from competitions.models import Contest


class ContestViewSet(SnippetViewSet):
    model = Contest
    icon = "clipboard-list"
    menu_label = _("Competitions")
    menu_name = "competitions"
    menu_order = 260
    add_to_admin_menu = True
    list_display = ["title_km", "title_en", "sitting_opens_at", "listed"]
    list_filter = ["listed"]
    search_fields = ["title_km", "title_en", "slug"]
    search_backend_name = None
    edit_handler = ObjectList(Contest.panels, base_form_class=ContestAdminForm)


register_snippet(ContestViewSet)

ORGANISER_PAGES = [
    ("competitions_admin_registrations", _("Registrations"), "group"),
    ("competitions_admin_results", _("Results and publication"), "list-ol"),
    ("competitions_admin_analysis", _("Item analysis"), "table"),
    ("competitions_admin_audit", _("Audit log"), "history"),
]


@hooks.register("register_snippet_listing_buttons")
def contest_listing_buttons(snippet, user, next_url=None):
    if not isinstance(snippet, Contest) or not admin_views.user_can_organise(user):
        return
    for priority, (name, label, icon) in enumerate(ORGANISER_PAGES):
        # Registrations and results on the row, the rest in its "More" menu.
        button_class = ListingButton if priority < 2 else Button
        yield button_class(
            label,
            reverse(name, args=[snippet.pk]),
            icon_name=icon,
            priority=10 + priority,
        )


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path(
            "competitions/<int:pk>/registrations/",
            admin_views.registrations_view,
            name="competitions_admin_registrations",
        ),
        path(
            "competitions/<int:pk>/registrations/decide/",
            admin_views.registration_decide_view,
            name="competitions_admin_decide",
        ),
        path(
            "competitions/<int:pk>/results/",
            admin_views.results_view,
            name="competitions_admin_results",
        ),
        path(
            "competitions/<int:pk>/results/publish/",
            admin_views.results_publish_view,
            name="competitions_admin_publish",
        ),
        path(
            "competitions/<int:pk>/close/",
            admin_views.sitting_close_view,
            name="competitions_admin_close",
        ),
        path(
            "competitions/<int:pk>/export.<str:fmt>",
            admin_views.export_view,
            name="competitions_admin_export",
        ),
        path(
            "competitions/<int:pk>/analysis/",
            admin_views.analysis_view,
            name="competitions_admin_analysis",
        ),
        path(
            "competitions/<int:pk>/audit/",
            admin_views.audit_view,
            name="competitions_admin_audit",
        ),
    ]
