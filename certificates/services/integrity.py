"""Whether everything issued still verifies: after a key rotation, a change of the
key-encryption key, a restore from backup. Read-only (signing a status list
credential may fill the cache, nothing else)."""

from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured

from certificates import signing, verification
from certificates.models import Certificate
from certificates.services.keys import KeyState, signing_keys_check
from certificates.services.status import certificate_credential_check


@dataclass
class CredentialsCheck:
    """The stored keys, how many credentials were checked, and each failure as
    (certificate code, reason)."""

    keys: list[KeyState] = field(default_factory=list)
    checked: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def active_key_locked(self) -> bool:
        return any(state.error and state.key.is_active for state in self.keys)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.active_key_locked


def _problems(certificate: Certificate, *, files: bool) -> list[str]:
    """Why the certificate's credential does not verify (empty when it does)."""
    try:
        report = certificate_credential_check(certificate=certificate)
    except (ImproperlyConfigured, ValueError) as error:
        return [str(error)]
    problems = []
    if not report.signature_ok:
        problems.append(f"signature: {report.signature_error}")
    if signing.thumbprint_of(report.key_id) != certificate.key_id:
        problems.append(
            f"signed by key {report.key_id!r}, recorded as {certificate.key_id!r}"
        )
    if report.revocation_error:
        problems.append(f"status list: {report.revocation_error}")
    elif report.revocation == "revoked":
        problems.append("its bit in the status list says revoked")
    if files:
        problems += _file_problems(certificate)
    return problems


def _file_problems(certificate: Certificate) -> list[str]:
    try:
        with certificate.pdf.open("rb") as handle:
            pdf = handle.read()
    except (OSError, ValueError) as error:
        return [f"PDF: {error}"]
    problems = []
    if signing.sha256_hex(pdf) != certificate.pdf_sha256:
        problems.append("PDF: its SHA-256 differs from the one recorded at issue")
    try:
        if verification.embedded_credential(pdf) != certificate.credential:
            problems.append("PDF: it carries another credential than the record")
    except verification.VerificationError as error:
        problems.append(f"PDF: {error}")
    return problems


def credentials_check(*, files: bool = False) -> CredentialsCheck:
    """Every stored signing key decrypts, and every credential issued and not
    revoked (valid, expired or superseded) verifies with the published keys and
    status lists, through the same check as the verification page; with
    ``files``, each PDF is also the one issued."""
    result = CredentialsCheck(keys=signing_keys_check())
    certificates = Certificate.objects.exclude(
        status=Certificate.Status.REVOKED
    ).order_by("pk")
    for certificate in certificates.iterator(chunk_size=500):
        result.checked += 1
        for problem in _problems(certificate, files=files):
            result.failures.append((certificate.code_display, problem))
    return result
