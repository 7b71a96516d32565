"""Wagtail's user management for Sala's user model (no username, two full names)."""

import django_filters
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.users.views import users as wagtail_users

from accounts.forms import AdminUserCreationForm, AdminUserEditForm
from accounts.models import Institution, User


class UserFilterSet(wagtail_users.UserFilterSet):
    learner_kind = django_filters.ChoiceFilter(
        label=_("Learner kind"), choices=User.LearnerKind.choices
    )
    institution = django_filters.ModelChoiceFilter(
        label=_("Institution"), queryset=Institution.objects.all()
    )

    class Meta(wagtail_users.UserFilterSet.Meta):
        fields = []


class IndexView(wagtail_users.IndexView):
    @cached_property
    def search_fields(self):
        return ["email", "full_name_km", "full_name_latin"]

    @cached_property
    def columns(self):
        columns = super().columns
        for column in columns:
            if column.name == User.USERNAME_FIELD:
                column.label = _("E-mail address")
        return columns


class UserViewSet(wagtail_users.UserViewSet):
    filterset_class = UserFilterSet
    index_view_class = IndexView

    def get_form_class(self, for_update=False):
        if for_update:
            return AdminUserEditForm
        return AdminUserCreationForm
