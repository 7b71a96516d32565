"""Write what an offline verifier needs to check Sala's certificates in bulk: the
issuer Profile, every public key, and every status list as signed now."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from certificates import selectors, services


class Command(BaseCommand):
    help = (
        "Write a verification bundle (JSON: issuer profile, JWK Set, signed status "
        "lists) for verifying certificates without a connection, e.g. "
        "`verify_certificate PDF --jwks bundle.json`. Export again to pick up "
        "revocations made since."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            help="The file to write (default: standard output).",
        )

    def document(self) -> dict:
        return services.verification_bundle()

    def summary(self, document: dict) -> str:
        return (
            f"{len(document['jwks']['keys'])} key(s), "
            f"{len(document['status_lists'])} status list(s) for "
            f"{selectors.site_url()}."
        )

    def handle(self, *args, output, **options):
        document = self.document()
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        if output is None:
            self.stdout.write(text, ending="")
            return
        output.write_text(text, encoding="utf-8")
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {output}: {self.summary(document)}")
        )
