"""The profile's chart: one bar per competence, its length the level reached,
as a list of labelled bars laid out in HTML and CSS (no JavaScript).

Pure: takes labels and levels, returns each bar's share of the scale. A list of
bars reads on a 360 px phone as well as on a laptop: labels wrap between words
(Khmer too) instead of being cut, and the scale takes any number of levels.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    percent: int  # of the bar's full length: the level's rank over the top rank
    rank: int
    value_label: str


@dataclass(frozen=True)
class Chart:
    bars: list
    levels: list  # level names, lowest first: the scale


def level_bar_chart(rows, levels) -> Chart:
    """``rows``: (label, rank, value label); ``levels``: (rank, name), lowest first."""
    top = max((rank for rank, _name in levels), default=0) or 1
    return Chart(
        bars=[
            Bar(
                label=label,
                percent=round(100 * min(max(rank, 0), top) / top),
                rank=rank,
                value_label=value_label,
            )
            for label, rank, value_label in rows
        ],
        levels=[name for _rank, name in levels],
    )
