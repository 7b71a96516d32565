"""Every login goes through allauth, and those whose role needs it use two factors."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from accounts.selectors import user_must_activate_mfa


class AllauthLoginMiddleware:
    """Send the Wagtail and Django admin login pages to allauth's login.

    Their own login forms would skip e-mail verification and the second factor.
    A signed-in user sent to an admin login lacks admin access: they get a 403
    instead of a redirect that would bring them back to the admin.
    """

    # Each admin login view, with where to go after login when no ``next`` is given.
    admin_login_views = {
        "wagtailadmin_login": "wagtailadmin_home",
        "admin:login": "admin:index",
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        home = self.admin_login_views.get(request.resolver_match.view_name)
        if home is None:
            return None
        if request.user.is_authenticated:
            raise PermissionDenied
        next_url = request.GET.get("next") or reverse(home)
        return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")


class RequireMFAMiddleware:
    """Send a user who must use two-factor login but has none to the TOTP set-up.

    Until it is done, only the pages needed to set it up (re-authentication,
    e-mail addresses, which must be verified first), logout and the language
    switch stay reachable. Matching view names keeps this independent of the
    language prefix.
    """

    allowed_view_names = frozenset(
        {
            "mfa_index",
            "mfa_activate_totp",
            "mfa_reauthenticate",
            "mfa_authenticate",
            "account_logout",
            "account_reauthenticate",
            "account_email",
            "account_confirm_email",
            "account_email_verification_sent",
            "set_language",
        }
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.resolver_match.view_name in self.allowed_view_names:
            return None
        if request.path.startswith((settings.STATIC_URL, settings.MEDIA_URL)):
            return None
        if not user_must_activate_mfa(user):
            return None
        # The set-up page itself says why the user is there.
        return redirect("mfa_activate_totp")
