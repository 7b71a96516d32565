"""Write the JWK Set of every signing key, active and retired: what
``<site>/.well-known/jwks.json`` serves, for a verifier's copy or a backup of the
public side."""

from certificates import selectors
from certificates.management.commands import export_verification_bundle


class Command(export_verification_bundle.Command):
    help = (
        "Write the public keys of every certificate signing key, active and retired, "
        "as a JWK Set (JSON), as served at /.well-known/jwks.json; "
        "`verify_certificate PDF --jwks FILE` reads it. Private keys never leave "
        "the database."
    )

    def document(self) -> dict:
        return selectors.jwks()

    def summary(self, document: dict) -> str:
        return f"{len(document['keys'])} public key(s) of {selectors.site_url()}."
