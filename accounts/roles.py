"""The four roles, as Django groups created by a data migration."""

LEARNER = "Learner"
TRAINER = "Trainer"
EDITOR = "Editor"
ADMINISTRATOR = "Administrator"

ALL = [LEARNER, TRAINER, EDITOR, ADMINISTRATOR]

# Roles whose members must protect their account with a second factor.
MFA_REQUIRED = {TRAINER, EDITOR, ADMINISTRATOR}
