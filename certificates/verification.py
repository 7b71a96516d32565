"""Checking a certificate PDF without the database: the credential it carries, its
signature under a published key, and how it compares with the server's record.

Used by ``manage.py verify_certificate``, which anyone holding a PDF can run against
the public API: nothing here needs more than the file and public data.
"""

import io
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from pypdf import PdfReader

from certificates import signing
from certificates.codes import code_normalize


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


@dataclass
class Report:
    code: str = ""
    signature_ok: bool = False
    signature_error: str = ""
    key_id: str = ""
    claims: dict = field(default_factory=dict)
    sha256: str = ""
    hash_matches: bool | None = None
    status: str = ""
    status_reason: str = ""

    @property
    def ok(self) -> bool:
        return (
            self.signature_ok and self.hash_matches is True and self.status == "valid"
        )


def check(pdf: bytes, *, jwks: dict, record: dict | None) -> Report:
    """Signature against ``jwks``; hash and status against the server's ``record``
    (the API's JSON for the code, or None when the server does not know it)."""
    report = Report(sha256=signing.sha256_hex(pdf))
    token = embedded_credential(pdf)
    try:
        report.claims = signing.credential_verify(token, jwks=jwks)
        report.signature_ok = True
    except signing.SignatureInvalid as error:
        report.signature_error = str(error)
        report.claims = signing.unverified_claims(token)
    report.key_id = _kid(token)
    report.code = code_from_claims(report.claims)
    if record is not None:
        report.hash_matches = record.get("pdf_sha256") == report.sha256
        report.status = record.get("status", "")
        report.status_reason = record.get("status_reason", "")
    return report


def _kid(token: str) -> str:
    import jwt

    return jwt.get_unverified_header(token).get("kid", "")


def fetch_json(url: str, *, timeout: float = 15) -> dict | None:
    """GET a JSON document; None on 404."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.load(response)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise VerificationError(f"{url}: HTTP {error.code}") from error
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise VerificationError(f"{url}: {error}") from error
