"""Who sees which cohort and institution.

A trainer sees the cohorts they train, a coordinator the cohorts of the institutions
they coordinate, an administrator everything. A learner sees only themselves, on
My learning and their competency profile: the dashboards are closed to them. Each
rule needs the role as well as the link: removing someone from the Trainer or
Coordinator role closes their dashboards at once.
"""

from django.db.models import Q, QuerySet

from accounts import roles
from accounts.models import Institution
from cohorts.models import Cohort, Coordinator


def role_names(user) -> set[str]:
    """The names of the user's roles, read once per request (cached on the user)."""
    return _role_names(user)


def _role_names(user) -> set[str]:
    cached = getattr(user, "_cohorts_role_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._cohorts_role_names = cached
    return cached


def is_administrator(user) -> bool:
    return user.is_authenticated and (
        user.is_superuser or roles.ADMINISTRATOR in _role_names(user)
    )


def is_trainer(user) -> bool:
    return user.is_authenticated and roles.TRAINER in _role_names(user)


def is_coordinator(user) -> bool:
    return user.is_authenticated and roles.COORDINATOR in _role_names(user)


def can_use_dashboard(user) -> bool:
    return is_administrator(user) or is_trainer(user) or is_coordinator(user)


def can_create_cohort(user) -> bool:
    return is_administrator(user) or is_trainer(user)


def coordinated_institutions(user) -> QuerySet[Institution]:
    if is_administrator(user):
        return Institution.objects.all()
    if not is_coordinator(user):
        return Institution.objects.none()
    return Institution.objects.filter(
        pk__in=Coordinator.objects.filter(user=user).values("institution_id")
    )


def visible_cohorts(user) -> QuerySet[Cohort]:
    """The cohorts whose dashboards, exports and imports the user may use."""
    cohorts = Cohort.objects.all()
    if not user.is_authenticated:
        return cohorts.none()
    if is_administrator(user):
        return cohorts
    condition = Q(pk__in=[])
    if is_trainer(user):
        condition |= Q(trainers=user)
    if is_coordinator(user):
        condition |= Q(
            institution__in=Coordinator.objects.filter(user=user).values(
                "institution_id"
            )
        )
    return cohorts.filter(condition).distinct()


def managed_cohorts(user) -> QuerySet[Cohort]:
    """The cohorts whose members and required training the user may change:
    their trainers' and, for administrators, all. Coordinators follow, they do
    not manage."""
    if not user.is_authenticated:
        return Cohort.objects.none()
    if is_administrator(user):
        return Cohort.objects.all()
    if is_trainer(user):
        return Cohort.objects.filter(trainers=user)
    return Cohort.objects.none()


def can_see_institution(user, institution: Institution) -> bool:
    return coordinated_institutions(user).filter(pk=institution.pk).exists()
