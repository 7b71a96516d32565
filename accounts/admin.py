from django.contrib import admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import Institution, User


class UserCreationForm(auth_forms.AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserChangeForm(auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin, with e-mail in place of a username and the profile."""

    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Profile"),
            {
                "fields": (
                    "full_name_km",
                    "full_name_latin",
                    "learner_kind",
                    "institution",
                    "position",
                    "phone",
                    "preferred_language",
                )
            },
        ),
        (
            _("Permissions"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = (
        "email",
        "full_name_latin",
        "full_name_km",
        "learner_kind",
        "institution",
        "is_staff",
        "is_active",
    )
    list_filter = (
        "learner_kind",
        "institution",
        "groups",
        "is_staff",
        "is_superuser",
        "is_active",
    )
    list_select_related = ("institution",)
    search_fields = ("email", "full_name_latin", "full_name_km", "phone")
    ordering = ("email",)


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "name_km", "kind")
    list_filter = ("kind",)
    search_fields = ("code", "name_en", "name_km")
    ordering = ("kind", "name_en")
