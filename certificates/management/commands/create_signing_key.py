"""Create the Ed25519 key that signs certificates, or rotate to a new one."""

from django.core.management.base import BaseCommand

from certificates import selectors, services


class Command(BaseCommand):
    help = (
        "Create a certificate signing key. With --if-missing, only when there is no "
        "active key (safe to run at every deploy); without it, rotate: the new key "
        "signs from now on and the old one stays published so its certificates "
        "keep verifying."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="Do nothing when an active key exists.",
        )

    def handle(self, *args, if_missing, **options):
        if if_missing:
            key, created = services.signing_key_ensure()
            verb = "Created" if created else "Kept"
            self.stdout.write(self.style.SUCCESS(f"{verb} signing key {key.kid}."))
            return
        retired = selectors.signing_key_active()
        key = services.signing_key_create()
        self.stdout.write(self.style.SUCCESS(f"Created signing key {key.kid}."))
        if retired is not None:
            self.stdout.write(
                f"Retired signing key {retired.kid}: it signs nothing more and stays "
                "published, so what it signed keeps verifying."
            )
            self.stdout.write(
                "Verifiers who keep the keys offline need the new one: "
                "`manage.py export_public_keys --output jwks.json`."
            )
