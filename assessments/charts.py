"""Geometry of the profile's bar chart, drawn as SVG by a template.

Pure: takes labels and levels, returns coordinates, so the chart looks the same in
a page and in a PDF report, with no JavaScript.
"""

from dataclasses import dataclass

WIDTH = 640
LABEL_WIDTH = 250
BAR_WIDTH = 300
ROW_HEIGHT = 30
HEADER_HEIGHT = 28


@dataclass(frozen=True)
class Bar:
    y: int
    text_y: int
    label: str
    width: int
    rank: int
    value_label: str


@dataclass(frozen=True)
class Tick:
    x: int
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bar_x: int
    bar_width: int
    value_x: int
    bars: list
    ticks: list


def _short(text, limit=34):
    return text if len(text) <= limit else text[: limit - 1] + "…"


def level_bar_chart(rows, levels) -> Chart:
    """``rows``: (label, rank, value label); ``levels``: (rank, name), lowest first."""
    max_rank = max((rank for rank, _name in levels), default=3) or 3
    ticks = [
        Tick(x=LABEL_WIDTH + round(BAR_WIDTH * rank / max_rank), label=name)
        for rank, name in levels
    ]
    bars = [
        Bar(
            y=HEADER_HEIGHT + index * ROW_HEIGHT + 8,
            text_y=HEADER_HEIGHT + index * ROW_HEIGHT + 19,
            label=_short(label),
            width=round(BAR_WIDTH * max(rank, 0) / max_rank),
            rank=rank,
            value_label=value_label,
        )
        for index, (label, rank, value_label) in enumerate(rows)
    ]
    return Chart(
        width=WIDTH,
        height=HEADER_HEIGHT + ROW_HEIGHT * len(bars) + 6,
        bar_x=LABEL_WIDTH,
        bar_width=BAR_WIDTH,
        value_x=LABEL_WIDTH + BAR_WIDTH + 8,
        bars=bars,
        ticks=ticks,
    )
