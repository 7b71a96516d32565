"""Signals other apps listen to; courses never imports them.

course_completed: sent once per enrolment, after the transaction that completed it
commits. Arguments: ``enrolment`` (courses.Enrolment), ``user``, ``course_key``.

enrolment_created: sent after a new enrolment commits. Arguments: ``enrolment``.
"""

from django.dispatch import Signal

course_completed = Signal()
enrolment_created = Signal()
