"""Import a framework file (CSV or XLSX) into the framework with the given code."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from competencies.services import framework_import


class Command(BaseCommand):
    help = (
        "Import levels, competency clusters and competences from a CSV or XLSX file "
        "into the framework CODE, creating it (with --name-en and --name-km) if "
        "needed. Nothing is written if the file has any error."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--framework", required=True, metavar="CODE")
        parser.add_argument("--name-en", default="")
        parser.add_argument("--name-km", default="")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and report what would change, writing nothing.",
        )

    def handle(self, *args, path, framework, name_en, name_km, dry_run, **options):
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        result = framework_import(
            framework_code=framework,
            name_en=name_en,
            name_km=name_km,
            file=data,
            filename=path.name,
            dry_run=dry_run,
        )
        if result.errors:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{len(result.errors)} error(s) in {path}; nothing was imported."
            )

        verb = "Would import" if dry_run else "Imported"
        created = " (new framework)" if result.framework_created else ""
        self.stdout.write(f"{verb} {path} into {result.framework_code}{created}:")
        for kind, counts in result.summary().items():
            absent = (
                f"{counts['absent']} not in the file (kept)"
                if kind == "levels"
                else f"{counts['retire']} not in the file "
                + ("(would be retired)" if dry_run else "(retired)")
                + f", {counts['retired']} retired before"
            )
            self.stdout.write(
                f"  {kind}: {counts['created']} created, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged, {absent}"
            )
        if not dry_run:
            self.stdout.write(self.style.SUCCESS("Done."))
