"""The content of a prompt version and its canonical serialisation.

A version's id is the sha256 of `canonical_bytes(content)`. The serialisation is JSON with sorted
keys, no insignificant whitespace, UTF-8 without escaping, and parameters coerced to fixed types,
so that the same content always gives the same bytes. Text is never trimmed or normalised.

This module is part of the release format and ships in `promptpress_reader`: stdlib only, and
relative imports only.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any

from .strictjson import refuse_duplicate_keys

FORMAT = "promptpress.version/1"
ROLES = ("system", "user", "assistant")
TEMPLATE_FORMATS = ("jinja2",)

# Parameters with a fixed type, so that `temperature: 1` and `temperature: 1.0` are one version.
FLOAT_PARAMETERS = frozenset({"temperature", "top_p", "presence_penalty", "frequency_penalty"})
INT_PARAMETERS = frozenset({"max_tokens", "seed", "n", "top_k"})
LIST_OF_STR_PARAMETERS = frozenset({"stop"})


class ContentError(ValueError):
    """Content that cannot be a prompt version, with a message a person can act on."""


@dataclass(frozen=True, slots=True)
class Message:
    role: str
    content: str


@dataclass(frozen=True, slots=True)
class Variable:
    name: str
    description: str = ""
    default: str | None = None


@dataclass(frozen=True, slots=True)
class PromptContent:
    """Everything that defines a version. Immutable; compare and hash by value."""

    messages: tuple[Message, ...]
    model: str = ""
    parameters: dict[str, Any] = field(default_factory=dict, hash=False)
    variables: tuple[Variable, ...] = ()
    template_format: str = "jinja2"
    response_format: dict[str, Any] | None = field(default=None, hash=False)
    tools: list[Any] | None = field(default=None, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "messages", tuple(self.messages))
        object.__setattr__(self, "variables", tuple(self.variables))
        object.__setattr__(self, "parameters", normalise_parameters(self.parameters))
        validate(self)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "messages": [{"role": m.role, "content": m.content} for m in self.messages],
            "model": self.model,
            "parameters": self.parameters,
            "response_format": self.response_format,
            "template_format": self.template_format,
            "tools": self.tools,
            "variables": [
                {"name": v.name, "description": v.description, "default": v.default}
                for v in self.variables
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PromptContent":
        if not isinstance(data, dict):
            raise ContentError("version content must be a JSON object")
        fmt = data.get("format", FORMAT)
        if fmt != FORMAT:
            raise ContentError(f"unsupported version format {fmt!r} (this program reads {FORMAT})")
        try:
            messages = tuple(Message(str_(m["role"]), str_(m["content"])) for m in data["messages"])
            variables = tuple(
                Variable(
                    str_(v["name"]),
                    str_(v.get("description") or ""),
                    None if v.get("default") is None else str_(v["default"]),
                )
                for v in data.get("variables") or ()
            )
        except (KeyError, TypeError) as exc:
            raise ContentError(f"version content is missing a field: {exc}") from None
        return cls(
            messages=messages,
            model=str_(data.get("model") or ""),
            parameters=dict(data.get("parameters") or {}),
            variables=variables,
            template_format=str_(data.get("template_format") or "jinja2"),
            response_format=data.get("response_format"),
            tools=data.get("tools"),
        )

    @property
    def variable_names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.variables)


def str_(value: Any) -> str:
    if not isinstance(value, str):
        raise ContentError(f"expected text, found {type(value).__name__}: {value!r}")
    return value


def normalise_parameters(parameters: dict[str, Any] | None) -> dict[str, Any]:
    """Coerce the well-known model parameters to one type each; drop unset (None) ones."""
    out: dict[str, Any] = {}
    for key, value in (parameters or {}).items():
        if not isinstance(key, str):
            raise ContentError(f"parameter names must be text, found {key!r}")
        if value is None:
            continue
        try:
            if key in FLOAT_PARAMETERS:
                if isinstance(value, bool):
                    raise ValueError
                value = float(value)
            elif key in INT_PARAMETERS:
                if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                    raise ValueError
                value = int(value)
            elif key in LIST_OF_STR_PARAMETERS:
                value = [value] if isinstance(value, str) else [str_(s) for s in value]
        except (TypeError, ValueError, ContentError):
            raise ContentError(f"parameter {key!r} has an invalid value {value!r}") from None
        _check_json_value(value, f"parameter {key!r}")
        out[key] = value
    return out


def _check_json_value(value: Any, where: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ContentError(f"{where} must be a finite number, found {value!r}")
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise ContentError(f"{where}: keys must be text")
            _check_json_value(v, where)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _check_json_value(v, where)
    elif value is not None and not isinstance(value, (str, int, float, bool)):
        raise ContentError(f"{where} cannot be stored: {type(value).__name__}")


def validate(content: PromptContent) -> None:
    if not content.messages:
        raise ContentError("a prompt needs at least one message")
    for i, m in enumerate(content.messages, 1):
        if m.role not in ROLES:
            raise ContentError(
                f"message {i} has role {m.role!r}; a role is one of {', '.join(ROLES)}"
            )
        _check_text(m.content, f"the {m.role} message (message {i})")
    if content.template_format not in TEMPLATE_FORMATS:
        raise ContentError(f"unknown template format {content.template_format!r}")
    seen: set[str] = set()
    for v in content.variables:
        if not v.name.isidentifier():
            raise ContentError(f"variable name {v.name!r} is not a valid name")
        if v.name in seen:
            raise ContentError(f"variable {v.name!r} is declared twice")
        seen.add(v.name)
        _check_text(v.description, f"the description of variable {v.name!r}")
        if v.default is not None:
            _check_text(v.default, f"the default of variable {v.name!r}")
    _check_text(content.model, "the model name")
    if content.response_format is not None and not isinstance(content.response_format, dict):
        raise ContentError("the response format must be an object such as {type: json_object}")
    _check_json_value(content.response_format, "the response format")
    if content.tools is not None and not isinstance(content.tools, list):
        raise ContentError("tools must be a list")
    _check_json_value(content.tools, "tools")


def _check_text(text: str, where: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ContentError(f"{where} contains characters that are not valid Unicode") from None


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                            allow_nan=False)
_PLAIN = json.JSONDecoder()


def canonical_bytes(content: PromptContent) -> bytes:
    return _ENCODER.encode(content.to_dict()).encode("utf-8")


def version_id(content: PromptContent) -> str:
    """The sha256 (hex) of the canonical serialisation: the same content gives the same id."""
    return hashlib.sha256(canonical_bytes(content)).hexdigest()


def from_canonical(data: bytes | str) -> PromptContent:
    """Parse stored canonical bytes back into content (duplicate keys refused)."""
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    return PromptContent.from_dict(json.loads(data, object_pairs_hook=_no_duplicates))


def load_canonical(data: bytes) -> PromptContent:
    """The content whose canonical serialisation is exactly `data`; refuses anything else.

    Raises ContentError (or ValueError, TypeError, RecursionError) as `from_canonical` does,
    including "duplicate key", and ContentError("not in canonical form") for valid content
    written differently."""
    try:  # fast path: Python's own dicts, then the byte-for-byte round trip
        content = PromptContent.from_dict(_PLAIN.decode(data.decode("utf-8")))
        if canonical_bytes(content) == data:
            # Equal bytes are also proof of unique keys: `data` is json.dumps of Python dicts.
            return content
    except (ContentError, ValueError, TypeError, RecursionError):
        pass
    # Refused (or a duplicate key kept last): the strict parse, for its exact error.
    content = from_canonical(data)
    if canonical_bytes(content) != data:
        raise NotCanonical("not in canonical form")
    return content  # pragma: no cover - the fast path accepts whatever this accepts


class NotCanonical(ContentError):
    """Valid content whose bytes are not its canonical serialisation."""


_no_duplicates = refuse_duplicate_keys(lambda key: ContentError(f"duplicate key {key!r}"))
