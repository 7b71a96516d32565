"""Admin forms to import and export a framework file."""

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from competencies.models import Framework
from competencies.services import MAX_IMPORT_BYTES
from lms import tabular


class FrameworkImportForm(forms.Form):
    """Upload a file into an existing framework, or into a new one."""

    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8) or Excel (.xlsx) with the columns type, code, parent, "
            "name_en, name_km, description_en, description_km and source."
        ),
        validators=[FileExtensionValidator(allowed_extensions=tabular.UPLOAD_SUFFIXES)],
    )
    framework = forms.ModelChoiceField(
        label=_("Framework"),
        queryset=Framework.objects.all(),
        required=False,
        empty_label=_("Create a new framework"),
        help_text=_("The rows are added to this framework or update it by code."),
    )
    code = forms.SlugField(
        label=_("Code of the new framework"),
        max_length=Framework._meta.get_field("code").max_length,
        required=False,
    )
    name_en = forms.CharField(
        label=_("Name of the new framework in English"),
        max_length=Framework._meta.get_field("name_en").max_length,
        required=False,
    )
    name_km = forms.CharField(
        label=_("Name of the new framework in Khmer"),
        max_length=Framework._meta.get_field("name_km").max_length,
        required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB."),
                params={"size": MAX_IMPORT_BYTES // (1024 * 1024)},
                code="too_large",
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("framework") is None:
            for name in ("code", "name_en", "name_km"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, _("Required to create a new framework."))
            code = cleaned.get("code")
            if code and Framework.objects.filter(code=code).exists():
                self.add_error(
                    "code",
                    _(
                        "A framework with this code exists: choose it in the list "
                        "above instead."
                    ),
                )
        return cleaned


class FrameworkExportForm(forms.Form):
    framework = forms.ModelChoiceField(
        label=_("Framework"), queryset=Framework.objects.all()
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[("xlsx", _("Excel (.xlsx)")), ("csv", _("CSV (UTF-8)"))],
        initial="xlsx",
    )
