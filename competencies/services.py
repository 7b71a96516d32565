"""Writes to the competency framework: import, export, the shipped default."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.core.validators import validate_slug
from django.db import transaction
from django.forms import ValidationError
from django.utils import timezone

from competencies import framework_io
from competencies.framework_io import (
    WHOLE_ROW,
    Changes,
    FrameworkRow,
    ImportPlan,
    RowError,
)
from competencies.models import Area, Competence, Framework, ProficiencyLevel
from competencies.selectors import framework_rows, framework_snapshot

MAX_IMPORT_BYTES = 5 * 1024 * 1024
DEFAULT_FRAMEWORK_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_FRAMEWORK_CSV = DEFAULT_FRAMEWORK_DIR / "default_framework.csv"
DEFAULT_FRAMEWORK_JSON = DEFAULT_FRAMEWORK_DIR / "default_framework.json"
# The metadata keys of default_framework.json that are Framework fields.
DEFAULT_FRAMEWORK_FIELDS = (
    "name_en",
    "name_km",
    "abbreviation_en",
    "abbreviation_km",
    "description_en",
    "description_km",
    "source",
    "is_provisional",
)


@dataclass
class ImportResult:
    """What an import did, or would do for a dry run.

    When ``errors`` is not empty nothing was written and the change lists are
    empty. ``framework`` is None when a dry run would create the framework.
    """

    framework: Framework | None
    framework_code: str
    framework_created: bool
    dry_run: bool
    errors: list[RowError] = field(default_factory=list)
    rows: list[FrameworkRow] = field(default_factory=list)
    plan: ImportPlan = field(default_factory=ImportPlan)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def applied(self) -> bool:
        return self.ok and not self.dry_run

    @property
    def levels(self) -> Changes:
        return self.plan.levels

    @property
    def areas(self) -> Changes:
        return self.plan.areas

    @property
    def competences(self) -> Changes:
        return self.plan.competences

    @property
    def changed(self) -> bool:
        return self.framework_created or any(
            changes.created or changes.updated or changes.retire
            for changes in (self.levels, self.areas, self.competences)
        )

    def row_statuses(self) -> list[tuple[FrameworkRow, str]]:
        """Each row of the file with "created", "updated" or "unchanged"."""
        return [
            (row, self.plan.changes_for(row.type).status(row.code)) for row in self.rows
        ]

    def summary(self) -> dict[str, dict[str, int]]:
        return {
            kind: {
                "created": len(changes.created),
                "updated": len(changes.updated),
                "unchanged": len(changes.unchanged),
                "absent": len(changes.absent),
                "retire": len(changes.retire),
                "retired": len(changes.retired),
            }
            for kind, changes in (
                ("levels", self.levels),
                ("areas", self.areas),
                ("competences", self.competences),
            )
        }


def _read_bytes(file: bytes | BinaryIO) -> bytes:
    if isinstance(file, bytes | bytearray | memoryview):
        return bytes(file)
    if hasattr(file, "seek"):
        file.seek(0)
    return file.read(MAX_IMPORT_BYTES + 1)


def _framework_errors(
    *, framework_code: str, name_en: str, name_km: str, creating: bool
) -> list[RowError]:
    errors = []
    if not framework_code:
        errors.append(RowError(None, "framework", "no_framework"))
        return errors
    try:
        validate_slug(framework_code)
    except ValidationError:
        errors.append(
            RowError(None, "framework", "bad_framework_code", {"code": framework_code})
        )
    if len(framework_code) > Framework._meta.get_field("code").max_length:
        errors.append(RowError(None, "framework", "framework_code_too_long"))
    if creating:
        if not name_en:
            errors.append(RowError(None, "name_en", "new_framework_name_en"))
        if not name_km:
            errors.append(RowError(None, "name_km", "new_framework_name_km"))
    return errors


@transaction.atomic
def framework_import(
    *,
    framework: Framework | None = None,
    framework_code: str = "",
    name_en: str = "",
    name_km: str = "",
    file: bytes | BinaryIO,
    filename: str,
    dry_run: bool = False,
) -> ImportResult:
    """Upsert a framework's levels, areas and competences from a CSV or XLSX file.

    The target is ``framework``, else the framework with ``framework_code``, else a
    new framework with that code and the given names. Rows are matched by code;
    nothing is ever deleted (scores point at competences). Clusters and
    competences the framework holds but the file lacks are retired (hidden from
    new tagging and new profiles, kept for what points at them); levels it lacks
    are kept. A retired one that the file lists again comes back. If the file or the
    target has any error, nothing is written. A dry run writes nothing either.
    """
    name_en, name_km = name_en.strip(), name_km.strip()
    if framework is not None:
        framework = Framework.objects.select_for_update().get(pk=framework.pk)
        framework_code = framework.code
        meta_errors = []
    else:
        framework_code = framework_code.strip()
        framework = (
            Framework.objects.select_for_update().filter(code=framework_code).first()
            if framework_code
            else None
        )
        meta_errors = _framework_errors(
            framework_code=framework_code,
            name_en=name_en,
            name_km=name_km,
            creating=framework is None,
        )
    creating = framework is None
    result = ImportResult(
        framework=framework,
        framework_code=framework_code,
        framework_created=creating,
        dry_run=dry_run,
    )

    data = _read_bytes(file)
    if len(data) > MAX_IMPORT_BYTES:
        result.errors = [
            *meta_errors,
            RowError(
                None,
                WHOLE_ROW,
                "file_too_large",
                {"size": MAX_IMPORT_BYTES // (1024 * 1024)},
            ),
        ]
        return result

    existing = framework_snapshot(framework=framework)
    parsed = framework_io.parse_and_validate(
        data, filename=filename, existing_area_codes=existing.areas.keys()
    )
    result.rows = parsed.rows
    result.errors = [*meta_errors, *parsed.errors]
    if result.errors:
        return result

    result.plan = framework_io.plan_import(parsed.rows, existing)
    if dry_run:
        return result

    if creating:
        framework = Framework.objects.create(
            code=framework_code, name_en=name_en, name_km=name_km
        )
        result.framework = framework
    _apply_plan(framework=framework, plan=result.plan)
    return result


def _set(obj, values: dict, names) -> None:
    for name in names:
        setattr(obj, name, values[name])


def _apply_plan(*, framework: Framework, plan: ImportPlan) -> None:
    levels = {level.code: level for level in framework.levels.all()}
    # Ranks are unique per framework: move the levels whose rank changes out of
    # the way first, so that no intermediate state holds two levels at one rank.
    moving = [
        level for code, level in levels.items() if level.rank != plan.level_ranks[code]
    ]
    if moving:
        top = max(
            [*(level.rank for level in levels.values()), *plan.level_ranks.values()]
        )
        for offset, level in enumerate(moving, start=1):
            level.rank = top + offset
        ProficiencyLevel.objects.bulk_update(moving, ["rank"])
    for code in [*plan.levels.created, *plan.levels.updated]:
        level = levels.get(code) or ProficiencyLevel(framework=framework, code=code)
        _set(level, plan.level_values[code], framework_io.LEVEL_FIELDS)
        level.save()
    for code in plan.levels.absent:
        level = levels[code]
        if level.rank != plan.level_ranks[code]:
            level.rank = plan.level_ranks[code]
            level.save(update_fields=["rank"])

    now = timezone.now()
    areas = {area.code: area for area in framework.areas.all()}
    for code in [*plan.areas.created, *plan.areas.updated]:
        area = areas.get(code) or Area(framework=framework, code=code)
        _set(area, plan.area_values[code], framework_io.AREA_FIELDS)
        area.retired_at = None
        area.save()
        areas[code] = area

    competences = {
        competence.code: competence
        for competence in Competence.objects.filter(framework=framework)
    }
    text_fields = [name for name in framework_io.COMPETENCE_FIELDS if name != "area"]
    for code in [*plan.competences.created, *plan.competences.updated]:
        values = plan.competence_values[code]
        competence = competences.get(code) or Competence(code=code)
        competence.area = areas[values["area"]]
        _set(competence, values, text_fields)
        competence.retired_at = None
        competence.save()
    # Retired, not deleted: attempts, profiles and certificates point at them.
    Competence.objects.filter(
        framework=framework, code__in=plan.competences.retire
    ).update(retired_at=now)
    framework.areas.filter(code__in=plan.areas.retire).update(retired_at=now)


def framework_export(*, framework: Framework, fmt: str) -> bytes:
    """The framework as a file in the import format: "csv" or "xlsx"."""
    return framework_io.write_table(framework_rows(framework=framework), fmt=fmt)


def default_framework_metadata() -> dict:
    with DEFAULT_FRAMEWORK_JSON.open(encoding="utf-8") as handle:
        return json.load(handle)


@transaction.atomic
def framework_load_default(*, refresh: bool = False) -> Framework:
    """Load the shipped DMIL framework and make it the default; safe to repeat.

    A framework already loaded is left as it is (an official list imported into it,
    or editors' changes, survive a re-seed) unless ``refresh`` is set, which
    upserts the shipped metadata and rows again. Either way it becomes the only
    default framework.
    """
    metadata = default_framework_metadata()
    code = metadata["code"]
    framework = Framework.objects.select_for_update().filter(code=code).first()
    if framework is None or refresh:
        framework, _created = Framework.objects.update_or_create(
            code=code,
            defaults={name: metadata[name] for name in DEFAULT_FRAMEWORK_FIELDS},
        )
        result = framework_import(
            framework=framework,
            file=DEFAULT_FRAMEWORK_CSV.read_bytes(),
            filename=DEFAULT_FRAMEWORK_CSV.name,
        )
        if result.errors:
            problems = "; ".join(str(error) for error in result.errors)
            raise ValueError(f"The shipped default framework is invalid: {problems}")
    Framework.objects.filter(is_default=True).exclude(pk=framework.pk).update(
        is_default=False
    )
    if not framework.is_default:
        framework.is_default = True
        framework.save(update_fields=["is_default"])
    return framework
