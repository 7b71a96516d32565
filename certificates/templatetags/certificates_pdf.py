from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from certificates.rendering import khmer_breakable

register = template.Library()


@register.filter(is_safe=False)
def breakable(value):
    """Escape, then let long Khmer text wrap between words."""
    return mark_safe(khmer_breakable(str(conditional_escape(value))))  # noqa: S308
