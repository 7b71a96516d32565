"""Tasks that must run: recorded with their cause, sent after commit, swept.

A task queued with ``transaction.on_commit(task.delay)`` is lost when the broker
refuses the message (it is down), when the process dies between the commit and the
send, or when the worker that took it dies without anyone sending it again. For
work that must happen (a learner's certificate, the steps of a certificate job,
e-mail about them) the promise is a row instead (``lms.models.DurableTask``):

* ``durable_enqueue`` writes the row in the caller's transaction, so it commits or
  rolls back with its cause, and sends the task once that transaction commits;
* ``durable_send`` hands it to the broker; when the broker refuses, the error is
  logged and the row waits, never raised into the request that caused it;
* the task marks its row done (``durable_done``) when the work is done, or found
  done already;
* ``durable_sweep``, a beat task every minute, sends again what is pending too long:
  never sent, or sent ``CELERY_DURABLE_RESEND_AFTER`` seconds ago and not done.
  A row sent ``CELERY_DURABLE_MAX_SENDS`` times without being done is failed, with
  the reason, and logged.

Sending twice is the price of losing nothing, so every task sent through here must
be safe to run twice: the certificate tasks keep their own exactly-once guards
(row locks, unique constraints). A running task may also claim its row for a
while (``durable_claim``), so that a second delivery meanwhile leaves the work
alone. Without a broker (the embedded default) a send runs the task at once, here.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from lms.models import DurableTask

logger = logging.getLogger(__name__)

# A row whose first send never happened is swept this long after it was written:
# its cause's on_commit should have sent it within a second.
NEVER_SENT_GRACE = timedelta(seconds=60)
# Rows sent again per sweep; the rest wait for the next minute.
SWEEP_BATCH = 500


def durable_enqueue(task, *, key: str, args=(), send: bool = True) -> DurableTask:
    """Record that ``task(*args)`` must run, in the current transaction, and send
    it once the transaction commits (``send=False``: the caller sends it later
    with ``durable_send``, or the sweeper does).

    ``key`` names the cause, so recording it twice is one row: a row already done
    is left done and not sent again. The send runs like a ``.delay()`` on commit:
    without a broker the task runs then and its errors reach the caller; with one,
    a refused send is logged and left to the sweeper.
    """
    row, _created = DurableTask.objects.get_or_create(
        key=key, defaults={"name": task.name, "args": list(args)}
    )
    if send and row.status == DurableTask.Status.PENDING:
        transaction.on_commit(lambda: durable_send(key))
    return row


def _eager() -> bool:
    from lms.celery import app

    return bool(app.conf.task_always_eager)


def durable_send(key: str) -> bool | None:
    """Hand the pending task ``key`` to the broker: True when it took it, False
    when it refused, None when ``key`` is not pending (done already).

    A broker that cannot be reached is logged, never raised: the row stays
    pending for the sweeper. Without a broker the task runs here, and an error of
    the task itself is raised, as ``.delay()`` would.
    """
    row = DurableTask.objects.filter(key=key, status=DurableTask.Status.PENDING).first()
    if row is None:
        return None
    eager = _eager()
    try:
        import_string(row.name).apply_async(args=row.args)
    except Exception as error:
        DurableTask.objects.filter(pk=row.pk).update(last_error=repr(error)[:2000])
        if eager:
            raise
        logger.warning(
            "Task %s (%s) not sent, left for the sweeper: %r", row.key, row.name, error
        )
        return False
    # Only counters: the task may already have run and marked the row done.
    DurableTask.objects.filter(pk=row.pk).update(
        attempts=F("attempts") + 1, enqueued_at=timezone.now()
    )
    return True


def durable_done(key: str) -> None:
    """The work of ``key`` is done (or was found done): never send it again."""
    DurableTask.objects.filter(key=key).exclude(status=DurableTask.Status.DONE).update(
        status=DurableTask.Status.DONE,
        finished_at=timezone.now(),
        claimed_by="",
        claimed_until=None,
    )


def durable_fail(key: str, reason: str) -> None:
    """Give up on ``key``, with the reason; a later ``durable_done`` still wins."""
    DurableTask.objects.filter(key=key, status=DurableTask.Status.PENDING).update(
        status=DurableTask.Status.FAILED,
        finished_at=timezone.now(),
        last_error=reason[:2000],
        claimed_by="",
        claimed_until=None,
    )


def durable_reopen(key: str) -> None:
    """Make a failed ``key`` pending again, its sends counted afresh."""
    DurableTask.objects.filter(key=key, status=DurableTask.Status.FAILED).update(
        status=DurableTask.Status.PENDING, attempts=0, finished_at=None
    )


def durable_claim(key: str, *, holder: str, seconds: float) -> bool:
    """Hold the pending task ``key`` for ``seconds`` on behalf of ``holder`` (a
    Celery task id); False when another holder's claim is still running.

    The same holder may claim again (its message delivered again after its worker
    died); an expired claim may be taken by anyone."""
    now = timezone.now()
    return bool(
        DurableTask.objects.filter(key=key, status=DurableTask.Status.PENDING)
        .filter(
            Q(claimed_until__isnull=True)
            | Q(claimed_until__lt=now)
            | Q(claimed_by=holder)
        )
        .update(claimed_by=holder, claimed_until=now + timedelta(seconds=seconds))
    )


def durable_heartbeat(key: str, *, holder: str, seconds: float) -> bool:
    """Extend ``holder``'s claim; False when it lost it (another took over)."""
    return bool(
        DurableTask.objects.filter(
            key=key, status=DurableTask.Status.PENDING, claimed_by=holder
        ).update(claimed_until=timezone.now() + timedelta(seconds=seconds))
    )


def durable_release(
    key: str, *, holder: str | None, progressed: bool = False, error: str = ""
) -> None:
    """Let go of ``holder``'s claim (None: whoever holds it, found dead by a
    sweeper). ``progressed``: the holder got on with the work (a step of a job
    done), so the sends before it no longer count towards giving up; ``error``:
    why it let go, kept for the operator."""
    rows = DurableTask.objects.filter(key=key)
    if holder is not None:
        rows = rows.filter(claimed_by=holder)
    changes = {"claimed_by": "", "claimed_until": None}
    if progressed:
        changes["attempts"] = 0
    if error:
        changes["last_error"] = error[:2000]
    rows.update(**changes)


@dataclass(frozen=True)
class SweepResult:
    sent: int
    unsent: int
    given_up: int
    pending: int


def durable_due(*, now=None):
    """Pending rows to send again: never sent for a minute, or sent
    ``CELERY_DURABLE_RESEND_AFTER`` seconds ago; claimed ones excepted."""
    now = now or timezone.now()
    resend_after = timedelta(seconds=settings.CELERY_DURABLE_RESEND_AFTER)
    return (
        DurableTask.objects.filter(status=DurableTask.Status.PENDING)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .filter(
            Q(enqueued_at__isnull=True, created_at__lt=now - NEVER_SENT_GRACE)
            | Q(enqueued_at__lt=now - resend_after)
        )
        .order_by("created_at", "pk")
    )


def durable_sweep(*, now=None) -> SweepResult:
    """Send again what is pending too long; give up on what was sent too often.

    Safe to run twice, or in two beat processes at once: a row sent is not due
    again for ``CELERY_DURABLE_RESEND_AFTER`` seconds, and the tasks are safe to
    run twice anyway. When the broker refuses one send the run stops there: the
    rest would be refused too, each after a connection timeout."""
    max_sends = settings.CELERY_DURABLE_MAX_SENDS
    sent = unsent = given_up = 0
    for row in list(durable_due(now=now)[:SWEEP_BATCH]):
        if row.attempts >= max_sends:
            durable_fail(row.key, f"not done after {row.attempts} sends")
            logger.error(
                "Task %s (%s) given up: not done after %d sends; last error: %s",
                row.key,
                row.name,
                row.attempts,
                row.last_error or "none",
            )
            given_up += 1
            continue
        try:
            ok = durable_send(row.key)
        except Exception:
            # Without a broker the task ran here and failed: its row stays
            # pending, and the next rows still run.
            logger.exception("Task %s (%s) failed", row.key, row.name)
            continue
        if ok:
            sent += 1
        elif ok is False:
            unsent += 1
            break
    pending = DurableTask.objects.filter(status=DurableTask.Status.PENDING).count()
    result = SweepResult(sent=sent, unsent=unsent, given_up=given_up, pending=pending)
    logger.info(
        "Durable tasks swept: %d sent again, %d refused by the broker, %d given up, "
        "%d pending",
        result.sent,
        result.unsent,
        result.given_up,
        result.pending,
    )
    return result
