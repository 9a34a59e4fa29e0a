"""Writing evaluator specs: the canonical text for an evaluator and its parts.

The inverse of `spec.parse_spec` (which has the grammar). A leaf module: evaluators call it to
spell their arguments, and `spec.py` imports it together with the evaluators, so neither side
needs an import inside a function.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import ClassVar, Protocol


class Spelled(Protocol):
    """What format_spec reads from an evaluator (`base.Evaluator` has all of it)."""

    negate: bool
    weight: float
    threshold: float
    argument_is_spelled: ClassVar[bool]

    @property
    def spec_kind(self) -> str: ...

    def options(self) -> dict[str, str]: ...

    def argument(self) -> str | None: ...


def format_spec(evaluator: Spelled) -> str:
    """The canonical spec for `evaluator` (the inverse of parse_spec)."""
    fields: list[str] = []
    if evaluator.negate:
        fields.append("not")
    if evaluator.weight != 1:
        fields.append(f"weight={format_number(evaluator.weight)}")
    fields += [f"{name}={value}" for name, value in sorted(evaluator.options().items())]
    head = evaluator.spec_kind
    threshold_field = type(evaluator).__dataclass_fields__["threshold"]  # type: ignore[attr-defined]
    default = threshold_field.default
    if evaluator.threshold != default:
        head += f">={format_number(evaluator.threshold)}"
    fields.append(head)
    argument = evaluator.argument()
    if argument is not None:
        fields.append(argument if evaluator.argument_is_spelled else escape_at(argument))
    return ":".join(fields)


def format_number(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else repr(float(number))


def format_list(values: Sequence[str]) -> str:
    """Comma form when it reads back the same, else a JSON array."""
    plain = all("," not in v and v == v.strip() and v for v in values)
    if plain and not values[0].startswith(("[", "@")):
        return ",".join(values)
    return json.dumps(list(values), ensure_ascii=False)


def format_judge_argument(model: str, rubric: str) -> str:
    shown = f"<{model}>" if ":" in model else model
    return f"{shown}:{escape_at(rubric)}"


def escape_at(text: str) -> str:
    """A value that starts with `@` would be read as a file name: write `@@`."""
    return "@" + text if text.startswith("@") else text
