"""JSON checks: the output is valid JSON, and the output matches a JSON Schema.

Parsing is strict RFC 8259 JSON: the whole output must be one JSON value (surrounding whitespace
allowed), `NaN`/`Infinity` are refused, and a Markdown ```json fence is not stripped — a model
asked for JSON that wraps it in a fence fails here, which is what an application parsing it would
see. Schemas use the draft named by their `$schema` (default 2020-12); remote `$ref`s are never
fetched.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema
from jsonschema.validators import validator_for

from .base import CaseLike, Evaluator, Measurement, SpecError


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_json(text: str) -> tuple[Any, str | None]:
    """(value, None) when `text` is strict JSON, else (None, a short description of the problem)."""
    try:
        return json.loads(text, parse_constant=_refuse_constant), None
    except json.JSONDecodeError as exc:
        return None, f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    except (ValueError, RecursionError) as exc:
        return None, str(exc) if isinstance(exc, ValueError) else "nested too deeply"


@dataclass(frozen=True, kw_only=True)
class IsJson(Evaluator):
    """1 when the whole output is valid JSON, else 0."""

    kind = "is-json"

    def argument(self) -> None:
        return None

    def measure(self, output: str, case: CaseLike) -> Measurement:
        value, problem = parse_json(output)
        if problem is not None:
            return Measurement(0.0, f"output is not valid JSON: {problem}")
        return Measurement(1.0, f"output is valid JSON ({type(value).__name__})")


def _short(message: str, limit: int = 300) -> str:
    # jsonschema quotes the offending value in full, which may be megabytes.
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _where(path: str) -> str:
    return "the top level" if path == "$" else path


@dataclass(frozen=True, kw_only=True)
class JsonSchema(Evaluator):
    """1 when the output is JSON that the schema accepts, else 0 (the first problems in details)."""

    kind = "json-schema"
    offload = True
    schema: Mapping[str, Any] | bool

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.schema, (Mapping, bool)):
            raise SpecError("a JSON schema must be a JSON object, e.g. {\"type\": \"object\"}")
        try:
            cls = validator_for(self.schema)
            cls.check_schema(self.schema)
        except jsonschema.SchemaError as exc:
            raise SpecError(f"the JSON schema is invalid at {_where(exc.json_path)}: "
                            f"{exc.message}") from None
        object.__setattr__(self, "_validator", cls(self.schema))

    def argument(self) -> str:
        return json.dumps(self.schema, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    def measure(self, output: str, case: CaseLike) -> Measurement:
        value, problem = parse_json(output)
        if problem is not None:
            return Measurement(0.0, f"output is not valid JSON: {problem}")
        validator = self._validator  # type: ignore[attr-defined]
        errors = sorted(validator.iter_errors(value), key=lambda e: (e.json_path, e.message))
        if not errors:
            return Measurement(1.0, "output matches the JSON schema")
        problems = [{"at": e.json_path, "message": _short(e.message)} for e in errors[:10]]
        first = problems[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return Measurement(0.0, f"output does not match the schema at {_where(first['at'])}: "
                                f"{first['message']}{more}", {"problems": problems,
                                                          "problem_count": len(errors)})
