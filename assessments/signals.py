"""attempt_submitted: sent after an attempt's scoring commits. Arguments: attempt."""

from django.dispatch import Signal

attempt_submitted = Signal()
