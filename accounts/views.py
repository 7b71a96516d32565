from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.forms import ProfileForm
from accounts.services import user_profile_update


@login_required
def profile(request):
    """The signed-in user's profile. Choosing another preferred language shows
    the page again in that language."""
    form = ProfileForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = user_profile_update(user=request.user, **form.profile_data())
        with translation.override(user.preferred_language):
            messages.success(request, _("Your profile has been saved."))
            return redirect(reverse("accounts:profile"))
    return render(request, "accounts/profile.html", {"form": form})
