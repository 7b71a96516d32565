"""Re-encrypt the stored signing keys with the current key-encryption key."""

from django.core.management.base import BaseCommand, CommandError

from certificates import services
from certificates.services.keys import encryption_passphrase


class Command(BaseCommand):
    help = (
        "Encrypt every stored certificate signing key with the current "
        "CERTIFICATES_KEK. While it runs, the key-encryption key the keys were "
        "stored with must still be configured: the old KEK in "
        "CERTIFICATES_KEK_FALLBACKS, or, for keys from before the KEK, the old "
        "DJANGO_SECRET_KEY as DJANGO_SECRET_KEY or in DJANGO_SECRET_KEY_FALLBACKS. "
        "All or nothing; running it twice changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only say what each key is encrypted with; write nothing.",
        )

    def handle(self, *args, check, **options):
        target = encryption_passphrase().name
        if target != "CERTIFICATES_KEK":
            self.stdout.write(
                self.style.WARNING(
                    "CERTIFICATES_KEK is empty: keys are encrypted with SECRET_KEY "
                    "(development only; production requires CERTIFICATES_KEK)."
                )
            )
        if check:
            states = services.signing_keys_check()
            for state in states:
                self.stdout.write(f"  {state.key.kid}: {self._state(state, target)}")
            if any(state.error for state in states):
                raise CommandError("A signing key cannot be decrypted (see above).")
            return
        try:
            states = services.signing_keys_reencrypt()
        except services.SigningKeyLocked as error:
            raise CommandError(f"{error} Nothing was changed.") from error
        changed = [state for state in states if not state.current]
        for state in states:
            verb = (
                f"already {target}"
                if state.current
                else f"{state.passphrase} -> {target}"
            )
            self.stdout.write(f"  {state.key.kid}: {verb}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(changed)} of {len(states)} signing key(s) re-encrypted with "
                f"{target}."
            )
        )
        if changed:
            self.stdout.write(
                "Check with `manage.py check_credentials`, then remove the old "
                "key-encryption key from the fallbacks."
            )

    def _state(self, state, target) -> str:
        if state.error:
            return f"CANNOT BE DECRYPTED ({state.error})"
        if state.current:
            return f"encrypted with {target}"
        return f"encrypted with {state.passphrase}: run rotate_key_encryption"
