"""Drawing a contestant's form from a contest's blueprint. Pure: no ORM, no request.

A blueprint is a list of rows; a row asks for ``count`` questions from its pool
(the active questions of one bank that measure one competence at one level). A
form is equivalent to every other form of the contest when it holds, for every
row, exactly ``count`` questions of that row's pool, and no question twice.

A question tagged with two competences can sit in the pools of two rows, so
filling the rows one after the other could run dry although a complete form
exists. The draw is therefore a bipartite matching between the form's slots (each
row repeated ``count`` times) and questions, found with augmenting paths over
candidates in random order: when pools do not overlap this is a plain random
sample per row, and when they do, a complete form is found whenever one exists.
"""

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """A blueprint row as the draw sees it."""

    id: int
    count: int
    pool: tuple[int, ...]  # ids of the questions it may draw


@dataclass(frozen=True)
class Shortfall:
    row_id: int
    needed: int
    available: int


class BlueprintError(ValueError):
    """The blueprint cannot be filled from the banks."""

    def __init__(self, shortfalls: list[Shortfall]):
        super().__init__(
            ", ".join(
                f"row {s.row_id}: {s.available} of {s.needed}" for s in shortfalls
            )
        )
        self.shortfalls = shortfalls


def _match(rows: Sequence[Row], rng: random.Random) -> tuple[list[Row], dict]:
    """A maximum matching of slots to questions: ({question id: slot index})."""
    slots = [row for row in rows for _ in range(row.count)]
    candidates = [rng.sample(row.pool, len(row.pool)) for row in slots]
    owner: dict[int, int] = {}

    def augment(slot: int, seen: set) -> bool:
        for question in candidates[slot]:
            if question in seen:
                continue
            seen.add(question)
            if question not in owner or augment(owner[question], seen):
                owner[question] = slot
                return True
        return False

    order = list(range(len(slots)))
    rng.shuffle(order)
    for slot in order:
        augment(slot, set())
    return slots, owner


def shortfalls(rows: Sequence[Row]) -> list[Shortfall]:
    """The rows that cannot be filled, with how many questions they could get."""
    slots, owner = _match(rows, random.Random(0))
    filled = Counter(slots[slot].id for slot in owner.values())
    return [
        Shortfall(row_id=row.id, needed=row.count, available=filled[row.id])
        for row in rows
        if filled[row.id] < row.count
    ]


def form_draw(rows: Sequence[Row], rng: random.Random) -> list[tuple[int, int]]:
    """A form: (question id, row id) for every slot of the blueprint, shuffled."""
    slots, owner = _match(rows, rng)
    if len(owner) < len(slots):
        raise BlueprintError(shortfalls(rows))
    form = [(question, slots[slot].id) for question, slot in owner.items()]
    # Sorted first so that the order depends on the random generator only.
    form.sort()
    rng.shuffle(form)
    return form
