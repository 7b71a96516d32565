"""What competitions announce to the apps above them (certificates issue on it)."""

from django.dispatch import Signal

# Sent once a contest's results are published, after the publishing transaction
# commits, with ``contest``: by an organiser's action or when the publication time
# set in advance has come (``competitions.services.contests_results_publish_due``).
results_published = Signal()
