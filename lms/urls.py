from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from courses import views as course_views
from lms import health

urlpatterns = [
    # Outside the language prefix and before Wagtail's catch-all: probes get no
    # redirect, and need no login.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("", include("certificates.api_urls")),
]

urlpatterns += i18n_patterns(
    # Under the language prefix, so that set_language resolves the page it is
    # asked to translate in the page's own language, whatever the browser prefers.
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/profile/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("framework/", include("competencies.urls")),
    path("learning/", include("courses.urls")),
    path("learning/", include("assessments.urls")),
    path("competitions/", include("competitions.urls")),
    path("trainer/", include("cohorts.urls")),
    path("search/", course_views.search, name="search"),
    path("", include("certificates.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=True,
)

if settings.DEBUG:
    from pathlib import Path

    from django.conf.urls.static import static

    # Only the public media, as nginx serves it in production: certificate PDFs,
    # exports and documents leave through their views, which check access
    # (lms/media.py).
    urlpatterns += static(
        f"{settings.MEDIA_URL}images/",
        document_root=Path(settings.MEDIA_ROOT) / "images",
    )
