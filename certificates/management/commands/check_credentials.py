"""Check that every issued credential still verifies, and that every signing key
can still be decrypted: after a rotation, a change of the key-encryption key or a
restore from backup."""

from django.core.management.base import BaseCommand, CommandError

from certificates import services


class Command(BaseCommand):
    help = (
        "Verify the signature (and status list entry) of every certificate that is "
        "not revoked with the stored public keys, as the verification page does, "
        "and say what each signing key is encrypted with. Exits non-zero when a "
        "credential fails or the active key cannot be decrypted."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--files",
            action="store_true",
            help="Also read each certificate's PDF and compare it with the record.",
        )

    def handle(self, *args, files, **options):
        result = services.credentials_check(files=files)
        active = sum(state.key.is_active for state in result.keys)
        self.stdout.write(f"Signing keys: {len(result.keys)} ({active} active)")
        for state in result.keys:
            role = "active" if state.key.is_active else "retired"
            if state.error:
                line = self.style.ERROR(f"CANNOT BE DECRYPTED: {state.error}")
            elif state.current:
                line = f"decrypts with {state.passphrase}"
            else:
                line = self.style.WARNING(
                    f"decrypts with {state.passphrase} only: run rotate_key_encryption"
                )
            self.stdout.write(f"  {state.key.kid} ({role}): {line}")
        failed = {code for code, _problem in result.failures}
        self.stdout.write(
            f"Credentials not revoked: {result.checked} checked, "
            f"{result.checked - len(failed)} verify, {len(failed)} fail"
        )
        for code, problem in result.failures:
            self.stdout.write(self.style.ERROR(f"  {code}: {problem}"))
        if not result.ok:
            raise CommandError(
                f"{len(failed)} credential(s) failed"
                + (
                    ", the active signing key is locked"
                    if result.active_key_locked
                    else ""
                )
                + "."
            )
        self.stdout.write(self.style.SUCCESS("Every credential verifies."))
