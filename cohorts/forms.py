from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Institution
from cohorts.selectors import assignable_courses

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class DateInput(forms.DateInput):
    input_type = "date"


class CohortForm(forms.Form):
    name_km = forms.CharField(label=_("Name in Khmer"), max_length=200)
    name_en = forms.CharField(label=_("Name in English"), max_length=200)
    code = forms.SlugField(
        label=_("Code"),
        max_length=60,
        help_text=_(
            "Letters, digits and dashes, such as mptc-2026-a. Enrolment files name "
            "the cohort by this code."
        ),
    )
    institution = forms.ModelChoiceField(
        label=_("Institution"), queryset=Institution.objects.all()
    )
    start_date = forms.DateField(label=_("Start date"), widget=DateInput)
    end_date = forms.DateField(label=_("End date"), widget=DateInput, required=False)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error(
                "end_date", _("The end date must not be before the start date.")
            )
        return cleaned


class AssignmentForm(forms.Form):
    course = forms.ChoiceField(label=_("Course"))
    due_date = forms.DateField(label=_("Due date"), widget=DateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.courses = {str(c.translation_key): c for c in assignable_courses()}
        self.fields["course"].choices = [("", "—")] + [
            (key, course.title) for key, course in self.courses.items()
        ]

    def clean_course(self):
        return self.courses[self.cleaned_data["course"]]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Enrolment file (.csv or .xlsx)"),
        help_text=_(
            "Columns: email, full_name_km, full_name_latin, institution, position, "
            "phone (optional), cohort, language (optional: km or en)."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB.")
                % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        return upload
