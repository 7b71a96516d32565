"""The profile asked for at sign-up, beside allauth's e-mail and password."""

from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Institution, User
from accounts.services import user_profile_update


class SignupProfileForm(forms.Form):
    full_name_km = forms.CharField(label=_("Full name in Khmer"), max_length=150)
    full_name_latin = forms.CharField(
        label=_("Full name in Latin script"),
        max_length=150,
        help_text=_("As written in your passport or ID card, for example SOK Dara."),
    )
    learner_kind = forms.ChoiceField(
        label=_("I am a"), choices=User.LearnerKind.choices
    )
    institution = forms.ModelChoiceField(
        label=_("Institution"),
        queryset=Institution.objects.all(),
        required=False,
        empty_label=_("None or not listed"),
    )
    position = forms.CharField(label=_("Position"), max_length=150, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"), choices=settings.LANGUAGES
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preferred_language"].initial = get_language()

    def signup(self, request, user):
        user_profile_update(user=user, **self.cleaned_data)
