"""Staff, trainers, editors and administrators must set up two-factor login."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.selectors import user_has_mfa, user_requires_mfa


class RequireMFAMiddleware:
    """Send a user who must use MFA but has none to the TOTP set-up page.

    Only the MFA pages, logout and static files stay reachable until then.
    """

    allowed_prefixes = ("/static/", "/media/")
    allowed_url_names = ("mfa_activate_totp", "mfa_index", "account_logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not self._allowed(request.path)
            and user_requires_mfa(user)
            and not user_has_mfa(user)
        ):
            messages.warning(
                request,
                _(
                    "Your role requires two-factor authentication. "
                    "Set it up to continue."
                ),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    def _allowed(self, path):
        if path.startswith(self.allowed_prefixes):
            return True
        return any(
            path == reverse(name) or path.startswith(reverse(name))
            for name in self.allowed_url_names
        )
