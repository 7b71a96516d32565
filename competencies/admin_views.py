"""Wagtail admin views to import a framework file (preview, then apply) and export one.

The previewed file is kept in the editor's own session, under a random token that
the "apply" form must send back, so what is applied is exactly what was previewed
and no upload is ever stored where another user or a URL could reach it.
"""

import base64
import secrets

from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from wagtail.admin import messages
from wagtail.admin.auth import user_passes_test

from competencies.forms import FrameworkExportForm, FrameworkImportForm
from competencies.models import Framework
from competencies.selectors import framework_get_default
from competencies.services import ImportResult, framework_export, framework_import

IMPORT_PERMISSIONS = ("competencies.add_competence", "competencies.change_competence")
EXPORT_PERMISSIONS = ("competencies.view_competence",)
PENDING_IMPORT_KEY = "competencies_pending_import"
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def user_can_import(user) -> bool:
    return user.is_active and user.has_perms(IMPORT_PERMISSIONS)


def user_can_export(user) -> bool:
    return user.is_active and user.has_perms(EXPORT_PERMISSIONS)


@user_passes_test(user_can_import)
def framework_import_view(request):
    """Upload a file and preview the import; a second POST applies the preview."""
    if request.method == "POST" and request.POST.get("action") == "apply":
        return _apply_pending(request)

    form = FrameworkImportForm(request.POST or None, request.FILES or None)
    result = token = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        target = {
            "framework": form.cleaned_data["framework"],
            "framework_code": form.cleaned_data["code"],
            "name_en": form.cleaned_data["name_en"],
            "name_km": form.cleaned_data["name_km"],
            "filename": upload.name,
        }
        result = framework_import(file=data, dry_run=True, **target)
        request.session.pop(PENDING_IMPORT_KEY, None)
        if result.ok:
            token = secrets.token_urlsafe(24)
            framework = target.pop("framework")
            request.session[PENDING_IMPORT_KEY] = {
                **target,
                "token": token,
                "framework_id": framework.pk if framework else None,
                "data": base64.b64encode(data).decode("ascii"),
            }
    return _render_import(request, form=form, result=result, token=token)


def _apply_pending(request):
    pending = request.session.get(PENDING_IMPORT_KEY)
    if not pending or not secrets.compare_digest(
        pending["token"], request.POST.get("token", "")
    ):
        messages.error(
            request,
            _("This preview is no longer available; upload the file again."),
        )
        return redirect("competencies_admin_import")
    del request.session[PENDING_IMPORT_KEY]

    framework = None
    if pending["framework_id"] is not None:
        framework = Framework.objects.filter(pk=pending["framework_id"]).first()
        if framework is None:
            messages.error(request, _("The chosen framework no longer exists."))
            return redirect("competencies_admin_import")
    result = framework_import(
        framework=framework,
        framework_code=pending["framework_code"],
        name_en=pending["name_en"],
        name_km=pending["name_km"],
        file=base64.b64decode(pending["data"]),
        filename=pending["filename"],
        dry_run=False,
    )
    if not result.ok:
        return _render_import(
            request, form=FrameworkImportForm(), result=result, token=None
        )
    messages.success(request, _import_message(result))
    return redirect("competencies_admin_import")


def _import_message(result: ImportResult) -> str:
    counts = result.summary()
    return _(
        "Imported into “%(framework)s”: %(levels_created)s levels, "
        "%(areas_created)s clusters and %(competences_created)s competences "
        "created; %(levels_updated)s levels, %(areas_updated)s clusters and "
        "%(competences_updated)s competences updated."
    ) % {
        "framework": result.framework.name,
        **{
            f"{kind}_{status}": counts[kind][status]
            for kind in ("levels", "areas", "competences")
            for status in ("created", "updated")
        },
    }


def _render_import(request, *, form, result, token):
    statuses = {
        "created": _("New"),
        "updated": _("Changed"),
        "unchanged": _("Unchanged"),
    }
    rows = []
    if result is not None and result.ok:
        rows = [
            {"row": row, "status": status, "status_label": statuses[status]}
            for row, status in result.row_statuses()
        ]
    return TemplateResponse(
        request,
        "competencies/admin/framework_import.html",
        {
            "form": form,
            "result": result,
            "summary": result.summary() if result is not None else None,
            "preview_rows": rows,
            "token": token,
        },
    )


@user_passes_test(user_can_export)
def framework_export_view(request):
    """Download a framework in the import format, as CSV or Excel."""
    default = framework_get_default()
    form = FrameworkExportForm(
        request.GET or None,
        initial={"framework": default.pk if default else None},
    )
    if form.is_bound and form.is_valid():
        framework = form.cleaned_data["framework"]
        fmt = form.cleaned_data["format"]
        response = HttpResponse(
            framework_export(framework=framework, fmt=fmt),
            content_type=CONTENT_TYPES[fmt],
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{framework.code}.{fmt}"'
        )
        return response
    return TemplateResponse(
        request, "competencies/admin/framework_export.html", {"form": form}
    )
