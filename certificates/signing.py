"""Ed25519 keys and VC-JWT signatures (PyJWT with cryptography): pure functions.

A credential is signed as a compact JWS (``alg: EdDSA``) whose header names the
key (``kid``). Public keys are published as a JWK Set; verification picks the key
by ``kid``, so certificates signed by a retired key keep verifying after rotation.

A ``kid`` is the URL where the key's JWK is published (``…/issuer/keys/<thumbprint>``);
credentials signed before that named the bare RFC 7638 thumbprint. Both find their
key: a ``kid`` is matched exactly, else by the thumbprint it ends with.
"""

import hashlib
import json
from collections.abc import Sequence

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from jwt.algorithms import OKPAlgorithm

ALGORITHM = "EdDSA"


class SignatureInvalid(Exception):
    """The credential's signature does not verify, or its key is unknown."""


class KeyDecryptionError(ValueError):
    """None of the passphrases given decrypts the private key."""


def key_generate() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key_to_pem(key: Ed25519PrivateKey, *, passphrase: bytes) -> str:
    """PKCS#8 PEM, encrypted with ``passphrase``."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    ).decode("ascii")


def private_key_from_pem(pem: str, *, passphrase: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=passphrase)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("Not an Ed25519 private key.")
    return key


def private_key_from_pem_any(
    pem: str, *, passphrases: Sequence[bytes]
) -> tuple[Ed25519PrivateKey, int]:
    """The key, and the index in ``passphrases`` of the first one that decrypts it
    (a rotation tries the current passphrase, then the earlier ones)."""
    for index, passphrase in enumerate(passphrases):
        try:
            return private_key_from_pem(pem, passphrase=passphrase), index
        except (TypeError, ValueError):
            continue
    raise KeyDecryptionError(
        f"None of the {len(passphrases)} passphrase(s) tried decrypts the key."
    )


def key_id(public_key: Ed25519PublicKey) -> str:
    """The RFC 7638 JWK thumbprint of the public key, a stable ``kid``."""
    jwk = OKPAlgorithm.to_jwk(public_key, as_dict=True)
    canonical = json.dumps(
        {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]},
        separators=(",", ":"),
        sort_keys=True,
    )
    digest = hashlib.sha256(canonical.encode("ascii")).digest()
    return jwt.utils.base64url_encode(digest).decode("ascii")


def public_jwk(public_key: Ed25519PublicKey) -> dict:
    """The public key as a JWK, with its ``kid``, ``use`` and ``alg``."""
    jwk = OKPAlgorithm.to_jwk(public_key, as_dict=True)
    jwk.update({"kid": key_id(public_key), "use": "sig", "alg": ALGORITHM})
    return jwk


def credential_sign(
    claims: dict, *, private_key: Ed25519PrivateKey, kid: str | None = None
) -> str:
    """A compact JWS over ``claims``, its header naming the key (``kid``, by default
    the key's thumbprint)."""
    return jwt.encode(
        claims,
        private_key,
        algorithm=ALGORITHM,
        headers={"kid": kid or key_id(private_key.public_key()), "typ": "JWT"},
    )


def thumbprint_of(kid: str) -> str:
    """The thumbprint a ``kid`` names: the last segment of a key URL, or the bare
    thumbprint itself."""
    return (kid or "").rstrip("/").rsplit("/", 1)[-1]


def jwk_find(jwks: dict, kid: str) -> dict | None:
    """The JWK of ``jwks`` that ``kid`` names (exactly, else by thumbprint)."""
    keys = [k for k in jwks.get("keys", []) if isinstance(k, dict)]
    exact = next((k for k in keys if k.get("kid") == kid), None)
    if exact is not None or not kid:
        return exact
    wanted = thumbprint_of(kid)
    return next((k for k in keys if thumbprint_of(k.get("kid", "")) == wanted), None)


def credential_verify(token: str, *, jwks: dict) -> dict:
    """The claims of ``token`` if a key of ``jwks`` (a JWK Set) signed it.

    Expiry is not checked here: an expired certificate still has a valid
    signature, and its status says it expired.
    """
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as error:
        raise SignatureInvalid(f"Not a JWS: {error}") from error
    if header.get("alg") != ALGORITHM:
        raise SignatureInvalid(f"Unexpected algorithm {header.get('alg')!r}.")
    jwk = jwk_find(jwks, header.get("kid", ""))
    if jwk is None:
        raise SignatureInvalid(f"Unknown key {header.get('kid')!r}.")
    try:
        key = jwt.PyJWK(jwk, algorithm=ALGORITHM).key
        return jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            options={
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": False,
            },
        )
    except jwt.InvalidTokenError as error:
        raise SignatureInvalid(str(error)) from error


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def unverified_claims(token: str) -> dict:
    """The claims of a token whose signature was checked elsewhere (or will be)."""
    return jwt.decode(token, options={"verify_signature": False})
