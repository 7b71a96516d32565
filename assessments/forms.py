"""The question form of the Wagtail admin."""

from wagtail.admin.forms import WagtailAdminModelForm


class QuestionAdminForm(WagtailAdminModelForm):
    """Hands the choices being saved to ``Question.clean``, so that a question no
    learner could answer correctly (no correct choice, no numeric answer, ...) is
    refused with the reason, before anything is stored."""

    def clean(self):
        cleaned = super().clean()
        formset = self.formsets.get("choices")
        if formset is not None:
            from assessments.models import Choice

            formset.is_valid()  # fills cleaned_data; its own errors show on its rows
            kept = []
            for form in formset.forms:
                data = getattr(form, "cleaned_data", None)
                if not data or data.get("DELETE"):
                    continue
                kept.append(
                    (
                        data.get("ORDER") or 0,
                        Choice(
                            text_km=data.get("text_km", ""),
                            text_en=data.get("text_en", ""),
                            is_correct=bool(data.get("is_correct")),
                        ),
                    )
                )
            self.instance.pending_choices = [
                choice for _, choice in sorted(kept, key=lambda pair: pair[0])
            ]
        return cleaned
