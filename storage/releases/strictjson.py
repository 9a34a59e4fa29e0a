"""A strict JSON parser and the one canonical serialiser for release metadata.

Python's `json` keeps the last of duplicate keys, accepts NaN, Infinity and 1e400 (as inf), and
turns escapes into lone surrogates. Two parsers that disagree on such input can be made to see
two different documents under one signature (a parser differential). Release metadata therefore
allows only: objects with unique string keys, arrays, strings of valid Unicode, integers of at most
19 digits, true, false and null. No floats at all: versions, lengths and times are integers or text.

`loads` also insists that the input is in canonical form (what `dumps` writes), so there is exactly
one byte string for each document and nothing unsigned can ride along (trailing spaces, BOM...).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .errors import MalformedError, OversizedError

MAX_DEPTH = 32
MAX_INT_DIGITS = 19


def dumps(value: Any) -> bytes:
    """Canonical bytes: sorted keys, no insignificant whitespace, UTF-8 without escapes."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def loads(data: bytes, *, max_length: int, what: str = "metadata", canonical: bool = True) -> Any:
    """Parse `data` strictly. The length is checked before anything else is looked at."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"{what}: expected bytes, got {type(data).__name__}")
    if len(data) > max_length:
        raise OversizedError(f"{what} is {len(data)} bytes; the limit is {max_length}")
    data = bytes(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedError(f"{what} is not valid UTF-8 (byte {exc.start})") from None
    if text.startswith("\ufeff"):
        raise MalformedError(f"{what} starts with a byte-order mark")
    try:
        value = json.loads(
            text,
            object_pairs_hook=_unique_pairs,
            parse_float=_no_float,
            parse_constant=_no_constant,
            parse_int=_bounded_int,
        )
    except MalformedError as exc:
        raise MalformedError(f"{what}: {exc}") from None
    except (ValueError, RecursionError) as exc:
        raise MalformedError(f"{what} is not valid JSON: {exc}") from None
    _check(value, 0, what)
    if canonical and dumps(value) != data:
        raise MalformedError(
            f"{what} is not in canonical form (extra whitespace, key order or escapes differ)"
        )
    return value


def refuse_duplicate_keys(
    error: Callable[[str], Exception],
) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    """A `json.loads` object_pairs_hook that raises `error(key)` for a key given twice (Python's
    json silently keeps the last one, so two parsers could read the same bytes differently)."""

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise error(key)
            out[key] = value
        return out

    return hook


_unique_pairs = refuse_duplicate_keys(lambda key: MalformedError(f"duplicate key {key!r}"))


def _no_float(text: str) -> Any:
    raise MalformedError(f"number {text[:40]!r} is not an integer (floats are not allowed)")


def _no_constant(text: str) -> Any:
    raise MalformedError(f"{text} is not allowed")


def _bounded_int(text: str) -> int:
    digits = text.lstrip("-")
    if len(digits) > MAX_INT_DIGITS:
        raise MalformedError(f"integer with {len(digits)} digits is too large")
    return int(text)


def _check(value: Any, depth: int, what: str) -> None:
    if depth > MAX_DEPTH:
        raise MalformedError(f"{what} is nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, str):
        _check_text(value, what)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, what)
            _check(item, depth + 1, what)
    elif isinstance(value, list):
        for item in value:
            _check(item, depth + 1, what)


def _check_text(text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedError(f"{what} contains a lone surrogate escape") from None


# --- small schema helpers for the metadata modules --------------------------------------------------


def fields(obj: Any, what: str, required: dict[str, type | tuple[type, ...]],
           optional: dict[str, type | tuple[type, ...]] | None = None) -> dict[str, Any]:
    """Check that `obj` is an object with exactly these fields of these types; return it."""
    optional = optional or {}
    if not isinstance(obj, dict):
        raise MalformedError(f"{what} must be a JSON object")
    unknown = set(obj) - set(required) - set(optional)
    if unknown:
        raise MalformedError(f"{what} has unknown field(s): {', '.join(sorted(unknown))}")
    for name, kind in required.items():
        if name not in obj:
            raise MalformedError(f"{what} is missing the field {name!r}")
        _type(obj[name], kind, f"{what}.{name}")
    for name, kind in optional.items():
        if name in obj:
            _type(obj[name], kind, f"{what}.{name}")
    return obj


def _type(value: Any, kind: type | tuple[type, ...], where: str) -> None:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        raise MalformedError(f"{where} must be {_names(kinds)}, found a boolean")
    if not isinstance(value, kinds):
        raise MalformedError(f"{where} must be {_names(kinds)}, found {type(value).__name__}")


def _names(kinds: tuple[type, ...]) -> str:
    words = {int: "an integer", str: "text", dict: "an object", list: "a list", bool: "a boolean",
             type(None): "null"}
    return " or ".join(words.get(k, k.__name__) for k in kinds)


def non_negative(value: int, where: str, *, minimum: int = 0) -> int:
    if value < minimum:
        raise MalformedError(f"{where} must be at least {minimum}, found {value}")
    return value
