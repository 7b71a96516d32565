"""Screenshots of the demo's pages, in both languages at phone and laptop width,
and a check that none is wider than its screen (see ``lms.screens``)."""

import shutil
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from lms import screens


class Command(BaseCommand):
    help = (
        "Open every demo page as its person (learner, student, trainer, organiser) "
        "in Chromium, at 360 and 1366 px, in Khmer and English; save a PNG of each "
        "and report any page that answers an error or is wider than the screen. "
        "Run against a server showing the seeded demo (make screenshots does it)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")
        parser.add_argument(
            "--out",
            type=Path,
            default=Path(settings.BASE_DIR) / "var" / "screenshots",
            help="Where the PNGs go (default: var/screenshots).",
        )
        parser.add_argument(
            "--readme",
            type=Path,
            help="Also copy the README's pictures into this folder.",
        )

    def handle(self, *args, base_url, out, readme, **options):
        shots = screens.capture(base_url=base_url, out_dir=out)
        bad = [s for s in shots if not s.ok]
        for shot in shots:
            self.stdout.write(str(shot))
        if readme is not None:
            readme.mkdir(parents=True, exist_ok=True)
            for name, language, width in screens.README_SHOTS:
                source = out / f"{name}-{language}-{width}.png"
                if source.exists():
                    shutil.copyfile(source, readme / source.name)
        self.stdout.write(f"{len(shots)} screenshots in {out}.")
        if bad:
            raise CommandError(
                f"{len(bad)} page(s) answered an error or are wider than the screen."
            )
