"""Profile forms: at sign-up beside allauth's e-mail and password, on the profile
page, and in the Wagtail admin's user screens."""

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm as WagtailUserCreationForm
from wagtail.users.forms import UserEditForm as WagtailUserEditForm

from accounts.models import Institution, User
from accounts.selectors import KHMER_LETTER
from accounts.services import PROFILE_FIELDS, user_profile_update

PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,19}$")


def _not_an_address(value: str) -> None:
    # Certificates print these names; an address is not a name (and is personal
    # data a certificate must not carry).
    if "@" in value:
        raise ValidationError(
            _("Write your name here, not an e-mail address."), code="address"
        )


class ProfileFieldsForm(forms.Form):
    """The profile fields, shared by the sign-up and the profile page."""

    full_name_km = forms.CharField(
        label=_("Full name in Khmer"),
        max_length=150,
        widget=forms.TextInput(attrs={"lang": "km", "autocomplete": "name"}),
    )
    full_name_latin = forms.CharField(
        label=_("Full name in Latin script"),
        max_length=150,
        help_text=_("As written in your passport or ID card, for example SOK Dara."),
        widget=forms.TextInput(attrs={"lang": "en", "autocomplete": "name"}),
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
    position = forms.CharField(
        label=_("Position"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        required=False,
        help_text=_("For example 012 345 678."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"), choices=settings.LANGUAGES
    )

    def clean_full_name_km(self):
        value = self.cleaned_data["full_name_km"].strip()
        _not_an_address(value)
        if not KHMER_LETTER.search(value):
            raise ValidationError(
                _("Write your name in Khmer script."), code="not_khmer"
            )
        return value

    def clean_full_name_latin(self):
        value = self.cleaned_data["full_name_latin"].strip()
        _not_an_address(value)
        if KHMER_LETTER.search(value):
            raise ValidationError(
                _("Write this name in Latin letters, as in your passport."),
                code="not_latin",
            )
        return value

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        if value and not PHONE.match(value):
            raise ValidationError(
                _("Enter a phone number with digits only, for example 012 345 678."),
                code="invalid_phone",
            )
        return value

    def profile_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in PROFILE_FIELDS}


class SignupProfileForm(ProfileFieldsForm):
    """allauth's ACCOUNT_SIGNUP_FORM_CLASS: its fields follow e-mail and passwords."""

    field_order = ["email", "password1", "password2", *PROFILE_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preferred_language"].initial = get_language()

    def signup(self, request, user):
        user_profile_update(user=user, **self.profile_data())


class ProfileForm(ProfileFieldsForm):
    """The profile page, filled in with the user's current profile."""

    def __init__(self, *args, user: User, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "full_name_km": user.full_name_km,
                "full_name_latin": user.full_name_latin,
                "learner_kind": user.learner_kind,
                "institution": user.institution_id,
                "position": user.position,
                "phone": user.phone,
                "preferred_language": user.preferred_language,
            },
        )
        super().__init__(*args, **kwargs)


# Wagtail's user forms assume first and last names; Sala's users have a Khmer and a
# Latin full name and the rest of the profile instead.
ADMIN_PROFILE_FIELDS = ["email", *PROFILE_FIELDS]


class AdminUserCreationForm(WagtailUserCreationForm):
    first_name = None
    last_name = None

    class Meta(WagtailUserCreationForm.Meta):
        fields = [*ADMIN_PROFILE_FIELDS, "is_superuser", "groups"]


class AdminUserEditForm(WagtailUserEditForm):
    first_name = None
    last_name = None

    class Meta(WagtailUserEditForm.Meta):
        fields = [*ADMIN_PROFILE_FIELDS, "is_active", "is_superuser", "groups"]


class AdminNameForm(forms.ModelForm):
    """Replaces the name panel of Wagtail's own account settings page."""

    class Meta:
        model = User
        fields = ["full_name_km", "full_name_latin"]
