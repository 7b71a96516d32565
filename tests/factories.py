"""factory_boy factories shared by the whole test suite.

    user = UserFactory()                                  # a verified learner
    trainer = UserFactory(roles=[roles.TRAINER], mfa=True)  # with an authenticator app
    UserFactory(verified=False)                           # e-mail not yet confirmed
    client.post(login_url, {"login": user.email, "password": DEFAULT_PASSWORD})

Users are created through the manager (hashed password), get a primary allauth
e-mail address (verified unless ``verified=False``) and the Learner role unless
``roles`` says otherwise. ``mfa=True`` activates TOTP with ``TOTP_SECRET``;
``totp_code()`` gives the code an authenticator app would show now.
"""

import time

import factory
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from factory.django import DjangoModelFactory

from accounts import roles as role_names
from accounts.models import Institution, User
from accounts.services import user_role_set

DEFAULT_PASSWORD = "kampot-pepper-1953"
# Base32, as an authenticator app is given it.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DP"


def totp_code(secret: str = TOTP_SECRET, *, at: float | None = None) -> str:
    """The six-digit code an authenticator app shows for ``secret`` at ``at``."""
    counter = int(time.time() if at is None else at) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


class InstitutionFactory(DjangoModelFactory):
    class Meta:
        model = Institution
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"institution-{n}")
    name_en = factory.Sequence(lambda n: f"Provincial Department {n}")
    name_km = factory.Sequence(lambda n: f"មន្ទីរខេត្ត {n}")
    kind = Institution.Kind.MINISTRY


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"learner{n}@example.org")
    password = DEFAULT_PASSWORD
    full_name_km = factory.Sequence(lambda n: f"សុខ ដារ៉ា {n}")
    full_name_latin = factory.Sequence(lambda n: f"SOK Dara {n}")
    learner_kind = User.LearnerKind.CIVIL_SERVANT
    position = "Officer"
    phone = "012 345 678"
    preferred_language = "km"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.objects.create_user(*args, **kwargs)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if not create:
            return
        EmailAddress.objects.create(
            user=obj,
            email=obj.email,
            primary=True,
            verified=True if extracted is None else bool(extracted),
        )

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):
        if not create:
            return
        for role in [role_names.LEARNER] if extracted is None else extracted:
            user_role_set(user=obj, role=role)

    @factory.post_generation
    def mfa(obj, create, extracted, **kwargs):
        if create and extracted:
            TOTP.activate(obj, TOTP_SECRET)
