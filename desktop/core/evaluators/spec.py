"""The `--evaluator SPEC` syntax: one evaluator in one line of text.

Grammar
-------
::

    SPEC      = { MODIFIER ":" } KIND [ ">=" THRESHOLD ] [ ":" VALUE ]
    MODIFIER  = "not" | "weight=" NUMBER | OPTION "=" WORD
    OPTION    = "tokenize" (bleu) | "stem" (rouge-l) | "scale" (judge)
    THRESHOLD = a number from 0 to 1: the evaluator passes when its score >= THRESHOLD
    VALUE     = everything after the colon that follows KIND, exactly as written:
                spaces, colons and commas included, nothing trimmed

- `not:` inverts the evaluator: the score becomes 1 - score and the pass is inverted. An
  evaluator that cannot evaluate (an error) still fails under `not:`.
- `weight=N` (N >= 0, default 1) is the evaluator's share of the case score, a weighted mean;
  `weight=0` records the score without counting it.
- A VALUE starting with `@` is read from that file (UTF-8, a byte-order mark removed, otherwise
  exact, relative to the current folder); write `@@` for a value that really starts with `@`.
  For `judge` this applies to the rubric.
- `{{ expected }}` in a VALUE means the case's expected output, `{{ name }}` the case's variable
  `name`; nothing else in a VALUE is interpreted (in `regex` they match literally).

Kinds (default threshold 1 unless in brackets; scores are 0 or 1 unless said otherwise)
---------------------------------------------------------------------------------------
================================ ===========================================================
``equals:TEXT``                  output is exactly TEXT
``contains:TEXT``                output contains TEXT
``starts-with:TEXT``             output starts with TEXT
``ends-with:TEXT``               output ends with TEXT
``contains-any:A,B,C``           output contains at least one of the items
``contains-all:A,B,C``           score = share of the items found; passes when all are
``iequals`` ``icontains`` ...    the same, ignoring case: iequals, icontains, istarts-with,
                                 iends-with, icontains-any, icontains-all
``regex:PATTERN``                Python regex found anywhere (anchor with ^ and $; flags
                                 inline, e.g. (?i)); a search is stopped after 1 s
``length:MIN..MAX``              length in characters within bounds; ``length:..280``,
                                 ``length:10..``
``is-json``                      the whole output is strict JSON
``json-schema:SCHEMA``           output is JSON valid against SCHEMA (inline JSON or @file)
``edit-similarity[:REF]``        1 - Levenshtein distance / longer length (rapidfuzz) [0.8]
``bleu[:REF]``                   sacrebleu sentence BLEU / 100; ``tokenize=`` 13a (default),
                                 intl, zh, char, none [0.5]
``chrf[:REF]``                   sacrebleu sentence chrF / 100 [0.5]
``rouge-l[:REF]``                ROUGE-L F-measure (rouge-score; ``stem=no`` turns off the
                                 Porter stemmer) [0.5]
``judge:MODEL:RUBRIC``           an LLM grades the output against RUBRIC (text or @file);
                                 ``scale=1-5`` (default) or ``scale=0-1`` [0.5]
================================ ===========================================================

REF defaults to the case's expected output. Lists are comma-separated with spaces around items
trimmed; for items with commas or significant spaces, write a JSON array: ``["a, b", " c"]``.
A judge MODEL that contains a colon goes in angle brackets: ``judge:<ollama/llama3:8b>:...``.

Examples
--------
::

    contains:refund                        not:icontains:as an AI
    regex:^\\d{4}-\\d{2}-\\d{2}$              length:..280
    contains-any:refund,money back         weight=2:equals:{{ expected }}
    json-schema:@schemas/order.json        bleu>=0.3
    tokenize=intl:bleu>=0.25               stem=no:rouge-l>=0.4:{{ summary }}
    judge:openai/gpt-4o-mini:@rubric.txt   scale=0-1:judge>=0.7:<ollama/llama3:8b>:Is it polite?
"""

from __future__ import annotations

import json
from dataclasses import dataclass
import math
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .base import Evaluator, SpecError
from .json_checks import IsJson, JsonSchema
from .judge import Judge
from .reference import Bleu, Chrf, EditSimilarity, RougeL
from .text import Contains, ContainsAll, ContainsAny, EndsWith, Equals, Length, Regex, StartsWith

MAX_FILE_BYTES = 10 * 1024 * 1024

_KIND_FIELD = re.compile(r"([a-z][a-z0-9-]*)(?:>=(.*))?")
_OPTION_FIELD = re.compile(r"([a-z][a-z0-9_-]*)=(.*)")
_NUMBER = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_BOUNDS = re.compile(r"(\d*)\.\.(\d*)")

_OPTIONS = {"tokenize": "bleu", "stem": "rouge-l", "scale": "judge"}

_ONE_VALUE = {"equals": Equals, "contains": Contains, "starts-with": StartsWith,
              "ends-with": EndsWith}
_LISTS = {"contains-any": ContainsAny, "contains-all": ContainsAll}
_REFERENCE = {"edit-similarity": EditSimilarity, "bleu": Bleu, "chrf": Chrf, "rouge-l": RougeL}
KINDS: tuple[str, ...] = (
    *_ONE_VALUE, *(f"i{k}" for k in _ONE_VALUE), *_LISTS, *(f"i{k}" for k in _LISTS),
    "regex", "length", "is-json", "json-schema", *_REFERENCE, "judge")


@dataclass(frozen=True)
class SpecParts:
    """A spec's fields as written, before anything is built or read from a file: what the
    evaluator picker shows. `join_spec(split_spec(text)) == text` for every valid spec whose
    options are written in name order (the canonical form)."""

    kind: str
    value: str | None = None  # everything after KIND's colon, exactly as written
    threshold: str | None = None  # as written after ">="
    negate: bool = False
    weight: str | None = None  # as written after "weight="
    options: tuple[tuple[str, str], ...] = ()


def split_spec(text: str) -> SpecParts:
    """The fields of `text`; raise SpecError for a malformed or unknown one."""
    if not isinstance(text, str) or not text:
        raise SpecError("the evaluator spec is empty; write e.g. contains:refund")
    rest, negate, weight, options = text, False, None, {}
    while True:
        head, colon, tail = rest.partition(":")
        option = _OPTION_FIELD.fullmatch(head)
        if head != "not" and not option:
            break
        if not colon:
            raise SpecError(f"{text!r} has no evaluator after {head!r}; write e.g. "
                            f"{head}:contains:refund")
        if head == "not":
            if negate:
                raise SpecError(f"{text!r} says 'not' twice")
            negate = True
        else:
            name, value = option.group(1), option.group(2)
            if name in options or (name == "weight" and weight is not None):
                raise SpecError(f"{text!r} gives {name}= twice")
            if name == "weight":
                _number(value, "weight")
                weight = value
            elif name in _OPTIONS:
                options[name] = value
            else:
                known = ", ".join(["weight", *_OPTIONS])
                raise SpecError(f"unknown option {name!r} in {text!r} (options: {known}); "
                                f"to give a value, write KIND:VALUE, e.g. contains:{value}")
        rest = tail

    kind_match = _KIND_FIELD.fullmatch(head)
    kind = kind_match.group(1) if kind_match else head
    if not kind_match or kind not in KINDS:
        raise SpecError(f"{kind!r} is not an evaluator kind{_suggest(kind)}; "
                        f"kinds: {', '.join(KINDS)}")
    for name in options:
        if _OPTIONS[name] != kind:
            raise SpecError(f"option {name}= applies to {_OPTIONS[name]}, not to {kind}")
    if kind_match.group(2) is not None:
        _number(kind_match.group(2), "threshold")
    return SpecParts(kind, tail if colon else None, kind_match.group(2), negate, weight,
                     tuple(sorted(options.items())))


def join_spec(parts: SpecParts) -> str:
    """The spec text for `parts` (options in name order)."""
    fields = ["not"] if parts.negate else []
    if parts.weight is not None:
        fields.append(f"weight={parts.weight}")
    fields += [f"{name}={value}" for name, value in sorted(parts.options)]
    fields.append(parts.kind + (f">={parts.threshold}" if parts.threshold is not None else ""))
    if parts.value is not None:
        fields.append(parts.value)
    return ":".join(fields)


def parse_spec(text: str, *, base_dir: str | os.PathLike[str] | None = None) -> Evaluator:
    """Build the evaluator `text` describes; raise SpecError naming the problem.

    `@file` values are read relative to `base_dir` (default: the current folder). A judge comes
    back without a model connection: give it one with `Judge.with_ask` (or `bind_judges`).
    """
    parts = split_spec(text)
    read = _FileReader(Path(base_dir) if base_dir is not None else Path.cwd())
    common: dict[str, Any] = {"negate": parts.negate, "label": text}
    if parts.weight is not None:
        common["weight"] = _number(parts.weight, "weight")
    if parts.threshold is not None:
        common["threshold"] = _number(parts.threshold, "threshold")
    return _build(parts.kind, parts.value, dict(parts.options), common, read)


def _build(kind: str, value: str | None, options: dict[str, str], common: dict[str, Any],
           read: _FileReader) -> Evaluator:
    ignore_case = kind.startswith("i") and kind[1:] in (*_ONE_VALUE, *_LISTS)
    base = kind[1:] if ignore_case else kind
    if base in _ONE_VALUE:
        return _ONE_VALUE[base](value=read.text(_required(kind, value, "refund")),
                                ignore_case=ignore_case, **common)
    if base in _LISTS:
        items = parse_list(read.text(_required(kind, value, "refund,money back")), kind)
        return _LISTS[base](values=items, ignore_case=ignore_case, **common)
    if kind == "regex":
        return Regex(pattern=read.text(_required(kind, value, "^\\d+$")), **common)
    if kind == "length":
        bounds = _BOUNDS.fullmatch(_required(kind, value, "10..200"))
        if not bounds or bounds.group(1) == bounds.group(2) == "":
            raise SpecError(f"length needs MIN..MAX, MIN.. or ..MAX in characters, got {value!r}")
        low, high = (int(g) if g else None for g in bounds.groups())
        return Length(minimum=low, maximum=high, **common)
    if kind == "is-json":
        if value is not None:
            raise SpecError(f"is-json takes no value, found ':{value}'; for a schema use "
                            "json-schema:")
        return IsJson(**common)
    if kind == "json-schema":
        source = _required(kind, value, "@schema.json")
        return JsonSchema(schema=_parse_schema(read.text(source), source), **common)
    if kind in _REFERENCE:
        extra: dict[str, Any] = {}
        if "tokenize" in options:
            extra["tokenize"] = options["tokenize"]
        if "stem" in options:
            extra["stem"] = _yes_no(options["stem"], "stem")
        reference = None if value is None else read.text(value)
        return _REFERENCE[kind](reference=reference, **extra, **common)
    model, rubric = parse_judge_argument(_required(kind, value, "openai/gpt-4o-mini:@rubric.txt"))
    return Judge(model=model, rubric=read.text(rubric),
                 scale=options.get("scale", "1-5"), **common)  # type: ignore[arg-type]


def parse_list(text: str, kind: str) -> tuple[str, ...]:
    if text.startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecError(f"{kind}: the list looks like JSON but is not valid: {exc.msg} "
                            f"at column {exc.colno}") from None
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise SpecError(f"{kind}: a JSON list must be an array of strings")
        items_tuple = tuple(items)
    else:
        items_tuple = tuple(item.strip() for item in text.split(","))
    for number, item in enumerate(items_tuple, start=1):
        if not item:
            raise SpecError(f"{kind}: item {number} of the list is empty")
    return items_tuple


def parse_judge_argument(text: str) -> tuple[str, str]:
    """MODEL:RUBRIC, with MODEL in <...> when it contains a colon."""
    if text.startswith("<"):
        model, close, rest = text[1:].partition(">")
        if not close or not rest.startswith(":"):
            raise SpecError("judge: write <MODEL>:RUBRIC, e.g. "
                            "judge:<ollama/llama3:8b>:@rubric.txt")
        rubric = rest[1:]
    else:
        model, colon, rubric = text.partition(":")
        if not colon:
            raise SpecError(f"judge needs MODEL:RUBRIC, got {text!r}; e.g. "
                            "judge:openai/gpt-4o-mini:@rubric.txt")
    if not model or any(c.isspace() or c in "<>" for c in model):
        raise SpecError(f"judge: {model!r} is not a model id (no spaces or <>), "
                        "e.g. openai/gpt-4o-mini")
    if not rubric:
        raise SpecError("judge needs a rubric after the model: text, or @file")
    return model, rubric


def bind_judges(evaluators: Sequence[Evaluator],
                ask_for_model: Callable[[str], Any]) -> list[Evaluator]:
    """The evaluators with every judge connected to `ask_for_model(judge.model)`."""
    return [e.with_ask(ask_for_model(e.model)) if isinstance(e, Judge) else e for e in evaluators]


def _required(kind: str, value: str | None, example: str) -> str:
    if value is None or value == "":
        raise SpecError(f"{kind} needs a value, e.g. {kind}:{example}")
    return value


def _number(text: str, what: str) -> float:
    if not _NUMBER.fullmatch(text):
        raise SpecError(f"{what} must be a number such as 0.5, got {text!r}")
    number = float(text)
    if not math.isfinite(number):
        raise SpecError(f"{what} must be a finite number, got {text!r}")
    return int(number) if what == "weight" and number.is_integer() else number


def _yes_no(text: str, what: str) -> bool:
    if text not in ("yes", "no"):
        raise SpecError(f"{what}= takes yes or no, got {text!r}")
    return text == "yes"


def _parse_schema(text: str, source: str) -> Any:
    where = f" in {source[1:]}" if source.startswith("@") and not source.startswith("@@") else ""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"json-schema: the schema{where} is not valid JSON: {exc.msg} at line "
                        f"{exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise SpecError(f"json-schema: the schema{where} is nested too deeply") from None


def _suggest(kind: str) -> str:
    from rapidfuzz import process

    best = process.extractOne(kind, KINDS, score_cutoff=60)
    return f" (did you mean {best[0]!r}?)" if best else ""


class _FileReader:
    """Resolves `@file` values: `@path` is the file's text, `@@text` the literal `@text`."""

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir

    def text(self, value: str) -> str:
        if value.startswith("@@"):
            return value[1:]
        if not value.startswith("@"):
            return value
        name = value[1:]
        if not name:
            raise SpecError("'@' must be followed by a file name; write @@ for a literal @")
        path = self.base_dir / name
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise SpecError(f"{name} has {size:,} bytes, more than the "
                                f"{MAX_FILE_BYTES:,} an evaluator file may have")
            data = path.read_bytes()
        except FileNotFoundError:
            raise SpecError(f"cannot read {name}: there is no such file (looked in "
                            f"{self.base_dir}); write @@ for a value starting with @") from None
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or exc
            raise SpecError(f"cannot read {name}: {reason}") from None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SpecError(f"{name} is not UTF-8 text (byte {exc.start}: "
                            f"{data[exc.start:exc.start + 1]!r}); save it as UTF-8") from None
