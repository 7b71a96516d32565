"""Ed25519 signing keys: create, rotate, ensure one exists."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from certificates import selectors, signing
from certificates.models import SigningKey

# --- Signing keys ---------------------------------------------------------------


def _passphrase() -> bytes:
    return (settings.CERTIFICATES_KEY_PASSPHRASE or settings.SECRET_KEY).encode()


def signing_key_create() -> SigningKey:
    """A new Ed25519 key that signs from now on; the previous one is retired but
    stays published, so what it signed keeps verifying."""
    private_key = signing.key_generate()
    with transaction.atomic():
        SigningKey.objects.select_for_update().filter(is_active=True).update(
            is_active=False, retired_at=timezone.now()
        )
        return SigningKey.objects.create(
            kid=signing.key_id(private_key.public_key()),
            private_key_pem=signing.private_key_to_pem(
                private_key, passphrase=_passphrase()
            ),
            public_jwk=signing.public_jwk(private_key.public_key()),
            is_active=True,
        )


def signing_key_ensure() -> tuple[SigningKey, bool]:
    """The active key, created when there is none. Safe to call concurrently."""
    key = selectors.signing_key_active()
    if key is not None:
        return key, False
    try:
        return signing_key_create(), True
    except IntegrityError:
        # Another process created one at the same moment.
        return selectors.signing_key_active(), False


def private_key_load(key: SigningKey):
    return signing.private_key_from_pem(key.private_key_pem, passphrase=_passphrase())
