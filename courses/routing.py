"""Serve a page in the other language when it is missing in the requested one."""

from django.http import Http404


class LocaleFallbackMixin:
    """When a child page is missing (or not live) in this locale, route to its
    translation in another locale; templates then show a notice, because the page's
    locale differs from the active language."""

    def route(self, request, path_components):
        try:
            return super().route(request, path_components)
        except Http404:
            if not path_components:
                raise
            slug, rest = path_components[0], path_components[1:]
            for translation in self.get_translations().live():
                child = (
                    translation.get_children()
                    .live()
                    .filter(slug=slug)
                    .specific()
                    .first()
                )
                if child is not None:
                    return child.route(request, rest)
            raise

    @property
    def is_language_fallback(self):
        from django.utils.translation import get_language

        return self.locale.language_code != get_language()
