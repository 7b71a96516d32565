from django import template
from django.urls import reverse

from cohorts import access, selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def required_trainings(context):
    """The signed-in learner's required training, earliest due first."""
    return selectors.required_trainings(user=context["request"].user)


@register.simple_tag(takes_context=True)
def dashboard_link(context):
    """The dashboard's address for those who may use it, else an empty string."""
    user = context["request"].user
    return reverse("cohorts:dashboard") if access.can_use_dashboard(user) else ""
