"""W3C Bitstring Status List v1.0: the bitstring, its encoding and the status list
credential. Pure functions.

Bit ``i`` of a list is the ``i``-th bit counted from the most significant bit of
the first byte; a set bit means the credential that points at it is revoked. The
``encodedList`` is the Multibase base64url form (prefix ``u``, no padding) of the
GZIP-compressed bitstring. A list is never shorter than 131,072 bits (16 KiB),
the specification's minimum, so that a list says little about how many
credentials an issuer made; indexes are drawn at random (by the services), so an
index says nothing about when a credential was issued.
"""

import base64
import datetime as dt
import gzip
from collections.abc import Iterable

from certificates import payload

MINIMUM_BITS = 131_072


class StatusListError(Exception):
    """A status list that cannot be read, or does not answer for a credential."""


def encode(indexes: Iterable[int], *, size: int = MINIMUM_BITS) -> str:
    """The ``encodedList`` of a list of ``size`` bits with ``indexes`` set."""
    bits = bytearray(size // 8)
    for index in indexes:
        if not 0 <= index < size:
            raise ValueError(f"Index {index} is outside a list of {size} bits.")
        bits[index // 8] |= 0x80 >> (index % 8)
    # mtime=0: the same bits always give the same encoding.
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode(encoded_list: str) -> bytes:
    """The bitstring of an ``encodedList``."""
    if not encoded_list.startswith("u"):
        raise StatusListError("The encoded list is not Multibase base64url.")
    text = encoded_list[1:]
    try:
        compressed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        return gzip.decompress(compressed)
    except (ValueError, OSError, EOFError) as error:
        raise StatusListError(f"The encoded list cannot be read: {error}") from error


def bit_is_set(bitstring: bytes, index: int) -> bool:
    if not 0 <= index < len(bitstring) * 8:
        raise StatusListError(f"Index {index} is outside the list.")
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))


def list_credential_build(
    *,
    list_url: str,
    issuer_id: str,
    encoded_list: str,
    valid_from: dt.datetime,
    purpose: str = payload.STATUS_PURPOSE,
) -> dict:
    """The ``BitstringStatusListCredential`` published at ``list_url``."""
    return {
        "@context": [payload.VC_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": valid_from.replace(microsecond=0).isoformat(timespec="seconds"),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded_list,
        },
    }


def entry_status(entry: dict, list_credential: dict) -> bool:
    """Whether the bit a ``credentialStatus`` entry points at is set in
    ``list_credential`` (whose signature the caller has checked).

    Follows the specification's validation steps: the list is the one the entry
    names, has the same purpose, and is at least the minimum length."""
    if entry.get("type") != "BitstringStatusListEntry":
        raise StatusListError(f"Unknown status type {entry.get('type')!r}.")
    if list_credential.get("id") != entry.get("statusListCredential"):
        raise StatusListError("The status list is not the one the credential names.")
    if "BitstringStatusListCredential" not in list_credential.get("type", []):
        raise StatusListError("Not a BitstringStatusListCredential.")
    subject = list_credential.get("credentialSubject") or {}
    purposes = subject.get("statusPurpose")
    purposes = purposes if isinstance(purposes, list) else [purposes]
    if entry.get("statusPurpose") not in purposes:
        raise StatusListError("The status list is for another purpose.")
    bitstring = decode(subject.get("encodedList", ""))
    if len(bitstring) * 8 < MINIMUM_BITS:
        raise StatusListError("The status list is shorter than the minimum length.")
    try:
        index = int(entry.get("statusListIndex"))
    except (TypeError, ValueError) as error:
        raise StatusListError("The status list index is not a number.") from error
    return bit_is_set(bitstring, index)
