"""Queue a trainer action's follow-up task durably (lms.durable): recorded in the
action's transaction, sent when it commits, swept if the broker refused it.

Each follow-up gets a key of its own (the cause may repeat: an assignment
changed twice syncs twice), passed to the task, which marks it done.
"""

import uuid


def follow_up(task, *args) -> None:
    from lms.durable import durable_enqueue

    key = f"{task.name}:{':'.join(str(a) for a in args)}:{uuid.uuid4().hex[:12]}"
    durable_enqueue(task, key=key, args=(*args, key))
