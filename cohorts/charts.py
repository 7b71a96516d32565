"""The stacked bar charts the dashboards and the PDF reports draw.

Pure: counts in, rectangles out, no database. The markup is a template
(cohorts/includes/stacked_bars.html): each bar is a small inline SVG, and the
labels and legend are HTML beside it, so Khmer text is shaped by the browser or
WeasyPrint's text engine (SVG text in a PDF is not) and escaped like any other
text. The same markup is in the page and in the PDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from cohorts import selectors, tables

BAR_WIDTH = 400
BAR_HEIGHT = 16
LABEL_CHARS = 48

# Colour-blind-friendly, dark enough for white text where needed.
LEVEL_COLOURS = {
    None: "#d9d9d9",
    0: "#d7301f",
    1: "#fdcc8a",
    2: "#74a9cf",
    3: "#0570b0",
}
STATUS_COLOURS = {
    "not_started": "#d9d9d9",
    "in_progress": "#fdcc8a",
    "completed": "#1a9850",
    "overdue": "#d7301f",
}


@dataclass
class Segment:
    x: float
    width: float
    colour: str
    count: int
    label: str


@dataclass
class Bar:
    label: str
    title: str
    total: int
    segments: list[Segment] = field(default_factory=list)


@dataclass
class LegendItem:
    colour: str
    label: str


@dataclass
class Chart:
    bars: list[Bar]
    legend: list[LegendItem]
    bar_width: int = BAR_WIDTH
    bar_height: int = BAR_HEIGHT


def stacked_bars(
    rows: list[tuple[str, str, dict]], keys: list, labels: dict, colours: dict
) -> Chart:
    """One horizontal bar per row, its length split by the share of each key.

    ``rows`` holds (label, title, counts by key); ``keys`` gives the order of the
    segments, ``labels`` and ``colours`` name and colour each key.
    """
    bars = []
    for label, title, counts in rows:
        if len(label) > LABEL_CHARS:
            label = label[: LABEL_CHARS - 1] + "…"
        total = sum(counts.get(key, 0) for key in keys)
        bar = Bar(label=label, title=title, total=total)
        x = 0.0
        for key in keys:
            count = counts.get(key, 0)
            if not count or not total:
                continue
            width = BAR_WIDTH * count / total
            bar.segments.append(
                Segment(
                    x=round(x, 2),
                    width=round(width, 2),
                    colour=colours[key],
                    count=count,
                    label=str(labels[key]),
                )
            )
            x += width
        bars.append(bar)
    legend = [LegendItem(colour=colours[key], label=str(labels[key])) for key in keys]
    return Chart(bars=bars, legend=legend)


# --- The charts of the cohort page, the roll-up and their PDF reports ---------------


def report_context(dashboard: selectors.CohortDashboard) -> dict:
    """What the cohort page's charts and the PDF report share."""
    return {
        "dashboard": dashboard,
        "progress": tables.progress_table(dashboard),
        "heatmap": tables.heatmap_table(dashboard),
        "status_chart": status_chart(dashboard),
        "level_chart": level_chart(dashboard),
    }


def report_context_rollup(rollup: selectors.Rollup, table: tables.Table) -> dict:
    return {"rollup": rollup, "table": table, "rollup_chart": rollup_chart(rollup)}


def status_chart(dashboard: selectors.CohortDashboard):
    return stacked_bars(
        [
            (column.title, column.title, counts)
            for column, counts in dashboard.course_totals()
        ],
        list(selectors.STATUSES),
        selectors.STATUS_LABELS,
        STATUS_COLOURS,
    )


def level_chart(dashboard: selectors.CohortDashboard):
    below = _("Below %(level)s") % {
        "level": dashboard.first_level.name if dashboard.first_level else "1"
    }
    labels = {None: _("Not assessed"), 0: below}
    keys = [None, 0]
    for level in dashboard.levels:
        labels[level.rank] = level.name
        keys.append(level.rank)
    colours = {key: LEVEL_COLOURS.get(key, "#0570b0") for key in keys}
    rows = [
        (
            f"{item.competence.code} {item.competence.name}",
            item.competence.name,
            item.counts,
        )
        for item in dashboard.distribution()
    ]
    return stacked_bars(rows, keys, labels, colours)


def rollup_chart(rollup: selectors.Rollup):
    rows = []
    for summary in rollup.summaries:
        counts = {
            selectors.COMPLETED: summary.completed,
            selectors.OVERDUE: summary.overdue,
            "open": summary.pairs - summary.completed - summary.overdue,
        }
        rows.append((summary.cohort.name, summary.cohort.name, counts))
    return stacked_bars(
        rows,
        [selectors.COMPLETED, "open", selectors.OVERDUE],
        {
            selectors.COMPLETED: _("Completed"),
            "open": _("Open, not yet due"),
            selectors.OVERDUE: _("Overdue"),
        },
        {
            selectors.COMPLETED: STATUS_COLOURS["completed"],
            "open": STATUS_COLOURS["not_started"],
            selectors.OVERDUE: STATUS_COLOURS["overdue"],
        },
    )
