from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.models import Group

from accounts import roles


class AccountAdapter(DefaultAccountAdapter):
    """New accounts are learners and see the site in their preferred language."""

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            learner = Group.objects.filter(name=roles.LEARNER).first()
            if learner:
                user.groups.add(learner)
        return user
