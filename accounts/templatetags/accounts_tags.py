from django import template

from accounts.selectors import user_must_activate_mfa

register = template.Library()


@register.simple_tag
def must_activate_mfa(user) -> bool:
    """Whether the signed-in user's role requires an authenticator app they lack."""
    return user.is_authenticated and user_must_activate_mfa(user)
