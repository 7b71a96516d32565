"""Question kinds: one class per kind, the only place that knows what a kind means.

A kind says how its answer is read from a form (``parse``), scored (``fraction``),
checked before an editor may save the question (``problems``), laid out for an
attempt (``arrange``), answered by the demo learners (``demo_answer``), and which
templates show its answer fields and its result. Adding a kind is one class here
and its two templates under ``assessments/templates/assessments/kinds/``.

Scoring stays pure: nothing here touches the database. ``spec`` is a
``scoring.QuestionSpec``; ``question`` and ``choices`` are a ``Question`` and its
choices, saved or not (the admin checks a question before it is saved).
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _


class AnswerRefused(ValueError):
    """An answer that cannot be stored, with the message the learner sees."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _ids(answer) -> list:
    if not isinstance(answer, dict):
        return []
    choices = answer.get("choices") or []
    return list(choices) if isinstance(choices, list | tuple) else []


class QuestionKind:
    code = ""
    name = ""  # the member name in Question.Kind
    label = ""
    uses_choices = False
    answer_template = ""
    result_template = ""

    def parse(self, *, layout_choices: list[int], data, prefix: str) -> dict | None:
        """The answer stored for form ``data``; None when this request did not
        answer the question."""
        raise NotImplementedError

    def fraction(self, spec, answer) -> Decimal:
        """The share of the points the answer earns, in [0, 1] (unrounded)."""
        raise NotImplementedError

    def problems(self, question, choices) -> list[tuple[str | None, str]]:
        """Why the question cannot be answered correctly, as (field, message);
        ``field`` None for the whole question or its choices."""
        if not self.uses_choices and choices:
            return [(None, _("This kind of question has no choices: remove them."))]
        return []

    def arrange(self, ids: list[int], *, shuffle: bool, rng) -> list[int]:
        """The order the choices are shown in, fixed for the attempt."""
        ids = list(ids)
        if shuffle:
            rng.shuffle(ids)
        return ids

    def demo_answer(self, *, question, choices, right: bool, rng) -> dict:
        """Form data answering the question right or wrong (demo learners)."""
        raise NotImplementedError


class _ChoiceKind(QuestionKind):
    uses_choices = True
    many = False
    result_template = "assessments/kinds/choices_result.html"
    min_choices = 2

    def parse(self, *, layout_choices, data, prefix):
        raw = data.getlist(prefix) if hasattr(data, "getlist") else data.get(prefix, [])
        if isinstance(raw, str):
            raw = [raw]
        ids = []
        for value in raw:
            if value in ("", None):
                continue
            try:
                choice_id = int(value)
            except (TypeError, ValueError):
                raise AnswerRefused(
                    _("That choice is not part of this question.")
                ) from None
            if choice_id not in layout_choices:
                raise AnswerRefused(_("That choice is not part of this question."))
            ids.append(choice_id)
        if not self.many and len(ids) > 1:
            raise AnswerRefused(_("Choose only one answer."))
        return {"choices": sorted(set(ids))}

    def fraction(self, spec, answer):
        chosen = set(_ids(answer))
        return (
            Decimal(1)
            if len(chosen) == 1 and chosen <= spec.correct_choices
            else Decimal(0)
        )

    def choice_count_problem(self, count):
        if count < self.min_choices:
            return _("Give at least two choices.")
        return None

    def problems(self, question, choices):
        found = []
        count_problem = self.choice_count_problem(len(choices))
        if count_problem:
            found.append((None, count_problem))
        correct = sum(1 for choice in choices if choice.is_correct)
        if correct != 1:
            found.append((None, _("Mark exactly one choice as correct.")))
        return found

    def demo_answer(self, *, question, choices, right, rng):
        correct = [c.pk for c in choices if c.is_correct]
        wrong = [c.pk for c in choices if not c.is_correct]
        pick = correct[:1] if right or not wrong else [rng.choice(wrong)]
        return {f"q-{question.pk}": [str(pk) for pk in pick]}


class SingleChoice(_ChoiceKind):
    code, name, label = "single", "SINGLE", _("Single choice")
    answer_template = "assessments/kinds/single_answer.html"


class TrueFalse(_ChoiceKind):
    code, name, label = "true_false", "TRUE_FALSE", _("True or false")
    answer_template = "assessments/kinds/single_answer.html"

    def choice_count_problem(self, count):
        if count != 2:
            return _("A true-or-false question has exactly two choices.")
        return None

    def arrange(self, ids, *, shuffle, rng):
        return list(ids)  # "True" stays before "False".


class MultipleChoice(_ChoiceKind):
    code, name, label = "multiple", "MULTIPLE", _("Multiple choice (partial credit)")
    answer_template = "assessments/kinds/multiple_answer.html"
    many = True

    def fraction(self, spec, answer):
        """(right picked - wrong picked) / right choices, never below 0."""
        if not spec.correct_choices:
            return Decimal(0)
        chosen = set(_ids(answer))
        right = len(chosen & spec.correct_choices)
        wrong = len(chosen - spec.correct_choices)
        return max(Decimal(0), Decimal(right - wrong) / len(spec.correct_choices))

    def problems(self, question, choices):
        found = []
        count_problem = self.choice_count_problem(len(choices))
        if count_problem:
            found.append((None, count_problem))
        if not any(choice.is_correct for choice in choices):
            found.append((None, _("Mark at least one choice as correct.")))
        return found

    def demo_answer(self, *, question, choices, right, rng):
        correct = [c.pk for c in choices if c.is_correct]
        wrong = [c.pk for c in choices if not c.is_correct]
        pick = correct if right else (wrong[:1] or correct)
        return {f"q-{question.pk}": [str(pk) for pk in pick]}


class ShortText(QuestionKind):
    code, name, label = "short_text", "SHORT_TEXT", _("Short text answer")
    answer_template = "assessments/kinds/short_text_answer.html"
    result_template = "assessments/kinds/short_text_result.html"

    def parse(self, *, layout_choices, data, prefix):
        return {"text": str(data.get(prefix, ""))[:500]}

    def fraction(self, spec, answer):
        from assessments.scoring import normalise_text

        text = answer.get("text", "") if isinstance(answer, dict) else ""
        given = normalise_text(text)
        accepted = {normalise_text(a) for a in spec.accepted_answers}
        return Decimal(1) if given and given in accepted else Decimal(0)

    def problems(self, question, choices):
        found = super().problems(question, choices)
        if not question.accepted_answer_list():
            found.append(("accepted_answers", _("Give at least one accepted answer.")))
        return found

    def demo_answer(self, *, question, choices, right, rng):
        accepted = question.accepted_answer_list()
        return {f"q-{question.pk}": [accepted[0] if right and accepted else "?"]}


class Numeric(QuestionKind):
    code, name, label = "numeric", "NUMERIC", _("Numeric")
    answer_template = "assessments/kinds/numeric_answer.html"
    result_template = "assessments/kinds/numeric_result.html"

    def parse(self, *, layout_choices, data, prefix):
        return {"value": str(data.get(prefix, ""))[:50]}

    def fraction(self, spec, answer):
        from assessments.scoring import parse_number

        value = parse_number(
            answer.get("value", "") if isinstance(answer, dict) else ""
        )
        if value is None or spec.numeric_answer is None:
            return Decimal(0)
        within = abs(value - spec.numeric_answer) <= abs(spec.tolerance)
        return Decimal(1) if within else Decimal(0)

    def problems(self, question, choices):
        found = super().problems(question, choices)
        if question.numeric_answer is None:
            found.append(("numeric_answer", _("Give the numeric answer.")))
        if question.tolerance is not None and question.tolerance < 0:
            found.append(("tolerance", _("The tolerance cannot be negative.")))
        return found

    def demo_answer(self, *, question, choices, right, rng):
        value = question.numeric_answer
        if value is None:
            return {f"q-{question.pk}": ["-1"]}
        return {f"q-{question.pk}": [str(value if right else value + 1000)]}


class Ordering(QuestionKind):
    """The choices in their stored order are the answer; the learner numbers them."""

    code, name, label = "ordering", "ORDERING", _("Ordering")
    uses_choices = True
    answer_template = "assessments/kinds/ordering_answer.html"
    result_template = "assessments/kinds/ordering_result.html"

    def parse(self, *, layout_choices, data, prefix):
        if not any(f"{prefix}-pos-{choice_id}" in data for choice_id in layout_choices):
            return None  # not answered in this request
        positions = {}
        for choice_id in layout_choices:
            value = data.get(f"{prefix}-pos-{choice_id}", "")
            try:
                positions[choice_id] = int(value)
            except (TypeError, ValueError):
                positions[choice_id] = len(layout_choices) + 1
        order = sorted(
            layout_choices, key=lambda c: (positions[c], layout_choices.index(c))
        )
        return {"order": order}

    def fraction(self, spec, answer):
        """The share of items in their right position."""
        given = answer.get("order", []) if isinstance(answer, dict) else []
        if not spec.choice_order or not isinstance(given, list | tuple):
            return Decimal(0)
        right = sum(
            1
            for position, item in enumerate(spec.choice_order)
            if position < len(given) and given[position] == item
        )
        return Decimal(right) / len(spec.choice_order)

    def problems(self, question, choices):
        if len(choices) < 2:
            return [(None, _("Give at least two items to put in order."))]
        return []

    def arrange(self, ids, *, shuffle, rng):
        # Always shuffled, whatever the quiz says: the stored order is the answer.
        ids = list(ids)
        if len(ids) < 2:
            return ids
        shuffled = ids[:]
        while shuffled == ids:
            rng.shuffle(shuffled)
        return shuffled

    def demo_answer(self, *, question, choices, right, rng):
        order = [c.pk for c in choices]
        if not right:
            order.reverse()
        return {
            f"q-{question.pk}-pos-{choice_id}": [str(position)]
            for position, choice_id in enumerate(order, start=1)
        }


ALL: tuple[QuestionKind, ...] = (
    SingleChoice(),
    MultipleChoice(),
    TrueFalse(),
    ShortText(),
    Numeric(),
    Ordering(),
)
KINDS = {kind.code: kind for kind in ALL}


def get(code: str) -> QuestionKind | None:
    return KINDS.get(code)


def choices() -> list[tuple[str, tuple[str, str]]]:
    """Members for ``Question.Kind`` (a TextChoices built from this registry)."""
    return [(kind.name, (kind.code, kind.label)) for kind in ALL]
