from django import template
from django.urls import reverse, translate_url
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext as _
from wagtail.models import Locale

from courses.models import CourseIndexPage

register = template.Library()


@register.simple_tag
def csp_nonce():
    """The request's Content-Security-Policy nonce, for an inline script."""
    from lms.csp import current_nonce

    return current_nonce()


@register.simple_tag
def translated_path(request, language=None):
    """The current path; set_language swaps its language prefix.

    Django's set_language translates the ``next`` URL itself, so the switcher can
    pass the current path as it is, query string included.
    """
    return request.get_full_path()


@register.simple_tag
def url_in_language(request, language):
    """The current page's address in another language (for hreflang links)."""
    return translate_url(request.get_full_path(), language or get_language())


# Django names Khmer "Khmer" even in Khmer; a reader of Khmer looks for ខ្មែរ.
LOCAL_LANGUAGE_NAMES = {"km": "ខ្មែរ"}


@register.simple_tag
def language_name_local(code):
    """A language's name written in that language, as shown in the switcher."""
    return LOCAL_LANGUAGE_NAMES.get(code) or get_language_info(code)["name_local"]


@register.simple_tag
def catalogue_url():
    """The address of the course catalogue in the active language, if there is one."""
    catalogues = CourseIndexPage.objects.live().order_by("path")
    catalogue = (
        catalogues.filter(locale=Locale.get_active()).first() or catalogues.first()
    )
    return catalogue.url if catalogue else ""


@register.simple_tag
def staff_links(user) -> list[tuple[str, str]]:
    """(label, address) of the tools the person's roles open, for the header:
    trainers their dashboard, coordinators their ministry's roll-up, editors and
    administrators the admin and the competitions they organise. One query for
    the roles (cached on the user), one more for a coordinator's institutions."""
    from accounts import roles
    from cohorts import access

    if not user.is_authenticated:
        return []
    links = []
    names = access.role_names(user)
    if access.is_administrator(user) or roles.TRAINER in names:
        links.append((_("Trainer dashboard"), reverse("cohorts:dashboard")))
    if roles.COORDINATOR in names and not access.is_administrator(user):
        institutions = list(access.coordinated_institutions(user)[:3])
        for institution in institutions:
            label = (
                _("Ministry report")
                if len(institutions) == 1
                else _("Report: %(institution)s") % {"institution": institution.name}
            )
            links.append((label, reverse("cohorts:rollup", args=[institution.code])))
    if user.is_superuser or {roles.EDITOR, roles.ADMINISTRATOR} & names:
        links.append(
            (
                _("Organise competitions"),
                reverse("wagtailsnippets_competitions_contest:list"),
            )
        )
        links.append((_("Admin"), reverse("wagtailadmin_home")))
    return links
