"""Read-only queries over the framework."""

from django.db.models import Prefetch

from competencies.models import Competence, Framework


def framework_get_default() -> Framework | None:
    return (
        Framework.objects.filter(is_default=True).first() or Framework.objects.first()
    )


def framework_tree(*, framework: Framework):
    """The framework's areas with their competences, in two queries."""
    return framework.areas.prefetch_related(
        Prefetch(
            "competences", queryset=Competence.objects.order_by("sort_order", "code")
        )
    ).order_by("sort_order", "code")
