"""How a level reached on a competence is worded, from the framework's own level
names: the level's name; "below <the first level>" when the competence was
assessed and no level was reached; "not assessed" when no question of it was
answered. No level name is written in code: a framework whose first level is
"Foundation" reads "below Foundation"."""

from django.utils.translation import gettext as _


def level_label(level, *, assessed: bool, first_level=None) -> str:
    """``level`` and ``first_level`` are ProficiencyLevel rows (or None); the name
    is read in the active language."""
    if level is not None:
        return str(level.name)
    if assessed:
        return below_label(first_level)
    return _("not assessed")


def below_label(first_level) -> str:
    if first_level is None:
        return _("below the first level")
    return _("below %(level)s") % {"level": first_level.name}
