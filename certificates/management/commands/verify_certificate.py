"""Check a certificate PDF: the signature of the credential it carries, with only
the public key, then its SHA-256 and status against the issuing server."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from certificates import signing, verification


class Command(BaseCommand):
    help = (
        "Verify a certificate PDF: the embedded credential's Ed25519 signature with "
        "the public key only, and the file's SHA-256 and status against the server."
    )

    def add_arguments(self, parser):
        parser.add_argument("pdf", type=Path, help="The certificate PDF.")
        parser.add_argument(
            "--server",
            default=settings.CERTIFICATES_SITE_URL,
            help="The issuing site (default: CERTIFICATES_SITE_URL).",
        )
        parser.add_argument(
            "--jwks",
            type=Path,
            help="A saved JWK Set to check the signature with, instead of the "
            "server's /.well-known/jwks.json.",
        )

    def handle(self, *args, pdf, server, jwks, **options):
        server = server.rstrip("/")
        try:
            data = pdf.read_bytes()
        except OSError as error:
            raise CommandError(str(error)) from error
        try:
            token = verification.embedded_credential(data)
            code = verification.code_from_claims(signing.unverified_claims(token))
            keys = (
                json.loads(jwks.read_text())
                if jwks
                else verification.fetch_json(f"{server}/.well-known/jwks.json")
            ) or {"keys": []}
            record = verification.fetch_json(f"{server}/api/v1/certificates/{code}")
            report = verification.check(data, jwks=keys, record=record)
        except verification.VerificationError as error:
            raise CommandError(str(error)) from error

        self.stdout.write(f"Certificate {report.code}  (key {report.key_id})")
        self.stdout.write(
            "  signature: "
            + (
                "valid"
                if report.signature_ok
                else f"INVALID ({report.signature_error})"
            )
        )
        if record is None:
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
        if not report.ok:
            raise CommandError("The certificate did not verify.")
        self.stdout.write(self.style.SUCCESS("Verified."))
