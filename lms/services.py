"""Writes for the site itself: locales, the home pages and the demo accounts."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from wagtail.models import Locale, Page, Site

from accounts.models import Institution, User
from accounts.services import user_role_set
from lms.demo_content import HOME_PAGES
from lms.models import HomePage


@transaction.atomic
def site_home_ensure(
    *,
    pages: dict | None = None,
    hostname: str = "127.0.0.1",
    port: int = 8000,
) -> HomePage:
    """Make a published HomePage per language the root of the default Site.

    ``pages`` maps a language code to the page's title, slug, intro and body (raw
    StreamField data); the default language's page is the Site's root, the others
    are its translations (same ``translation_key``). Wagtail's initial "Welcome"
    page is removed. Pages that already exist are left as they are, so editors'
    changes survive a second run and running twice changes nothing.
    """
    pages = HOME_PAGES if pages is None else pages
    default_language = settings.LANGUAGE_CODE
    locales = {
        code: Locale.objects.get_or_create(language_code=code)[0] for code in pages
    }

    home = HomePage.objects.filter(depth=2, locale=locales[default_language]).first()
    if home is None:
        _remove_welcome_page()
        home = _home_page_create(
            locale=locales[default_language], content=pages[default_language]
        )

    for code, content in pages.items():
        if code == default_language:
            continue
        if not HomePage.objects.filter(
            translation_key=home.translation_key, locale=locales[code]
        ).exists():
            _home_page_create(
                locale=locales[code],
                content=content,
                translation_key=home.translation_key,
            )

    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname=hostname,
            port=port,
            site_name=settings.WAGTAIL_SITE_NAME,
            root_page=home,
            is_default_site=True,
        )
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.save()
    return home


def _remove_welcome_page() -> None:
    # The page Wagtail's migrations create is a plain Page with no content; the
    # default Site points at it, and goes with it (recreated by the caller).
    root = Page.get_first_root_node()
    for page in root.get_children().exact_type(Page):
        if page.numchild == 0:
            page.delete()


def _home_page_create(
    *, locale: Locale, content: dict, translation_key=None
) -> HomePage:
    root = Page.get_first_root_node()
    page = HomePage(
        title=content["title"],
        slug=content["slug"],
        locale=locale,
        intro=content["intro"],
        body=content["body"],
    )
    if translation_key is not None:
        page.translation_key = translation_key
    root.add_child(instance=page)
    page.save_revision().publish()
    return page


@transaction.atomic
def demo_account_ensure(
    *,
    email: str,
    password: str,
    role: str,
    is_staff: bool = False,
    is_superuser: bool = False,
    profile: dict,
) -> tuple[User, bool]:
    """Create a demo account with a verified primary e-mail, once.

    An existing account keeps its password and profile; only its role and verified
    e-mail address are made sure of. Returns the user and whether it was created.
    """
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if created:
        fields = dict(profile)
        if fields.get("institution"):
            fields["institution"] = Institution.objects.get(code=fields["institution"])
        user = User.objects.create_user(
            email=email,
            password=password,
            is_staff=is_staff,
            is_superuser=is_superuser,
            **fields,
        )
    user_role_set(user=user, role=role)
    address, _created = EmailAddress.objects.get_or_create(
        user=user,
        email__iexact=email,
        defaults={"email": email, "verified": True, "primary": True},
    )
    if not (address.verified and address.primary):
        address.verified = True
        address.primary = True
        address.save(update_fields=["verified", "primary"])
    return user, created
