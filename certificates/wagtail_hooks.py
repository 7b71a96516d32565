"""Certificates in the Wagtail admin: templates (snippets), issued certificates,
bulk issue and export. Editors and Administrators only (model permissions)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.widgets import Button
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import EditView, SnippetViewSet

from certificates import admin_views
from certificates.models import CertificateTemplate


class TemplateEditView(EditView):
    @property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        buttons.append(
            Button(
                _("Preview PDF"),
                url=reverse("certificates_admin_preview", args=[self.object.pk]),
                icon_name="view",
                attrs={"target": "_blank", "rel": "noopener"},
                priority=5,
            )
        )
        return buttons


class CertificateTemplateViewSet(SnippetViewSet):
    model = CertificateTemplate
    icon = "doc-full"
    menu_label = _("Certificate templates")
    add_to_admin_menu = False
    edit_view_class = TemplateEditView
    list_display = ["name", "title_en", "version", "is_default", "is_active"]
    list_filter = ["is_active", "is_default"]
    search_fields = ["name", "title_en", "title_km"]


register_snippet(CertificateTemplateViewSet)


@hooks.register("register_snippet_listing_buttons")
def template_preview_button(snippet, user, next_url=None):
    if isinstance(snippet, CertificateTemplate) and admin_views.user_can_preview(user):
        yield Button(
            _("Preview PDF"),
            url=reverse("certificates_admin_preview", args=[snippet.pk]),
            icon_name="view",
            attrs={"target": "_blank", "rel": "noopener"},
            priority=15,
        )


class PermissionMenuItem(MenuItem):
    def __init__(self, *args, test, **kwargs):
        super().__init__(*args, **kwargs)
        self.test = test

    def is_shown(self, request):
        return self.test(request.user)


class CertificatesSubmenu(SubmenuMenuItem):
    def is_shown(self, request):
        return admin_views.user_can_view(request.user) or admin_views.user_can_preview(
            request.user
        )


@hooks.register("register_admin_menu_item")
def certificates_menu():
    items = [
        PermissionMenuItem(
            _("Issued certificates"),
            reverse("certificates_admin_index"),
            icon_name="doc-full-inverse",
            order=100,
            test=admin_views.user_can_view,
        ),
        PermissionMenuItem(
            _("Templates"),
            reverse("wagtailsnippets_certificates_certificatetemplate:list"),
            icon_name="doc-full",
            order=200,
            test=admin_views.user_can_preview,
        ),
        PermissionMenuItem(
            _("Bulk issue"),
            reverse("certificates_admin_bulk_issue"),
            icon_name="plus",
            order=300,
            test=admin_views.user_can_issue,
        ),
        PermissionMenuItem(
            _("Export ZIP"),
            reverse("certificates_admin_export"),
            icon_name="download",
            order=400,
            test=admin_views.user_can_view,
        ),
    ]
    return CertificatesSubmenu(
        _("Certificates"), Menu(items=items), icon_name="doc-full", order=260
    )


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path(
            "certificates/",
            admin_views.certificate_index,
            name="certificates_admin_index",
        ),
        path(
            "certificates/<int:pk>/",
            admin_views.certificate_detail,
            name="certificates_admin_detail",
        ),
        path(
            "certificates/<int:pk>/revoke/",
            admin_views.certificate_revoke,
            name="certificates_admin_revoke",
        ),
        path(
            "certificates/<int:pk>/reissue/",
            admin_views.certificate_reissue,
            name="certificates_admin_reissue",
        ),
        path(
            "certificates/<int:pk>/pdf/",
            admin_views.certificate_download,
            name="certificates_admin_download",
        ),
        path(
            "certificates/templates/<int:pk>/preview.pdf",
            admin_views.template_preview,
            name="certificates_admin_preview",
        ),
        path(
            "certificates/issue/",
            admin_views.bulk_issue,
            name="certificates_admin_bulk_issue",
        ),
        path(
            "certificates/competition/<int:contest_pk>/issue/",
            admin_views.contest_issue,
            name="certificates_admin_contest_issue",
        ),
        path(
            "certificates/export/",
            admin_views.export,
            name="certificates_admin_export",
        ),
        path(
            "certificates/jobs/<int:pk>/",
            admin_views.job_detail,
            name="certificates_admin_job",
        ),
        path(
            "certificates/jobs/<int:pk>/download/",
            admin_views.job_download,
            name="certificates_admin_job_download",
        ),
    ]


@hooks.register("competitions_results_panels")
def contest_results_panel(request, contest):
    return admin_views.contest_results_panel(request, contest)


@hooks.register("competitions_contestant_panels")
def contest_contestant_panel(request, contest, standing):
    from certificates.views import contest_certificates_panel

    return contest_certificates_panel(request, contest)
