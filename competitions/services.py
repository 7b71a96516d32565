"""Competition writes: registration and its approval, the one sitting (start,
autosave, submit once, close at the deadline), publication, and the audit log."""

import hashlib
import json
import random
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments import engine
from assessments.engine import AssessmentError
from assessments.models import Question
from assessments.services import attempt_layout
from competitions import blueprint
from competitions.models import (
    AuditEvent,
    Contest,
    Registration,
    Sitting,
)
from competitions.selectors import blueprint_rows_for_draw, registration_refusal
from competitions.signals import results_published


class CompetitionError(Exception):
    """A refused action. ``status`` is the HTTP status a view should answer with;
    ``code`` a stable name scripts can test (the message is translated)."""

    def __init__(self, message, status=400, code="refused"):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


_rng = random.SystemRandom()


# --- Audit log ------------------------------------------------------------------------


def audit_record(
    *,
    contest: Contest,
    kind: str,
    user=None,
    sitting: Sitting | None = None,
    data: dict | None = None,
    meta: dict | None = None,
    now=None,
) -> AuditEvent:
    """Record one event. ``meta``: {"ip_address": str, "user_agent": str}."""
    meta = meta or {}
    return AuditEvent.objects.create(
        contest=contest,
        sitting=sitting,
        user=user,
        kind=kind,
        at=now or timezone.now(),
        data=data or {},
        ip_address=meta.get("ip_address") or None,
        user_agent=(meta.get("user_agent") or "")[:255],
    )


# --- Registration ---------------------------------------------------------------------


def registration_create(
    *,
    contest: Contest,
    user,
    institution,
    student_id: str,
    study_year: int,
    now=None,
    meta: dict | None = None,
) -> Registration:
    """Register an eligible student; approved at once unless organisers approve."""
    now = now or timezone.now()
    refusal = registration_refusal(contest=contest, user=user, now=now)
    if refusal:
        raise CompetitionError(refusal, status=403, code="not_eligible")
    allowed = list(contest.institutions.all())
    if allowed and institution not in allowed:
        raise CompetitionError(
            _("Students of this institution may not enter this competition."),
            status=403,
            code="not_eligible",
        )
    student_id = student_id.strip()
    if not student_id:
        raise CompetitionError(_("Enter your student ID."), code="invalid")
    status = (
        Registration.Status.PENDING
        if contest.approval_required
        else Registration.Status.APPROVED
    )
    try:
        with transaction.atomic():
            registration = Registration.objects.create(
                contest=contest,
                user=user,
                institution=institution,
                student_id=student_id,
                study_year=study_year,
                status=status,
                created_at=now,
                decided_at=None if contest.approval_required else now,
            )
            audit_record(
                contest=contest,
                kind=AuditEvent.Kind.REGISTERED,
                user=user,
                data={"registration": registration.pk},
                meta=meta,
                now=now,
            )
    except IntegrityError:
        if Registration.objects.filter(contest=contest, user=user).exists():
            raise CompetitionError(
                _("You are already registered for this competition."),
                status=409,
                code="already_registered",
            ) from None
        raise CompetitionError(
            _(
                "This student ID of this institution is already registered for "
                "this competition."
            ),
            status=409,
            code="duplicate_student_id",
        ) from None
    return registration


def registration_decide(
    *, registration: Registration, approve: bool, organiser, note: str = "", now=None
) -> Registration:
    """Approve or reject a registration; a student who has started cannot be
    rejected any more."""
    now = now or timezone.now()
    with transaction.atomic():
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if not approve and Sitting.objects.filter(registration=registration).exists():
            raise CompetitionError(
                _("This student has already started: the registration stands."),
                status=409,
                code="already_started",
            )
        registration.status = (
            Registration.Status.APPROVED if approve else Registration.Status.REJECTED
        )
        registration.note = note[:500]
        registration.decided_at = now
        registration.decided_by = organiser
        registration.save(update_fields=["status", "note", "decided_at", "decided_by"])
        audit_record(
            contest=registration.contest,
            kind=AuditEvent.Kind.APPROVED if approve else AuditEvent.Kind.REJECTED,
            user=organiser,
            data={"registration": registration.pk, "note": registration.note},
            now=now,
        )
    return registration


def registrations_approve_pending(*, contest: Contest, organiser, now=None) -> int:
    pending = contest.registrations.filter(status=Registration.Status.PENDING)
    count = 0
    for registration in pending:
        registration_decide(
            registration=registration, approve=True, organiser=organiser, now=now
        )
        count += 1
    return count


# --- The sitting ----------------------------------------------------------------------


def sitting_form_build(*, contest: Contest, rng) -> list[dict]:
    """A contestant's form: drawn from the blueprint, questions and choices in
    their own order. Each item: {"question": id, "choices": [ids], "row": id}."""
    rows = blueprint_rows_for_draw(contest=contest)
    if not rows:
        raise CompetitionError(
            _("This competition has no questions yet."), status=409, code="blueprint"
        )
    try:
        form = blueprint.form_draw(rows, rng)
    except blueprint.BlueprintError:
        raise CompetitionError(
            _(
                "This competition's question banks cannot fill its blueprint. "
                "Please tell the organisers."
            ),
            status=409,
            code="blueprint",
        ) from None
    row_of = dict(form)
    questions = Question.objects.filter(pk__in=row_of).only("pk", "kind").in_bulk()
    layout = attempt_layout(
        questions=[questions[question_id] for question_id, _row in form],
        shuffle_questions=True,
        shuffle_choices=True,
        rng=rng,
    )
    for item in layout:
        item["row"] = row_of[item["question"]]
    return layout


def sitting_start(
    *, contest: Contest, user, now=None, rng=None, meta: dict | None = None
) -> Sitting:
    """Start the contestant's one sitting, or return it if it exists (another tab,
    a reload, a second click)."""
    now = now or timezone.now()
    rng = rng or _rng
    registration = Registration.objects.filter(contest=contest, user=user).first()
    if registration is None or registration.status != Registration.Status.APPROVED:
        raise CompetitionError(
            _("Only students with an approved registration can sit this competition."),
            status=403,
            code="not_registered",
        )
    with transaction.atomic():
        # Two tabs starting at once queue here; the second finds the first's sitting.
        Registration.objects.select_for_update().filter(pk=registration.pk).first()
        existing = Sitting.objects.filter(registration=registration).first()
        if existing is not None:
            return existing
        if not contest.sitting_is_open(now):
            raise CompetitionError(
                _("The competition is not open now."), status=409, code="not_open"
            )
        layout = sitting_form_build(contest=contest, rng=rng)
        deadline = min(
            now + timedelta(minutes=contest.time_limit_minutes),
            contest.sitting_closes_at,
        )
        try:
            with transaction.atomic():
                sitting = Sitting.objects.create(
                    registration=registration,
                    contest=contest,
                    user=user,
                    started_at=now,
                    deadline=deadline,
                    layout=layout,
                )
        except IntegrityError:
            # Only on databases without row locks: the other request won.
            return Sitting.objects.get(registration=registration)
        audit_record(
            contest=contest,
            kind=AuditEvent.Kind.STARTED,
            user=user,
            sitting=sitting,
            data={"questions": len(layout), "deadline": deadline.isoformat()},
            meta=meta,
            now=now,
        )

    from competitions import tasks

    close = tasks.sitting_close_if_overdue
    # Robust: with the broker down the sitting still starts; the beat sweep
    # (sittings_close_overdue) closes it at its deadline instead.
    transaction.on_commit(
        lambda: close.apply_async((sitting.pk,), eta=deadline), robust=True
    )
    return sitting


def sitting_page_open(*, sitting: Sitting, meta: dict | None = None, now=None) -> None:
    """Count a view of the sitting page; every view after the first is a return
    (a reload, another tab, another device) and goes to the audit log."""
    Sitting.objects.filter(pk=sitting.pk).update(page_loads=F("page_loads") + 1)
    # The count as loaded with the sitting, plus this view: two views at the same
    # instant may both be logged as returns, which the counter itself shows.
    loads = sitting.page_loads + 1
    if loads > 1:
        audit_record(
            contest=sitting.contest,
            kind=AuditEvent.Kind.RESUMED,
            user=sitting.user,
            sitting=sitting,
            data={"page_loads": loads},
            meta=meta,
            now=now,
        )


def _owned_sitting(*, sitting_id, user, lock=False) -> Sitting:
    sittings = Sitting.objects.select_related("contest")
    if lock:
        sittings = sittings.select_for_update(of=("self",))
    sitting = sittings.filter(pk=sitting_id).first()
    # Another contestant's sitting is answered exactly like a missing one.
    if sitting is None or sitting.user_id != user.pk:
        raise CompetitionError(_("This sitting does not exist."), 404, "not_found")
    return sitting


TIME_UP = _("Time is up: answers sent after the deadline are not saved.")


def sitting_responses_save(
    *,
    sitting_id,
    user,
    data,
    question_ids=None,
    now=None,
    meta: dict | None = None,
    reconnected: bool = False,
) -> Sitting:
    """Save the answers in ``data`` (form fields ``q-<question id>``, as in
    assessments). After the deadline nothing is saved and the sitting is closed
    with the answers saved in time."""
    now = now or timezone.now()
    with transaction.atomic():
        sitting = _owned_sitting(sitting_id=sitting_id, user=user, lock=True)
        if sitting.status != Sitting.Status.IN_PROGRESS:
            raise CompetitionError(
                _("Your answers are already submitted."), 409, "submitted"
            )
        overdue = sitting.is_past_deadline(now)
        if not overdue:
            _responses_write(
                sitting=sitting,
                user=user,
                data=data,
                question_ids=question_ids,
                now=now,
                meta=meta,
                reconnected=reconnected,
            )
            return sitting
    # Close it with the answers saved in time, then refuse this late answer.
    sitting_submit(sitting_id=sitting.pk, user=user, now=now, by_deadline=True)
    audit_record(
        contest=sitting.contest,
        kind=AuditEvent.Kind.LATE_ANSWER_REFUSED,
        user=user,
        sitting=sitting,
        data={"questions": sorted(question_ids or sitting.question_ids)},
        meta=meta,
        now=now,
    )
    raise CompetitionError(TIME_UP, status=409, code="time_up")


def _responses_write(
    *, sitting, user, data, question_ids, now, meta, reconnected
) -> None:
    """Upsert the answers of a locked sitting in progress, and log the changes."""
    try:
        saved = engine.answers_write(
            sitting=sitting, data=data, question_ids=question_ids, now=now
        )
    except AssessmentError as error:
        raise CompetitionError(error.message, error.status, "invalid") from None
    meta = meta or {}
    ip_address, user_agent = meta.get("ip_address") or None, meta.get("user_agent", "")
    events = [
        AuditEvent(
            contest=sitting.contest,
            sitting=sitting,
            user=user,
            kind=AuditEvent.Kind.ANSWER_SAVED,
            at=now,
            data={"question": question_id, "answer": answer},
            ip_address=ip_address,
            user_agent=user_agent[:255],
        )
        for question_id, answer in saved
    ]
    if reconnected:
        events.insert(
            0,
            AuditEvent(
                contest=sitting.contest,
                sitting=sitting,
                user=user,
                kind=AuditEvent.Kind.RECONNECTED,
                at=now,
                ip_address=ip_address,
                user_agent=user_agent[:255],
            ),
        )
    AuditEvent.objects.bulk_create(events)


def _receipt(sitting: Sitting, answers: dict) -> str:
    payload = json.dumps(
        {
            "sitting": sitting.pk,
            "answers": {str(k): answers[k] for k in sorted(answers)},
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    digest = hashlib.sha256(payload.encode("utf-8")).hexdigest().upper()
    return f"{digest[:4]}-{digest[4:8]}-{digest[8:12]}"


def sitting_submit(
    *, sitting_id, user, now=None, by_deadline=False, meta: dict | None = None
) -> Sitting:
    """Score the sitting, once. A second call, from a double click, another tab or
    the deadline task, returns it unchanged."""
    now = now or timezone.now()
    with transaction.atomic():
        sitting = _owned_sitting(sitting_id=sitting_id, user=user, lock=True)
        if sitting.status == Sitting.Status.SUBMITTED:
            return sitting
        if now > sitting.deadline:
            # Closed late (by the sweep or a late request): it ended at the deadline.
            now, by_deadline = sitting.deadline, True
        answers = engine.scores_record(
            sitting=sitting, now=now, by_deadline=by_deadline
        )
        sitting.time_used_seconds = max(
            0, int((min(now, sitting.deadline) - sitting.started_at).total_seconds())
        )
        sitting.receipt = _receipt(sitting, answers)
        sitting.save(
            update_fields=[*engine.SCORED_FIELDS, "time_used_seconds", "receipt"]
        )
        audit_record(
            contest=sitting.contest,
            kind=AuditEvent.Kind.SUBMITTED,
            user=sitting.user,
            sitting=sitting,
            data={
                "score": str(sitting.score),
                "max_score": str(sitting.max_score),
                "by_deadline": by_deadline,
                "receipt": sitting.receipt,
                "answers": len(answers),
            },
            meta=meta,
            now=now,
        )
    return sitting


def sitting_close_if_overdue(*, sitting_id, now=None) -> bool:
    """Close a sitting whose deadline has passed. Safe to run any number of times."""
    now = now or timezone.now()
    return engine.close_if_overdue(
        Sitting,
        pk=sitting_id,
        now=now,
        submit=lambda sitting: sitting_submit(
            sitting_id=sitting.pk, user=sitting.user, now=now, by_deadline=True
        ),
    )


def sittings_close_overdue(*, contest: Contest | None = None, now=None) -> int:
    now = now or timezone.now()
    sittings = Sitting.objects.all()
    if contest is not None:
        sittings = sittings.filter(contest=contest)
    ids = engine.overdue_ids(sittings, now=now)
    return sum(sitting_close_if_overdue(sitting_id=pk, now=now) for pk in ids)


# --- Results --------------------------------------------------------------------------


def contest_sitting_close(*, contest: Contest, organiser, now=None) -> int:
    """End the sitting window now. Sittings in progress end now, with the answers
    saved so far. Returns how many sittings this closed."""
    now = now or timezone.now()
    with transaction.atomic():
        contest = Contest.objects.select_for_update().get(pk=contest.pk)
        if contest.sitting_is_over(now):
            return 0
        if now < contest.sitting_opens_at:
            raise CompetitionError(
                _("The sitting has not opened yet."), status=409, code="not_open"
            )
        contest.sitting_closes_at = now
        contest.registration_closes_at = min(contest.registration_closes_at, now)
        contest.save(update_fields=["sitting_closes_at", "registration_closes_at"])
        Sitting.objects.filter(
            contest=contest, status=Sitting.Status.IN_PROGRESS, deadline__gt=now
        ).update(deadline=now)
        audit_record(
            contest=contest,
            kind=AuditEvent.Kind.SITTING_CLOSED,
            user=organiser,
            data={"at": now.isoformat()},
            now=now,
        )
    return sittings_close_overdue(contest=contest, now=now)


def contest_results_publish(*, contest: Contest, organiser, now=None) -> Contest:
    """Publish the results now (or keep an earlier publication time)."""
    now = now or timezone.now()
    contest = Contest.objects.get(pk=contest.pk)
    if not contest.sitting_is_over(now):
        raise CompetitionError(
            _("Results can be published once the sitting has closed."),
            status=409,
            code="sitting_open",
        )
    sittings_close_overdue(contest=contest, now=now)
    with transaction.atomic():
        contest = Contest.objects.select_for_update().get(pk=contest.pk)
        announced = _publication_recorded(contest)
        if contest.results_publish_at is None or contest.results_publish_at > now:
            contest.results_publish_at = now
            contest.save(update_fields=["results_publish_at"])
        audit_record(
            contest=contest,
            kind=AuditEvent.Kind.RESULTS_PUBLISHED,
            user=organiser,
            data={"at": contest.results_publish_at.isoformat()},
            now=now,
        )
        if not announced:
            _announce_publication(contest)
    return contest


def contests_results_publish_due(*, now=None) -> int:
    """Record the publication of results whose time, set in advance, has come, and
    announce it once. Run every minute; returns how many contests it published."""
    now = now or timezone.now()
    due = (
        Contest.objects.filter(results_publish_at__lte=now)
        .exclude(audit_events__kind=AuditEvent.Kind.RESULTS_PUBLISHED)
        .values_list("pk", flat=True)
    )
    count = 0
    for contest_id in list(due):
        contest = Contest.objects.get(pk=contest_id)
        sittings_close_overdue(contest=contest, now=now)
        with transaction.atomic():
            contest = Contest.objects.select_for_update().get(pk=contest_id)
            if not contest.results_are_published(now) or _publication_recorded(contest):
                continue
            audit_record(
                contest=contest,
                kind=AuditEvent.Kind.RESULTS_PUBLISHED,
                data={"at": contest.results_publish_at.isoformat()},
                now=now,
            )
            _announce_publication(contest)
        count += 1
    return count


def _publication_recorded(contest: Contest) -> bool:
    return contest.audit_events.filter(kind=AuditEvent.Kind.RESULTS_PUBLISHED).exists()


def _announce_publication(contest: Contest) -> None:
    transaction.on_commit(
        lambda: results_published.send(sender=Contest, contest=contest)
    )
