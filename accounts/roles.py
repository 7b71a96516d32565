"""The roles, as Django groups created by data migrations.

Coordinator (someone who follows an institution's required training) is created by
the cohorts app's migration, which links each coordinator to an institution.
"""

LEARNER = "Learner"
TRAINER = "Trainer"
EDITOR = "Editor"
ADMINISTRATOR = "Administrator"
COORDINATOR = "Coordinator"

ALL = [LEARNER, TRAINER, EDITOR, ADMINISTRATOR, COORDINATOR]

# Roles whose members must protect their account with a second factor.
MFA_REQUIRED = {TRAINER, EDITOR, ADMINISTRATOR, COORDINATOR}
