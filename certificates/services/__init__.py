"""Writes: signing keys, issuing (courses and competitions), reissuing, revoking and
expiring certificates, their PDFs, and the staff jobs (bulk issue, ZIP export)."""

from certificates.services.contests import (
    contest_certificate_issue,
    contest_certificates_check,
    contest_certificates_plan,
)
from certificates.services.documents import (
    SAMPLE_CODE,
    certificate_pdf_build,
    pdf_context,
    template_layout,
    template_preview_pdf,
)
from certificates.services.holders import (
    holder_certificates_issue,
    holder_has_waiting,
)
from certificates.services.integrity import CredentialsCheck, credentials_check
from certificates.services.issuance import (
    CertificateError,
    CertificateNotEligible,
    HolderNameMissing,
    IssueResult,
    certificate_email_send,
    certificate_expiry_reminders_send,
    certificate_issue,
    certificate_reissue,
    certificate_revoke,
    certificates_expire,
)
from certificates.services.jobs import certificate_job_create, certificate_job_run
from certificates.services.keys import (
    SigningKeyLocked,
    signing_key_create,
    signing_key_ensure,
    signing_keys_check,
    signing_keys_reencrypt,
)
from certificates.services.status import (
    CACHE_SECONDS as STATUS_LIST_CACHE_SECONDS,
)
from certificates.services.status import (
    certificate_credential_check,
    holder_subject_id,
    status_list_credential,
    verification_bundle,
)

__all__ = [
    "SAMPLE_CODE",
    "STATUS_LIST_CACHE_SECONDS",
    "certificate_credential_check",
    "holder_subject_id",
    "status_list_credential",
    "verification_bundle",
    "CertificateError",
    "CredentialsCheck",
    "HolderNameMissing",
    "SigningKeyLocked",
    "credentials_check",
    "holder_certificates_issue",
    "holder_has_waiting",
    "signing_keys_check",
    "signing_keys_reencrypt",
    "CertificateNotEligible",
    "IssueResult",
    "certificate_email_send",
    "contest_certificate_issue",
    "contest_certificates_check",
    "contest_certificates_plan",
    "certificate_expiry_reminders_send",
    "certificate_issue",
    "certificate_job_create",
    "certificate_job_run",
    "certificate_pdf_build",
    "certificate_reissue",
    "certificate_revoke",
    "certificates_expire",
    "pdf_context",
    "signing_key_create",
    "signing_key_ensure",
    "template_layout",
    "template_preview_pdf",
]
