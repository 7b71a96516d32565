from django import template

from accounts.selectors import user_missing_names, user_must_activate_mfa

register = template.Library()


@register.simple_tag
def must_activate_mfa(user) -> bool:
    """Whether the signed-in user's role requires an authenticator app they lack."""
    return user.is_authenticated and user_must_activate_mfa(user)


@register.simple_tag
def missing_names(user) -> list:
    """The names the signed-in user has not given yet (certificates need both)."""
    return user_missing_names(user) if user.is_authenticated else []
