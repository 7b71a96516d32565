"""Export a framework to a CSV or XLSX file in the import format."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from competencies.models import Framework
from competencies.services import framework_export
from lms import tabular


class Command(BaseCommand):
    help = "Write the framework CODE to PATH; the format (.csv or .xlsx) follows PATH."

    def add_arguments(self, parser):
        parser.add_argument("code")
        parser.add_argument("path", type=Path)

    def handle(self, *args, code, path, **options):
        fmt = path.suffix.lower().removeprefix(".")
        if fmt not in tabular.FORMATS:
            raise CommandError(f"{path} must end in .csv or .xlsx.")
        framework = Framework.objects.filter(code=code).first()
        if framework is None:
            raise CommandError(f"No framework has the code {code!r}.")
        try:
            path.write_bytes(framework_export(framework=framework, fmt=fmt))
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Wrote {framework.code} to {path}."))
