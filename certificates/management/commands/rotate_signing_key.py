"""Rotate the certificate signing key: ``create_signing_key`` without
``--if-missing``, under the name an operator looks for."""

from certificates.management.commands import create_signing_key


class Command(create_signing_key.Command):
    help = (
        "Create a new certificate signing key that signs from now on; the previous "
        "keys are retired and stay published, so every certificate they signed keeps "
        "verifying. Then export the public keys again (export_public_keys)."
    )

    def add_arguments(self, parser):
        pass

    def handle(self, *args, **options):
        options.pop("if_missing", None)
        return super().handle(*args, if_missing=False, **options)
