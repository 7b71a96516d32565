"""The site's home page."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from courses.routing import LocaleFallbackMixin
from lms.blocks import HomeBodyBlock


class HomePage(LocaleFallbackMixin, Page):
    """The root of each locale's tree: explains Sala to its three audiences."""

    intro = RichTextField(
        _("introduction"), features=["bold", "italic", "link"], blank=True
    )
    body = StreamField(HomeBodyBlock(), blank=True, verbose_name=_("body"))

    search_fields = Page.search_fields + [
        index.SearchField("intro"),
        index.SearchField("body"),
    ]

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("body"),
    ]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.CourseIndexPage"]

    class Meta:
        verbose_name = _("home page")
