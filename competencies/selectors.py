"""Read-only queries over the framework."""

from dataclasses import replace

from django.db.models import Prefetch

from competencies import framework_io
from competencies.framework_io import ExistingFramework, FrameworkRow
from competencies.models import Competence, Framework


def framework_get_default() -> Framework | None:
    """The framework marked default, else the first by code; one query."""
    return Framework.objects.order_by("-is_default", "code").first()


def framework_tree(*, framework: Framework):
    """The framework's current areas with their current competences (retired ones
    left out), in two queries."""
    return (
        framework.areas.filter(retired_at__isnull=True)
        .prefetch_related(
            Prefetch(
                "competences",
                queryset=Competence.objects.filter(retired_at__isnull=True).order_by(
                    "sort_order", "code"
                ),
            )
        )
        .order_by("sort_order", "code")
    )


def framework_rows(*, framework: Framework) -> list[FrameworkRow]:
    """The framework as rows of the import file: levels, then each area followed
    by its competences, in three queries."""
    rows = [
        FrameworkRow(
            row=0,
            type=framework_io.LEVEL,
            code=level.code,
            name_en=level.name_en,
            name_km=level.name_km,
            description_en=level.description_en,
            description_km=level.description_km,
            source=level.source,
        )
        for level in framework.levels.order_by("rank")
    ]
    for area in framework_tree(framework=framework):
        rows.append(_row(framework_io.AREA, area))
        rows.extend(
            _row(framework_io.COMPETENCE, competence, parent=area.code)
            for competence in area.competences.all()
        )
    # Number the rows as the exported file will show them (header is row 1).
    return [replace(row, row=number) for number, row in enumerate(rows, start=2)]


def _row(kind: str, item, parent: str = "") -> FrameworkRow:
    return FrameworkRow(
        row=0,
        type=kind,
        code=item.code,
        parent=parent,
        name_en=item.name_en,
        name_km=item.name_km,
        description_en=item.description_en,
        description_km=item.description_km,
        source=item.source,
    )


def framework_snapshot(*, framework: Framework | None) -> ExistingFramework:
    """The saved levels, areas and competences of a framework, as plain values."""
    if framework is None or framework.pk is None:
        return ExistingFramework()
    competence_fields = [
        name for name in framework_io.COMPETENCE_FIELDS if name != "area"
    ]
    competences = {}
    queryset = Competence.objects.filter(framework=framework).order_by(
        "area__sort_order", "area__code", "sort_order", "code"
    )
    for values in queryset.values("code", "area__code", *competence_fields):
        competences[values["code"]] = {
            "area": values["area__code"],
            **{name: values[name] for name in competence_fields},
        }
    retired = {
        (framework_io.AREA, code)
        for code in framework.areas.filter(retired_at__isnull=False).values_list(
            "code", flat=True
        )
    } | {
        (framework_io.COMPETENCE, code)
        for code in Competence.objects.filter(
            framework=framework, retired_at__isnull=False
        ).values_list("code", flat=True)
    }
    return ExistingFramework(
        retired=retired,
        levels=_by_code(
            framework.levels.order_by("rank").values("code", *framework_io.LEVEL_FIELDS)
        ),
        areas=_by_code(
            framework.areas.order_by("sort_order", "code").values(
                "code", *framework_io.AREA_FIELDS
            )
        ),
        competences=competences,
    )


def _by_code(rows) -> dict[str, dict]:
    return {
        values["code"]: {key: value for key, value in values.items() if key != "code"}
        for values in rows
    }
