"""StreamField blocks for lesson content."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock

INLINE_FEATURES = ["bold", "italic", "link", "ol", "ul"]


class HeadingBlock(blocks.CharBlock):
    """A section heading inside a lesson."""

    class Meta:
        icon = "title"
        template = "courses/blocks/heading_block.html"
        label = _("Heading")


class ParagraphBlock(blocks.RichTextBlock):
    """Rich text: the body of most lessons."""

    def __init__(self, **kwargs):
        kwargs.setdefault("features", INLINE_FEATURES + ["h3", "h4"])
        super().__init__(**kwargs)

    class Meta:
        icon = "pilcrow"
        template = "courses/blocks/paragraph_block.html"
        label = _("Rich text")


class LessonImageBlock(blocks.StructBlock):
    """An image with required alt text, served as lazy-loaded WebP renditions."""

    image = ImageChooserBlock(label=_("Image"))
    alt_text = blocks.CharBlock(
        label=_("Alternative text"),
        help_text=_("Describe the image for people who cannot see it."),
    )
    caption = blocks.CharBlock(required=False, label=_("Caption"))

    class Meta:
        icon = "image"
        template = "courses/blocks/image_block.html"
        label = _("Image")


class VideoBlock(blocks.StructBlock):
    """An embedded video with its transcript and a note for slow connections."""

    video = EmbedBlock(label=_("Video address"))
    transcript = blocks.RichTextBlock(features=INLINE_FEATURES, label=_("Transcript"))
    low_bandwidth_note = blocks.CharBlock(
        required=False,
        label=_("Low-bandwidth note"),
        help_text=_(
            "For example the video's size, or that the transcript covers it all."
        ),
    )

    class Meta:
        icon = "media"
        template = "courses/blocks/video_block.html"
        label = _("Video")


class CalloutBlock(blocks.StructBlock):
    """A highlighted box: a tip, a warning or a scam alert."""

    kind = blocks.ChoiceBlock(
        choices=[
            ("tip", _("Tip")),
            ("warning", _("Warning")),
            ("scam_alert", _("Scam alert")),
        ],
        default="tip",
        label=_("Kind"),
    )
    title = blocks.CharBlock(required=False, label=_("Title"))
    text = blocks.RichTextBlock(features=INLINE_FEATURES, label=_("Text"))

    class Meta:
        icon = "warning"
        template = "courses/blocks/callout_block.html"
        label = _("Callout")


class KeyTermBlock(blocks.StructBlock):
    term = blocks.CharBlock(label=_("Term"))
    definition = blocks.TextBlock(label=_("Definition"))

    class Meta:
        label = _("Key term")


class KeyTermsBlock(blocks.ListBlock):
    """A glossary of the lesson's key terms."""

    def __init__(self, **kwargs):
        super().__init__(KeyTermBlock(), **kwargs)

    class Meta:
        icon = "list-ul"
        template = "courses/blocks/key_terms_block.html"
        label = _("Key terms")


class DocumentBlock(blocks.StructBlock):
    """A downloadable document (handout, checklist, slides)."""

    document = DocumentChooserBlock(label=_("Document"))
    title = blocks.CharBlock(required=False, label=_("Title"))

    class Meta:
        icon = "doc-full"
        template = "courses/blocks/document_block.html"
        label = _("Document")


class CheckChoiceBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Choice"))
    correct = blocks.BooleanBlock(required=False, label=_("Correct"))
    feedback = blocks.CharBlock(required=False, label=_("Feedback"))

    class Meta:
        label = _("Choice")


class CheckUnderstandingBlock(blocks.StructBlock):
    """An ungraded question with feedback; it never counts towards a score."""

    question = blocks.CharBlock(label=_("Question"))
    choices = blocks.ListBlock(CheckChoiceBlock(), min_num=2, label=_("Choices"))
    explanation = blocks.TextBlock(required=False, label=_("Explanation"))

    class Meta:
        icon = "help"
        template = "courses/blocks/check_block.html"
        label = _("Check your understanding")


class LessonBodyBlock(blocks.StreamBlock):
    """Everything a lesson can contain."""

    heading = HeadingBlock()
    paragraph = ParagraphBlock()
    image = LessonImageBlock()
    video = VideoBlock()
    callout = CalloutBlock()
    key_terms = KeyTermsBlock()
    document = DocumentBlock()
    check = CheckUnderstandingBlock()
