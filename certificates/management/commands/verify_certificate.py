"""Check a certificate PDF as any verifier would: the signature of the credential it
carries, its validity period and its bit in the issuer's status list; online, also
its SHA-256 and status against the issuing server. With ``--jwks`` (a JWK Set or
a verification bundle) and no ``--server`` it uses no network at all."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from certificates import signing, verification

PERIOD = {
    "valid": "valid",
    "not_yet_valid": "NOT YET VALID",
    "expired": "EXPIRED",
}
REVOCATION = {
    "not_revoked": "not revoked (status list)",
    "revoked": "REVOKED (status list)",
    "no_status": "the credential names no status list",
    "unknown": "not checked (no status list given)",
}


class Command(BaseCommand):
    help = (
        "Verify a certificate PDF: the embedded credential's Ed25519 signature, its "
        "validity period and its revocation bit; online, also the file's SHA-256 and "
        "status against the server. --jwks without --server works offline."
    )

    def add_arguments(self, parser):
        parser.add_argument("pdf", type=Path, help="The certificate PDF.")
        parser.add_argument(
            "--server",
            help="The issuing site (default: CERTIFICATES_SITE_URL, unless --jwks "
            "is given, which verifies offline).",
        )
        parser.add_argument(
            "--jwks",
            type=Path,
            help="A saved JWK Set, or a bundle from export_verification_bundle, "
            "to check signatures with instead of the server's keys.",
        )
        parser.add_argument(
            "--status-list",
            type=Path,
            action="append",
            default=[],
            help="A saved status list credential (its VC-JWT, as served at the URL "
            "the credential names). May be given more than once.",
        )

    def handle(self, *args, pdf, server, jwks, status_list, **options):
        offline = jwks is not None and not server
        server = (server or settings.CERTIFICATES_SITE_URL).rstrip("/")
        try:
            data = pdf.read_bytes()
            keys, list_tokens = (
                verification.bundle_read(json.loads(jwks.read_text()))
                if jwks
                else (None, {})
            )
            list_tokens.update(self._status_lists(status_list))
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from error
        try:
            token = verification.embedded_credential(data)
            vc = signing.unverified_claims(token).get("vc") or {}
            record = None
            if not offline:
                if keys is None:
                    keys = verification.fetch_json(f"{server}/.well-known/jwks.json")
                code = verification.code_from_claims({"vc": vc})
                record = verification.fetch_json(f"{server}/api/v1/certificates/{code}")
                list_url = verification.status_list_url(vc)
                if list_url and list_url not in list_tokens:
                    fetched = verification.fetch(list_url, accept="application/jwt")
                    if fetched:
                        list_tokens[list_url] = fetched
            report = verification.check(
                data,
                jwks=keys or {"keys": []},
                record=record,
                list_tokens=list_tokens,
                server_asked=not offline,
            )
        except verification.VerificationError as error:
            raise CommandError(str(error)) from error
        self._print(report, online=not offline)
        if not report.ok:
            raise CommandError("The certificate did not verify.")
        self.stdout.write(self.style.SUCCESS("Verified."))

    def _status_lists(self, paths) -> dict[str, str]:
        tokens = {}
        for path in paths:
            text = path.read_text().strip()
            if text.startswith("{"):
                tokens.update(verification.bundle_read(json.loads(text))[1])
                continue
            vc = signing.unverified_claims(text).get("vc") or {}
            tokens[vc.get("id", "")] = text
        return tokens

    def _print(self, report, *, online):
        start, end = verification.validity_period(report.vc)
        self.stdout.write(f"Certificate {report.code}  (key {report.key_id})")
        self.stdout.write(
            "  signature: "
            + (
                "valid"
                if report.signature_ok
                else f"INVALID ({report.signature_error})"
            )
        )
        period = f"  validity:  {PERIOD[report.period]}"
        if start:
            period += f", from {start.isoformat()}"
        if end:
            period += f" until {end.isoformat()}"
        self.stdout.write(period)
        self.stdout.write(
            "  revocation: "
            + (
                f"CANNOT BE CHECKED ({report.revocation_error})"
                if report.revocation_error
                else REVOCATION[report.revocation]
            )
        )
        if not online:
            self.stdout.write("  server:    not asked (offline)")
        elif not report.server_knows:
            self.stdout.write("  server:    UNKNOWN CODE")
        else:
            self.stdout.write(
                "  file:      "
                + (
                    "identical to the PDF issued"
                    if report.hash_matches
                    else "DIFFERS from the PDF issued"
                )
            )
            reason = f" ({report.status_reason})" if report.status_reason else ""
            self.stdout.write(f"  status:    {report.status}{reason}")
