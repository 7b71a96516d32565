from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from competitions import blueprint
from competitions.models import Registration
from competitions.selectors import blueprint_pools, contest_institutions


class RegistrationForm(forms.ModelForm):
    """A student's registration: institution, student ID and year of study."""

    class Meta:
        model = Registration
        fields = ["institution", "student_id", "study_year"]
        widgets = {"study_year": forms.NumberInput(attrs={"min": 1, "max": 10})}

    def __init__(self, *args, contest, user, **kwargs):
        super().__init__(*args, **kwargs)
        institutions = contest_institutions(contest=contest)
        self.fields["institution"].queryset = institutions
        if user.institution_id and institutions.filter(pk=user.institution_id):
            self.fields["institution"].initial = user.institution_id
        self.fields["student_id"].help_text = _(
            "As on your student card; the organisers check it."
        )


class ContestAdminForm(WagtailAdminModelForm):
    """The contest form in the admin: the blueprint must be fillable from the
    banks, and it is frozen once a contestant has started."""

    def is_valid(self):
        valid = super().is_valid()
        formset = self.formsets.get("blueprint_rows")
        if not valid or formset is None:
            return valid
        if (
            self.instance.pk
            and self.instance.sittings.exists()
            and formset.has_changed()
        ):
            self.add_error(
                None,
                _(
                    "Contestants have started: the blueprint can no longer change, "
                    "or their forms would not be equivalent."
                ),
            )
            return False
        rows = []
        for index, form in enumerate(formset.forms):
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            rows.append(
                (
                    index,
                    data["bank"].pk,
                    data["competence"].pk,
                    data["level"].pk,
                    data["count"],
                )
            )
        shortfalls = blueprint.shortfalls(blueprint_pools(rows))
        for shortfall in shortfalls:
            formset.forms[shortfall.row_id].add_error(
                "count",
                _(
                    "The bank has only %(available)s active questions for this "
                    "competence and level (not drawn by another row)."
                )
                % {"available": shortfall.available},
            )
        if shortfalls:
            self.add_error(
                None, _("The question banks cannot fill every row of the blueprint.")
            )
        return not shortfalls
