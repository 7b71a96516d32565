"""Writes of the cohorts app, re-exported from one module per concern."""

from cohorts.services.cohorts import (
    CohortError,
    assignment_set,
    cohort_create,
    cohort_enrolments_sync,
    cohort_update,
    coordinator_appoint,
    coordinator_remove,
    membership_add,
)
from cohorts.services.exports import (
    export_build,
    export_job_create,
    export_job_run,
    export_sync_limit,
)
from cohorts.services.imports import (
    import_apply,
    import_apply_request,
    import_job_create,
    import_validate,
    invitation_send,
    invitations_send,
)
from cohorts.services.reminders import reminders_send, trainer_digests_send

__all__ = [
    "CohortError",
    "assignment_set",
    "cohort_create",
    "cohort_enrolments_sync",
    "cohort_update",
    "coordinator_appoint",
    "coordinator_remove",
    "membership_add",
    "export_build",
    "export_job_create",
    "export_job_run",
    "export_sync_limit",
    "import_apply",
    "import_apply_request",
    "import_job_create",
    "import_validate",
    "invitation_send",
    "invitations_send",
    "reminders_send",
    "trainer_digests_send",
]
