"""Enrolment files: dry run, atomic and idempotent apply, invitations.

A file of up to ``SYNC_ROWS`` rows is checked and applied in the request; a longer
one by a worker, which writes its progress on the job row so that the page can show
it. Applying checks the file again against the database as it is then, and writes
everything in one transaction, or nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from allauth.account.adapter import get_adapter
from allauth.account.forms import (
    EmailAwarePasswordResetTokenGenerator,
    default_token_generator,
)
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone, translation

from accounts import roles
from accounts.models import Institution, User
from cohorts import access
from cohorts import enrolment_file as ef
from cohorts.models import ImportJob, Invitation, JobStatus, Membership
from cohorts.services.follow_up import follow_up

# Files with more data rows than this are checked and applied by a worker.
SYNC_ROWS = 300
CHUNK = 500
PROFILE_FIELDS = ("full_name_km", "full_name_latin", "position", "phone")
KIND_BY_INSTITUTION = {
    Institution.Kind.MINISTRY: User.LearnerKind.CIVIL_SERVANT,
    Institution.Kind.UNIVERSITY: User.LearnerKind.STUDENT,
    Institution.Kind.SCHOOL: User.LearnerKind.STUDENT,
}
CREATE, UPDATE, SKIP = "create", "update", "skip"


def sync_rows() -> int:
    return getattr(settings, "COHORTS_IMPORT_SYNC_ROWS", SYNC_ROWS)


# --- Creating a job --------------------------------------------------------------


def import_job_create(*, user, filename: str, data: bytes, base_url: str) -> ImportJob:
    """Store the file and start its dry run: now for a short file, by a worker for
    a long one."""
    parsed = ef.read_table(data, filename=filename)
    job = ImportJob.objects.create(
        created_by=user,
        filename=filename[:255],
        data=data,
        base_url=base_url.rstrip("/"),
        total_rows=len(parsed.rows),
    )
    if len(parsed.rows) <= sync_rows():
        import_validate(job_id=job.pk)
        job.refresh_from_db()
    else:
        from cohorts import tasks

        follow_up(tasks.import_validate, job.pk)
    return job


# --- Checking --------------------------------------------------------------------


@dataclass
class Check:
    rows: list[ef.EnrolmentRow] = field(default_factory=list)
    errors: list[ef.RowError] = field(default_factory=list)
    plan: list[dict] = field(default_factory=list)
    institutions: dict = field(default_factory=dict)  # lookup key -> Institution
    cohorts: dict = field(default_factory=dict)  # lookup key -> Cohort
    users: dict = field(default_factory=dict)  # e-mail key -> User
    members: set = field(default_factory=set)  # (cohort id, user id)

    @property
    def summary(self) -> dict:
        counts = {CREATE: 0, UPDATE: 0, SKIP: 0}
        for entry in self.plan:
            counts[entry["action"]] += 1
        return counts


def _lookup(objects, *attributes) -> dict:
    """Map every spelling of each object to it; a spelling two objects share
    names neither."""
    found: dict = {}
    ambiguous = set()
    for obj in objects:
        for attribute in attributes:
            value = getattr(obj, attribute)
            if not value:
                continue
            key = ef.lookup_key(str(value))
            if key in found and found[key] is not obj:
                ambiguous.add(key)
            found[key] = obj
    for key in ambiguous:
        del found[key]
    return found


def _chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _check(job: ImportJob, *, progress=None) -> Check:
    check = Check()
    parsed = ef.read_table(bytes(job.data), filename=job.filename)
    check.rows = parsed.rows
    check.errors = list(parsed.errors)
    if check.errors and not check.rows:
        return check
    check.institutions = _lookup(
        Institution.objects.all(), "code", "name_en", "name_km"
    )
    check.cohorts = _lookup(
        access.managed_cohorts(job.created_by), "code", "name_en", "name_km"
    )
    for number, row in enumerate(check.rows, start=1):
        check.errors.extend(
            ef.row_errors(
                row,
                institutions=check.institutions,
                cohorts=check.cohorts,
                required=parsed.required,
            )
        )
        if progress and number % CHUNK == 0:
            progress(number)
    check.errors.extend(ef.duplicate_errors(check.rows))
    keys = {row.email_key for row in check.rows if row.email_key}
    for chunk in _chunks(keys):
        for user in (
            User.objects.annotate(email_key=Lower("email"))
            .filter(email_key__in=chunk)
            .select_related("institution")
        ):
            check.users[user.email_key] = user
        for email_key, user_id in (
            EmailAddress.objects.annotate(email_key=Lower("email"))
            .filter(email_key__in=chunk)
            .values_list("email_key", "user_id")
        ):
            owner = check.users.get(email_key)
            if owner is None or owner.pk != user_id:
                for row in check.rows:
                    if row.email_key == email_key:
                        check.errors.append(
                            ef.RowError(
                                row.row, "email", "email_taken", {"value": row.email}
                            )
                        )
    cohort_ids = {cohort.pk for cohort in check.cohorts.values()}
    user_ids = [user.pk for user in check.users.values()]
    for chunk in _chunks(user_ids):
        check.members.update(
            Membership.objects.filter(
                user_id__in=chunk, cohort_id__in=cohort_ids
            ).values_list("cohort_id", "user_id")
        )
    check.errors = ef.sort_errors(check.errors)
    if progress:
        progress(len(check.rows))
    if check.errors:
        return check
    for row in check.rows:
        check.plan.append(_plan_entry(check, row))
    return check


def _profile_changes(user: User, row: ef.EnrolmentRow, institution) -> dict:
    """Only empty fields of an existing account are filled in: what a person wrote
    in their own profile is theirs."""
    changes = {
        name: getattr(row, name)
        for name in PROFILE_FIELDS
        if getattr(row, name) and not getattr(user, name)
    }
    if user.institution_id is None:
        changes["institution"] = institution
    return changes


def _plan_entry(check: Check, row: ef.EnrolmentRow) -> dict:
    cohort = check.cohorts[ef.lookup_key(row.cohort)]
    institution = check.institutions[ef.lookup_key(row.institution)]
    user = check.users.get(row.email_key)
    entry = {
        "row": row.row,
        "email": row.email,
        "name": row.full_name_latin or row.full_name_km,
        "cohort": cohort.code,
        "changes": [],
    }
    if user is None:
        entry["action"] = CREATE
        return entry
    changes = sorted(_profile_changes(user, row, institution))
    joins = (cohort.pk, user.pk) not in check.members
    if joins:
        changes.insert(0, "cohort")
    entry["changes"] = changes
    entry["action"] = UPDATE if changes else SKIP
    return entry


def _progress_writer(job_id):
    def write(number):
        ImportJob.objects.filter(pk=job_id).update(processed_rows=number)

    return write


def import_validate(*, job_id: int) -> ImportJob | None:
    """The dry run: every error, or what applying would create, update or skip.
    Running it again gives the same answer."""
    job = ImportJob.objects.filter(
        pk=job_id, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
    ).first()
    if job is None:
        return None
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    try:
        check = _check(job, progress=_progress_writer(job.pk))
    except Exception as exc:
        ImportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, failure=str(exc)[:2000]
        )
        raise
    job.total_rows = len(check.rows)
    job.processed_rows = len(check.rows)
    job.errors = [error.as_dict() for error in check.errors]
    job.plan = check.plan
    job.summary = check.summary if not check.errors else {}
    job.status = JobStatus.INVALID if check.errors else JobStatus.READY
    job.save(
        update_fields=[
            "total_rows",
            "processed_rows",
            "errors",
            "plan",
            "summary",
            "status",
        ]
    )
    return job


# --- Applying --------------------------------------------------------------------


def import_apply_request(*, job: ImportJob) -> bool:
    """Claim a checked job for applying (a second click finds it claimed), then
    apply it now or queue it. Returns False when the job was not ready."""
    claimed = ImportJob.objects.filter(pk=job.pk, status=JobStatus.READY).update(
        status=JobStatus.APPLYING, processed_rows=0
    )
    if not claimed:
        return False
    if job.total_rows <= sync_rows():
        import_apply(job_id=job.pk)
    else:
        from cohorts import tasks

        follow_up(tasks.import_apply, job.pk)
    return True


def import_apply(*, job_id: int) -> ImportJob | None:
    """Write the file's accounts and memberships in one transaction.

    Only a job claimed for applying is applied, once: running this again after it
    finished does nothing, and importing the same file in a new job finds every
    row already done and changes nothing.
    """
    job = ImportJob.objects.filter(pk=job_id, status=JobStatus.APPLYING).first()
    if job is None:
        return None
    check = _check(job, progress=_progress_writer(job.pk))
    if check.errors:
        job.errors = [error.as_dict() for error in check.errors]
        job.plan = []
        job.summary = {}
        job.status = JobStatus.INVALID
        job.save(update_fields=["errors", "plan", "summary", "status"])
        return job
    try:
        with transaction.atomic():
            locked = (
                ImportJob.objects.select_for_update()
                .filter(pk=job.pk, status=JobStatus.APPLYING)
                .first()
            )
            if locked is None:
                return None
            cohort_ids = _write(job, check)
            job.plan = check.plan
            job.summary = check.summary
            job.status = JobStatus.DONE
            job.applied_at = timezone.now()
            job.save(update_fields=["plan", "summary", "status", "applied_at"])
            _queue_follow_ups(job.pk, cohort_ids)
    except Exception as exc:
        ImportJob.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, failure=str(exc)[:2000]
        )
        raise
    return job


def _write(job: ImportJob, check: Check) -> set[int]:
    """Create, update and add to cohorts; returns the cohorts that gained members."""
    learner_group = Group.objects.get(name=roles.LEARNER)
    new_users = []
    updated = []
    for row, entry in zip(check.rows, check.plan, strict=True):
        institution = check.institutions[ef.lookup_key(row.institution)]
        if entry["action"] == CREATE:
            user = User(
                email=User.objects.normalize_email(row.email),
                full_name_km=row.full_name_km,
                full_name_latin=row.full_name_latin,
                institution=institution,
                position=row.position,
                phone=row.phone,
                learner_kind=KIND_BY_INSTITUTION.get(
                    institution.kind, User.LearnerKind.OTHER
                ),
                preferred_language=(row.language or settings.LANGUAGE_CODE).lower(),
            )
            user.set_unusable_password()
            new_users.append(user)
        elif entry["action"] == UPDATE:
            user = check.users[row.email_key]
            changes = _profile_changes(user, row, institution)
            if changes:
                for name, value in changes.items():
                    setattr(user, name, value)
                updated.append(user)
    User.objects.bulk_create(new_users, batch_size=CHUNK)
    if any(user.pk is None for user in new_users):
        # Databases that return no ids from a bulk insert: read them back.
        ids = dict(
            User.objects.filter(email__in=[u.email for u in new_users]).values_list(
                "email", "pk"
            )
        )
        for user in new_users:
            user.pk = ids[user.email]
    for user in new_users:
        check.users[user.email.lower()] = user
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user=user, email=user.email, primary=True, verified=True)
            for user in new_users
        ],
        batch_size=CHUNK,
    )
    User.groups.through.objects.bulk_create(
        [
            User.groups.through(user_id=user.pk, group_id=learner_group.pk)
            for user in new_users
        ],
        batch_size=CHUNK,
    )
    if updated:
        User.objects.bulk_update(
            updated, [*PROFILE_FIELDS, "institution"], batch_size=CHUNK
        )
    memberships = []
    cohort_ids = set()
    for row in check.rows:
        cohort = check.cohorts[ef.lookup_key(row.cohort)]
        user = check.users[row.email_key]
        if (cohort.pk, user.pk) not in check.members:
            memberships.append(Membership(cohort=cohort, user=user, import_job=job))
            cohort_ids.add(cohort.pk)
    Membership.objects.bulk_create(memberships, batch_size=CHUNK)
    Invitation.objects.bulk_create(
        [
            Invitation(user=user, import_job=job, base_url=job.base_url)
            for user in new_users
        ],
        batch_size=CHUNK,
    )
    return cohort_ids


def _queue_follow_ups(job_id: int, cohort_ids: set[int]) -> None:
    from cohorts import tasks

    follow_up(tasks.invitations_send, job_id)
    for cohort_id in sorted(cohort_ids):
        follow_up(tasks.cohort_enrolments_sync, cohort_id)


# --- Invitations -----------------------------------------------------------------


class _BatchTokenGenerator(EmailAwarePasswordResetTokenGenerator):
    """allauth's password-reset token, with the e-mail addresses read once for a
    batch of people instead of with two queries per person. The value hashed is
    the one allauth's generator computes, so allauth's reset view accepts the
    link (tests/cohorts/test_import.py follows one)."""

    def __init__(self, emails_by_user: dict[int, set[str]]):
        super().__init__()
        self.emails_by_user = emails_by_user

    def _make_hash_value(self, user, timestamp):
        emails = self.emails_by_user.get(user.pk)
        if emails is None:
            return super()._make_hash_value(user, timestamp)
        value = PasswordResetTokenGenerator._make_hash_value(self, user, timestamp)
        return value + "|".join(
            sorted(emails | ({user.email} if user.email else set()))
        )


def _invitation_message(invitation: Invitation, token_generator):
    user = invitation.user
    with translation.override(user.preferred_language):
        key = token_generator.make_token(user)
        path = reverse(
            "account_reset_password_from_key",
            kwargs={"uidb36": user_pk_to_url_str(user), "key": key},
        )
        return get_adapter().render_mail(
            "cohorts/email/invitation",
            user.email,
            {
                "user": user,
                "invitation_url": invitation.base_url + path,
                "login_url": invitation.base_url + reverse("account_login"),
                "reset_url": invitation.base_url + reverse("account_reset_password"),
                "timeout_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
            },
        )


def invitation_send(*, invitation: Invitation) -> bool:
    """E-mail one invitation to set a password, in the person's language, once.

    The link is allauth's password-reset link: following it, the person chooses
    a password for the account the import made.
    """
    claimed = Invitation.objects.filter(pk=invitation.pk, sent_at=None).update(
        sent_at=timezone.now()
    )
    if not claimed:
        return False
    try:
        _invitation_message(invitation, default_token_generator).send()
    except Exception:
        Invitation.objects.filter(pk=invitation.pk).update(sent_at=None)
        raise
    return True


def invitations_send(*, job_id: int) -> int:
    """Send the invitations of an import that are not sent yet, a batch at a time.

    Each batch is claimed under a row lock (workers running side by side take
    different batches) and marked sent in the same transaction; when an e-mail
    fails, those sent before it are marked and the error is raised, so the task's
    next run sends the rest. A worker killed mid-batch sends that batch again.
    """
    from django.core.mail import get_connection

    sent = 0
    with get_connection() as connection:
        while True:
            error = None
            with transaction.atomic():
                batch = list(
                    Invitation.objects.select_for_update(skip_locked=True)
                    .filter(import_job_id=job_id, sent_at=None)
                    .select_related("user")
                    .order_by("pk")[:CHUNK]
                )
                if not batch:
                    return sent
                emails = defaultdict(set)
                for user_id, email in EmailAddress.objects.filter(
                    user_id__in=[invitation.user_id for invitation in batch]
                ).values_list("user_id", "email"):
                    emails[user_id].add(email)
                generator = _BatchTokenGenerator(dict(emails))
                done = []
                for invitation in batch:
                    try:
                        message = _invitation_message(invitation, generator)
                        message.connection = connection
                        message.send()
                    except Exception as exc:  # noqa: BLE001 - re-raised below
                        error = exc
                        break
                    done.append(invitation.pk)
                Invitation.objects.filter(pk__in=done).update(sent_at=timezone.now())
                sent += len(done)
            if error is not None:
                raise error
