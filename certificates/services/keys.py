"""Ed25519 signing keys: create, rotate, ensure one exists, and keep their private
halves readable across a rotation of the secrets that encrypt them.

A private key is stored as PKCS#8 PEM encrypted with the key-encryption key
``CERTIFICATES_KEK``, a secret of its own: rotating ``DJANGO_SECRET_KEY``
(sessions, password-reset links) leaves the keys readable, and production refuses
to start without it. Where it is empty (a laptop, the tests) keys are encrypted
with ``SECRET_KEY``, as they were before the KEK existed.

Decrypting tries the current passphrase, then ``CERTIFICATES_KEK_FALLBACKS``,
then ``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS`` (keys written before the KEK, or
a secret key rotated Django's way), and logs a warning when an older one was
needed; ``signing_keys_reencrypt`` (``manage.py rotate_key_encryption``) rewrites
every key under the current passphrase, after which the older ones can go. When
nothing decrypts a key, ``SigningKeyLocked`` says which key and what was tried.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone

from certificates import selectors, signing
from certificates.models import SigningKey

logger = logging.getLogger(__name__)


class SigningKeyLocked(ImproperlyConfigured):
    """No configured passphrase decrypts a stored signing key: the key-encryption
    key was changed without keeping the old one in a fallback."""


@dataclass(frozen=True)
class Passphrase:
    """A secret that may encrypt signing keys; ``name`` says where it is set, for
    messages (never the value)."""

    name: str
    value: bytes


@dataclass(frozen=True)
class KeyState:
    """How a stored key decrypts: with ``passphrase`` (its name), or not at all
    (``error``)."""

    key: SigningKey
    passphrase: str = ""
    error: str = ""

    @property
    def current(self) -> bool:
        """Encrypted with the passphrase new keys are encrypted with."""
        return self.passphrase == encryption_passphrase().name


# --- Passphrases -----------------------------------------------------------------


def encryption_passphrase() -> Passphrase:
    """What new and re-encrypted keys are encrypted with."""
    if settings.CERTIFICATES_KEK:
        return Passphrase("CERTIFICATES_KEK", settings.CERTIFICATES_KEK.encode())
    return Passphrase("SECRET_KEY", settings.SECRET_KEY.encode())


def decryption_passphrases() -> list[Passphrase]:
    """Every passphrase a stored key may be encrypted with, the current first."""
    candidates = [encryption_passphrase()]
    candidates += [
        Passphrase(f"CERTIFICATES_KEK_FALLBACKS[{index}]", value.encode())
        for index, value in enumerate(settings.CERTIFICATES_KEK_FALLBACKS)
    ]
    candidates.append(Passphrase("SECRET_KEY", settings.SECRET_KEY.encode()))
    candidates += [
        Passphrase(f"SECRET_KEY_FALLBACKS[{index}]", value.encode())
        for index, value in enumerate(settings.SECRET_KEY_FALLBACKS)
    ]
    unique, seen = [], set()
    for candidate in candidates:
        if candidate.value and candidate.value not in seen:
            seen.add(candidate.value)
            unique.append(candidate)
    return unique


def _locked_message(key: SigningKey, tried: list[Passphrase]) -> str:
    return (
        f"The certificate signing key {key.kid} cannot be decrypted with "
        f"{', '.join(p.name for p in tried)}. Set CERTIFICATES_KEK to the "
        "key-encryption key it was stored with, or add that one to "
        "CERTIFICATES_KEK_FALLBACKS (or the old DJANGO_SECRET_KEY to "
        "DJANGO_SECRET_KEY_FALLBACKS), then run `manage.py rotate_key_encryption`."
    )


def _decrypt(key: SigningKey):
    """(private key, passphrase that decrypted it); raises ``SigningKeyLocked``."""
    tried = decryption_passphrases()
    try:
        private_key, index = signing.private_key_from_pem_any(
            key.private_key_pem, passphrases=[p.value for p in tried]
        )
    except signing.KeyDecryptionError as error:
        raise SigningKeyLocked(_locked_message(key, tried)) from error
    if signing.key_id(private_key.public_key()) != key.kid:
        raise SigningKeyLocked(
            f"The private half of signing key {key.kid} does not match its "
            "published public key: the row was edited. Restore it from a backup."
        )
    return private_key, tried[index]


# --- Signing keys ---------------------------------------------------------------


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
                private_key, passphrase=encryption_passphrase().value
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
    """The key's private half. Raises ``SigningKeyLocked`` when no configured
    passphrase decrypts it; warns when only an older one does."""
    private_key, passphrase = _decrypt(key)
    if passphrase != encryption_passphrase():
        logger.warning(
            "Signing key %s is still encrypted with %s: run `manage.py "
            "rotate_key_encryption` before removing it.",
            key.kid,
            passphrase.name,
        )
    return private_key


def signing_keys_check() -> list[KeyState]:
    """Every stored key, oldest first, with the passphrase that decrypts it."""
    states = []
    for key in SigningKey.objects.order_by("created_at", "pk"):
        try:
            _private_key, passphrase = _decrypt(key)
        except SigningKeyLocked as error:
            states.append(KeyState(key=key, error=str(error)))
        else:
            states.append(KeyState(key=key, passphrase=passphrase.name))
    return states


def signing_keys_reencrypt() -> list[KeyState]:
    """Encrypt every stored key with the current passphrase (``CERTIFICATES_KEK``).

    All or nothing: when a key cannot be decrypted, ``SigningKeyLocked`` is raised
    and no key is rewritten. Keys already under the current passphrase are left
    as they are, so running it twice is harmless. Returns each key's state before
    the change (``passphrase`` names what it was encrypted with)."""
    target = encryption_passphrase()
    with transaction.atomic():
        keys = list(SigningKey.objects.select_for_update().order_by("created_at", "pk"))
        loaded = [(key, *_decrypt(key)) for key in keys]
        states = []
        for key, private_key, passphrase in loaded:
            states.append(KeyState(key=key, passphrase=passphrase.name))
            if passphrase == target:
                continue
            key.private_key_pem = signing.private_key_to_pem(
                private_key, passphrase=target.value
            )
            key.save(update_fields=["private_key_pem"])
    return states
