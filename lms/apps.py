from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = _("Sala")

    def ready(self):
        from lms import (
            checks,  # noqa: F401  (registers the deployment checks)
            csp,
        )

        csp.nonce_wagtail_choosers()
