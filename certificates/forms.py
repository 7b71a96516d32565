from django import forms
from django.utils.translation import gettext_lazy as _

from certificates.codes import code_is_valid, code_normalize


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Certificate code"),
        max_length=40,
        help_text=_("16 letters and digits, printed under the QR code."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters"}
        ),
    )

    def clean_code(self):
        code = code_normalize(self.cleaned_data["code"])
        if not code_is_valid(code):
            raise forms.ValidationError(
                _("This is not a certificate code. Check it for typing mistakes.")
            )
        return code


class UploadForm(forms.Form):
    pdf = forms.FileField(
        label=_("PDF file of the certificate"),
        help_text=_("Checked here and not kept."),
    )

    MAX_BYTES = 10 * 1024 * 1024

    def clean_pdf(self):
        upload = self.cleaned_data["pdf"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_("Shown on the public verification page."),
    )


class ReissueForm(forms.Form):
    note = forms.CharField(
        label=_("Why reissue"),
        max_length=500,
        help_text=_("For example: name corrected at the holder's request."),
    )


class BulkIssueForm(forms.Form):
    course = forms.ChoiceField(label=_("Course"))

    def __init__(self, *args, courses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].choices = list(courses)


class ExportForm(forms.Form):
    course = forms.ChoiceField(label=_("Course or competition"), required=False)
    date_from = forms.DateField(
        label=_("Issued from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=_("Issued until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, courses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].choices = [
            ("", _("All courses and competitions")),
            *courses,
        ]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to"):
            if data["date_from"] > data["date_to"]:
                raise forms.ValidationError(_("The start date is after the end date."))
        return data
