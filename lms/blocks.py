"""StreamField blocks for the site's own pages."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks


class AudienceBlock(blocks.StructBlock):
    """What Sala offers one audience (civil servants, students or trainers)."""

    audience = blocks.ChoiceBlock(
        choices=[
            ("civil_servant", _("Civil servants")),
            ("student", _("Students")),
            ("trainer", _("Trainers")),
        ],
        label=_("Audience"),
    )
    heading = blocks.CharBlock(label=_("Heading"))
    text = blocks.RichTextBlock(
        features=["bold", "italic", "link", "ul"], label=_("Text")
    )
    link_label = blocks.CharBlock(required=False, label=_("Link label"))
    link_page = blocks.PageChooserBlock(required=False, label=_("Link to page"))
    link_url = blocks.CharBlock(required=False, label=_("Or link to address"))

    class Meta:
        icon = "group"
        template = "blocks/audience_block.html"
        label = _("Audience")


class HomeBodyBlock(blocks.StreamBlock):
    """Free content of the home page."""

    audience = AudienceBlock()
    heading = blocks.CharBlock(
        icon="title", template="blocks/heading_block.html", label=_("Heading")
    )
    paragraph = blocks.RichTextBlock(
        icon="pilcrow", template="blocks/paragraph_block.html", label=_("Paragraph")
    )
