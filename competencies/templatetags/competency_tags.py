from django import template

from competencies.levels import below_label, level_label

register = template.Library()


@register.simple_tag
def level_text(level, assessed=True, first_level=None):
    """``{% level_text level assessed first_level %}``: the level's name, "below
    <first level>" or "not assessed" (see ``competencies.levels``)."""
    return level_label(level, assessed=assessed, first_level=first_level)


@register.simple_tag
def below_text(first_level):
    return below_label(first_level)
