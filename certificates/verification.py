"""Checking a credential the way any verifier would, with public data only: its
signature under a published key, its validity period, and its bit in the
published status list; for a PDF, also how the file compares with the server's
record.

One function answers each question, and the verification page, the JSON API and
``manage.py verify_certificate`` (online or offline) all call them, so they
cannot disagree. Nothing here reads the database.
"""

import datetime as dt
import io
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field

import jwt
from pypdf import PdfReader

from certificates import payload, signing, statuslist
from certificates.codes import code_normalize

# Credentials signed before VC 2.0 stated the date of issue as midnight UTC of the
# local date, up to 7 hours after the real instant in Phnom Penh; their start is
# read with a day's grace.
LEGACY_GRACE = dt.timedelta(days=1)


class VerificationError(Exception):
    """The file cannot be checked (not a PDF, no credential, server unreachable)."""


def embedded_credential(pdf: bytes) -> str:
    """The VC-JWT attached to a certificate PDF."""
    try:
        attachments = PdfReader(io.BytesIO(pdf)).attachments
    except Exception as error:
        raise VerificationError(f"Not a readable PDF: {error}") from error
    for name, contents in attachments.items():
        if name.endswith(".jwt") and contents:
            return contents[0].decode("ascii").strip()
    raise VerificationError("The PDF carries no signed credential.")


def code_from_claims(claims: dict) -> str:
    """The certificate code: the last part of the credential's id (its URL)."""
    identifier = claims.get("vc", {}).get("id") or claims.get("jti", "")
    return code_normalize(identifier.rstrip("/").rsplit("/", 1)[-1])


def key_id(token: str) -> str:
    return jwt.get_unverified_header(token).get("kid", "")


def is_legacy(vc: dict) -> bool:
    """Signed in the VC Data Model 1.1 shape (before validFrom)."""
    return payload.VC_CONTEXT_V1 in vc.get("@context", [])


def _moment(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def validity_period(vc: dict) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(valid from, valid until) of a credential of either shape."""
    return (
        _moment(vc.get("validFrom") or vc.get("issuanceDate")),
        _moment(vc.get("validUntil") or vc.get("expirationDate")),
    )


def period_state(vc: dict, *, now: dt.datetime) -> str:
    """``valid``, ``not_yet_valid`` or ``expired`` at ``now``."""
    start, end = validity_period(vc)
    if start is not None:
        if is_legacy(vc):
            start -= LEGACY_GRACE
        if now < start:
            return "not_yet_valid"
    if end is not None and now >= end:
        return "expired"
    return "valid"


def list_credential_read(token: str, *, jwks: dict) -> dict:
    """The status list credential in a VC-JWT, once its signature verifies."""
    try:
        claims = signing.credential_verify(token, jwks=jwks)
    except signing.SignatureInvalid as error:
        raise statuslist.StatusListError(
            f"The status list's signature does not verify: {error}"
        ) from error
    return claims.get("vc") or {}


def revocation_state(vc: dict, *, list_tokens: dict[str, str], jwks: dict) -> str:
    """``revoked``, ``not_revoked``, ``no_status`` (the credential names no list)
    or ``unknown`` (its list is not at hand). ``list_tokens`` maps a status list
    URL to its signed credential. Raises ``StatusListError`` for a list that
    cannot be trusted or read."""
    entry = vc.get("credentialStatus")
    if not entry:
        return "no_status"
    entries = entry if isinstance(entry, list) else [entry]
    entry = next(
        (e for e in entries if e.get("statusPurpose") == payload.STATUS_PURPOSE), None
    )
    if entry is None:
        return "no_status"
    token = list_tokens.get(entry.get("statusListCredential", ""))
    if token is None:
        return "unknown"
    list_credential = list_credential_read(token, jwks=jwks)
    if list_credential.get("issuer") != _issuer_id(vc):
        raise statuslist.StatusListError(
            "The status list was issued by another issuer."
        )
    return (
        "revoked" if statuslist.entry_status(entry, list_credential) else "not_revoked"
    )


def _issuer_id(vc: dict) -> str:
    issuer = vc.get("issuer")
    return issuer.get("id", "") if isinstance(issuer, dict) else issuer or ""


def status_list_url(vc: dict) -> str:
    entry = vc.get("credentialStatus") or {}
    if isinstance(entry, list):
        entry = entry[0] if entry else {}
    return entry.get("statusListCredential", "")


@dataclass
class Report:
    code: str = ""
    signature_ok: bool = False
    signature_error: str = ""
    key_id: str = ""
    claims: dict = field(default_factory=dict)
    period: str = ""
    revocation: str = ""
    revocation_error: str = ""
    sha256: str = ""
    hash_matches: bool | None = None
    status: str = ""
    status_reason: str = ""
    # Whether the issuing server was asked (online) and knew the code.
    server_asked: bool = False
    server_knows: bool = False

    @property
    def vc(self) -> dict:
        return self.claims.get("vc") or {}

    @property
    def ok(self) -> bool:
        """The signature verifies, the credential is in its validity period and
        not revoked, and (when the server was asked) the file and record agree."""
        checks = [
            self.signature_ok,
            self.period == "valid",
            self.revocation in ("not_revoked", "no_status", "unknown"),
            not self.revocation_error,
        ]
        if self.server_asked:
            checks += [
                self.server_knows,
                self.hash_matches is True,
                self.status == "valid",
            ]
        return all(checks)


def credential_check(
    token: str, *, jwks: dict, list_tokens: dict[str, str], now: dt.datetime
) -> Report:
    """Signature, validity period and revocation of a VC-JWT."""
    report = Report(key_id=key_id(token))
    try:
        report.claims = signing.credential_verify(token, jwks=jwks)
        report.signature_ok = True
    except signing.SignatureInvalid as error:
        report.signature_error = str(error)
        report.claims = signing.unverified_claims(token)
    report.code = code_from_claims(report.claims)
    report.period = period_state(report.vc, now=now)
    try:
        report.revocation = revocation_state(
            report.vc, list_tokens=list_tokens, jwks=jwks
        )
    except statuslist.StatusListError as error:
        report.revocation_error = str(error)
    return report


def check(
    pdf: bytes,
    *,
    jwks: dict,
    record: dict | None,
    list_tokens: dict[str, str] | None = None,
    now: dt.datetime | None = None,
    server_asked: bool = False,
) -> Report:
    """A certificate PDF: its credential checked as above; with ``server_asked``,
    its hash and status against the server's ``record`` (the API's JSON for the
    code, None when the server does not know it)."""
    token = embedded_credential(pdf)
    report = credential_check(
        token,
        jwks=jwks,
        list_tokens=list_tokens or {},
        now=now or dt.datetime.now(dt.UTC),
    )
    report.sha256 = signing.sha256_hex(pdf)
    report.server_asked = server_asked or record is not None
    if record is not None:
        report.server_knows = True
        report.hash_matches = record.get("pdf_sha256") == report.sha256
        report.status = record.get("status", "")
        report.status_reason = record.get("status_reason", "")
    return report


def bundle_read(data: dict) -> tuple[dict, dict[str, str]]:
    """(JWK Set, status list tokens by URL) of a JWK Set or of a verification
    bundle written by ``manage.py export_verification_bundle``."""
    if "keys" in data:
        return data, {}
    return data.get("jwks") or {"keys": []}, dict(data.get("status_lists") or {})


def fetch(url: str, *, accept: str = "application/json", timeout: float = 15):
    """GET a document: parsed JSON, or text for a JWT; None on 404."""
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise VerificationError(f"{url}: HTTP {error.code}") from error
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise VerificationError(f"{url}: {error}") from error
    if accept == "application/json":
        try:
            return json.loads(body)
        except ValueError as error:
            raise VerificationError(f"{url}: not JSON") from error
    return body.strip()


def fetch_json(url: str, *, timeout: float = 15) -> dict | None:
    return fetch(url, timeout=timeout)
