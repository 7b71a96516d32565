"""Start a production site: the administrator, both locales and the home pages,
the competency framework and a signing key, then what to do next."""

import getpass
import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from certificates.services import signing_key_ensure
from competencies.services import default_framework_metadata
from lms import setup

PASSWORD_ENV = "SALA_ADMIN_PASSWORD"


class Command(BaseCommand):
    help = (
        "Set up a new site: the administrator (e-mail from --email or a prompt; "
        f"password from ${PASSWORD_ENV} or a prompt, never the command line), the "
        "Khmer and English home pages and course catalogue, the competency "
        "framework (--framework FILE, else the provisional one Sala ships) and a "
        "certificate signing key. Safe to run again: what exists is kept."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # No abbreviations: `--password secret` must be refused, not read as
        # --password-env (a password on the command line ends in shell history).
        return super().create_parser(
            prog_name, subcommand, allow_abbrev=False, **kwargs
        )

    def add_arguments(self, parser):
        parser.add_argument("--email", help="The administrator's e-mail address.")
        parser.add_argument(
            "--password-env",
            default=PASSWORD_ENV,
            metavar="NAME",
            help=f"The environment variable holding the administrator's password "
            f"(default {PASSWORD_ENV}); prompted for when it is not set.",
        )
        parser.add_argument(
            "--framework",
            type=Path,
            metavar="FILE",
            help="A framework file (CSV or XLSX, the import_framework format) to "
            "import, e.g. the official list of competences.",
        )
        parser.add_argument(
            "--framework-code",
            default="",
            metavar="CODE",
            help="The framework the file goes into (default: the one Sala ships, "
            f"{default_framework_metadata()['code']}).",
        )
        parser.add_argument("--framework-name-en", default="")
        parser.add_argument("--framework-name-km", default="")
        parser.add_argument(
            "--hostname",
            help="The site's host name (default: from WAGTAILADMIN_BASE_URL).",
        )
        parser.add_argument("--port", type=int, help="The site's port (default: 443).")
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="Never prompt: fail instead when the e-mail or password is missing.",
        )

    def handle(self, *args, **options):
        try:
            self._setup(**options)
        except setup.SetupError as error:
            raise CommandError(str(error)) from error

    def _setup(self, *, interactive, **options):
        framework_file = options["framework"]
        code = options["framework_code"]
        names = {
            "name_en": options["framework_name_en"],
            "name_km": options["framework_name_km"],
        }
        # A wrong file is refused before anything else is written.
        if framework_file is not None:
            setup.framework_file_check(
                framework_file,
                code=code or default_framework_metadata()["code"],
                **names,
            )

        email = options["email"] or self._ask("Administrator's e-mail: ", interactive)
        password = os.environ.get(options["password_env"]) or None
        if password is None and not self._administrator_exists(email):
            password = self._ask_password(interactive, options["password_env"])
        admin, created = setup.administrator_ensure(email=email, password=password)
        self._done(
            "Administrator",
            f"{admin.email} {'created' if created else 'exists (kept as it is)'}",
        )

        hostname, port = setup.site_address()
        home, changed = setup.site_tree_ensure(
            hostname=options["hostname"] or hostname, port=options["port"] or port
        )
        self._done(
            "Site",
            "home pages in Khmer and English and the course catalogue "
            + ("created" if changed else "exist (kept)"),
        )

        framework, result = setup.framework_setup(
            path=framework_file, code=code, **names
        )
        if result is None:
            kind = "provisional" if framework.is_provisional else "official"
            detail = f"{framework.code} ({kind})"
        else:
            counts = result.summary()["competences"]
            detail = (
                f"{framework_file} imported into {framework.code}: "
                f"{counts['created']} competences created, {counts['updated']} "
                f"updated, {counts['unchanged']} unchanged, {counts['retire']} "
                "retired"
            )
        self._done("Framework", detail)

        key, key_created = signing_key_ensure()
        self._done(
            "Signing key",
            f"{key.kid} {'created' if key_created else 'exists (kept)'}",
        )
        self._next_steps(admin=admin, framework=framework)

    def _administrator_exists(self, email: str) -> bool:
        return User.objects.filter(email__iexact=email.strip()).exists()

    def _ask(self, prompt: str, interactive: bool) -> str:
        if not interactive:
            raise CommandError("Give the administrator's e-mail with --email.")
        value = ""
        while not value:
            value = input(prompt).strip()
        return value

    def _ask_password(self, interactive: bool, variable: str) -> str:
        if not interactive:
            raise CommandError(
                f"Set the administrator's password in ${variable} (it is never "
                "given on the command line)."
            )
        while True:
            first = getpass.getpass("Administrator's password: ")
            if first and first == getpass.getpass("Password (again): "):
                return first
            self.stderr.write("The passwords differ or are empty; try again.")

    def _done(self, step: str, detail: str) -> None:
        self.stdout.write(f"{self.style.SUCCESS('✓')} {step}: {detail}")

    def _next_steps(self, *, admin, framework) -> None:
        base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
        steps = [
            f"Log in at {base}/admin/ as {admin.email}: set up the authenticator "
            "app (TOTP) Sala asks for at the first login.",
        ]
        if framework.is_provisional:
            steps.append(
                f"The framework {framework.code} is provisional: import the official "
                "list of competences (`manage.py sala_setup --framework FILE`, or "
                "Admin → Competency framework → Import framework), then untick "
                "its “provisional clusters and competences”."
            )
        steps += [
            "Create a certificate template (Admin → Certificates → Templates) with "
            "your issuer, its logo and the signatories; make it the default.",
            "Write the courses under the catalogue in Khmer, then translate each "
            "into English (Admin → Pages).",
            "Add trainers, editors and administrators (Admin → Users) and give "
            "them their roles.",
            "Back up the database and keep CERTIFICATES_KEK apart from it; export "
            "the public keys (`manage.py export_public_keys --output jwks.json`). "
            "See the README: Production, Keys, backup and rotation.",
            "Check: `manage.py check --deploy` and, once certificates are issued, "
            "`manage.py check_credentials`.",
        ]
        self.stdout.write("")
        self.stdout.write("Next:")
        for number, step in enumerate(steps, start=1):
            self.stdout.write(f"  {number}. {step}")
