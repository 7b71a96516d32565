"""Ranking contestants. Pure: no ORM, no request.

Order, as the rules announce it:

1. score, highest first. Forms are equivalent in counts but questions may carry
   different points, so the score compared is the share of the form's maximum,
   exactly (as a fraction, not a rounded percent);
2. then time used, shortest first: from the start of the sitting to its
   submission, in whole seconds (a contestant closed at the deadline used all
   their time);
3. then submission time, earliest first, to the whole second.

Times are compared to the second: differences below a second come from the
network and the server, not from the contestant. Contestants equal on all three
share a rank, and the next rank skips as many places ("1, 2, 2, 4"), so a rank
always says how many did better.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any


@dataclass(frozen=True)
class Entry:
    key: Any  # what the caller identifies the contestant by
    score: Decimal
    max_score: Decimal
    time_used_seconds: int
    submitted_at: datetime


@dataclass(frozen=True)
class Placed:
    entry: Entry
    rank: int
    tied: bool  # another contestant has the same rank


def share(entry: Entry) -> Fraction:
    if not entry.max_score:
        return Fraction(0)
    return Fraction(entry.score) / Fraction(entry.max_score)


def sort_key(entry: Entry) -> tuple:
    return (
        -share(entry),
        int(entry.time_used_seconds),
        entry.submitted_at.replace(microsecond=0),
    )


def rank(entries: Iterable[Entry]) -> list[Placed]:
    """The entries in rank order, each with its rank and whether it is shared."""
    ordered = sorted(entries, key=sort_key)
    keys = [sort_key(entry) for entry in ordered]
    placed = []
    current_rank = 0
    for index, entry in enumerate(ordered):
        if index == 0 or keys[index] != keys[index - 1]:
            current_rank = index + 1
        tied = (index > 0 and keys[index] == keys[index - 1]) or (
            index + 1 < len(keys) and keys[index] == keys[index + 1]
        )
        placed.append(Placed(entry=entry, rank=current_rank, tied=tied))
    return placed


def rank_within(placed: Sequence[Placed], keys: set) -> list[Placed]:
    """Ranks among a subset (an institution's contestants), by the same rules."""
    return rank(p.entry for p in placed if p.entry.key in keys)
