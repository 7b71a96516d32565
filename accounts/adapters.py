from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts import roles
from accounts.selectors import user_must_activate_mfa
from accounts.services import user_role_set


def _home_url(language: str) -> str:
    with translation.override(language):
        return reverse("wagtail_serve", args=[""])


class AccountAdapter(DefaultAccountAdapter):
    """New accounts are learners; after login people land in their own language."""

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            user_role_set(user=user, role=roles.LEARNER)
        return user

    def get_login_redirect_url(self, request):
        return self._landing_url(request, super().get_login_redirect_url(request))

    def get_signup_redirect_url(self, request):
        return self._landing_url(request, super().get_signup_redirect_url(request))

    def _landing_url(self, request, url):
        """Send those who must set up two-factor login straight to it, and those
        landing on a home page to the home page in their preferred language.

        A ``next`` URL given to the login form still takes precedence: allauth
        only asks the adapter when there is none.
        """
        user = request.user
        if user_must_activate_mfa(user):
            return reverse("mfa_activate_totp")
        homes = {"/", *(_home_url(code) for code, _name in settings.LANGUAGES)}
        if url in homes:
            return _home_url(user.preferred_language)
        return url

    def render_mail(self, template_prefix, email, context, headers=None):
        """Label each message with its language: the language of the page that
        sent it."""
        headers = {**(headers or {}), "Content-Language": translation.get_language()}
        return super().render_mail(template_prefix, email, context, headers=headers)
