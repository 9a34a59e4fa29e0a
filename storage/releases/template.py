"""Rendering prompt messages with Jinja2, byte-exact.

One sandboxed environment with `StrictUndefined` and `keep_trailing_newline=True`. Jinja rewrites
every line ending in template text to `\\n`; prompts must keep CRLF and lone CR exactly, so before
compiling each CR is swapped for a character that appears nowhere in the template or the values
and that Jinja treats as whitespace inside tags, and swapped back after rendering.

Part of the release format (ships in `promptpress_reader`): depends on jinja2 only.
"""

from __future__ import annotations

import functools
import traceback
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2 import meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from .content import Message, PromptContent

# Characters Python's regex engine (and so Jinja's lexer) counts as whitespace but Jinja does not
# count as a line ending. One of them stands in for CR while Jinja sees the template.
_CR_STAND_INS = ("\x1e", "\x1f", "\x1d", "\x1c", "\u2029", "\u2028", "\u205f", "\u180e")


class TemplateProblem(Exception):
    """A template that cannot be compiled or rendered: says where and what to do."""

    def __init__(self, message: str, *, index: int | None = None, role: str | None = None,
                 line: int | None = None, variable: str | None = None) -> None:
        super().__init__(message)
        self.index = index
        self.role = role
        self.line = line
        self.variable = variable


class MissingVariables(TemplateProblem):
    """Values are missing for variables the messages use."""

    def __init__(self, message: str, missing: Sequence["VariableUse"]) -> None:
        first = missing[0]
        super().__init__(message, index=first.index, role=first.role, line=first.line,
                         variable=first.name)
        self.missing = tuple(missing)


@dataclass(frozen=True, slots=True)
class VariableUse:
    name: str
    index: int  # message number, 1-based
    role: str
    line: int


def where(index: int, role: str, line: int | None = None) -> str:
    text = f"the {role} message (message {index})"
    return text if line is None else f"{text}, line {line}"


@functools.lru_cache(maxsize=None)
def _environment(cr_stand_in: str) -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.globals.clear()  # no range(), lipsum(), dict() surprises in prompts
    env.globals["cr_stand_in"] = cr_stand_in
    return env


def _stand_in_for(texts: Iterable[str]) -> str:
    texts = list(texts)
    for candidate in _CR_STAND_INS:
        if not any(candidate in t for t in texts):
            return candidate
    raise TemplateProblem("this prompt uses every control character Promptpress needs to keep "
                          "carriage returns exactly; remove some of U+001C..U+001F")


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


def _parse(env: SandboxedEnvironment, source: str, index: int, role: str) -> nodes.Template:
    try:
        return env.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(
            f"Template error in {where(index, role, exc.lineno)}: {exc.message}. "
            "Check the {{ }} and {% %} around that line.",
            index=index, role=role, line=exc.lineno,
        ) from None


@functools.lru_cache(maxsize=4096)
def _compile(cr_stand_in: str, source: str, index: int, role: str) -> jinja2.Template:
    env = _environment(cr_stand_in)
    prepared = source.replace("\r", cr_stand_in)
    _parse(env, prepared, index, role)  # friendly syntax errors
    return env.from_string(prepared)


def variable_uses(content: PromptContent) -> list[VariableUse]:
    """Every variable the messages read, with the first line where each message uses it."""
    return list(_variable_uses(content))


@functools.lru_cache(maxsize=1024)
def _variable_uses(content: PromptContent) -> tuple[VariableUse, ...]:
    uses: list[VariableUse] = []
    stand_in = _stand_in_for(m.content for m in content.messages)
    env = _environment(stand_in)
    for index, message in enumerate(content.messages, 1):
        tree = _parse(env, message.content.replace("\r", stand_in), index, message.role)
        undeclared = meta.find_undeclared_variables(tree)
        # Depth-first in field order is document order closely enough (Jinja keeps no columns).
        first_line: dict[str, int] = {}
        for name_node in tree.find_all(nodes.Name):
            if name_node.ctx == "load" and name_node.name in undeclared:
                first_line.setdefault(name_node.name, name_node.lineno)
        ordered = sorted(first_line, key=lambda n: first_line[n])  # stable: keeps walk order
        ordered += sorted(undeclared - set(first_line))
        for name in ordered:
            uses.append(VariableUse(name, index, message.role, first_line.get(name, 1)))
    return tuple(uses)


def find_variables(content: PromptContent) -> list[str]:
    """Variable names in order of first use across the messages."""
    seen: dict[str, None] = {}
    for use in variable_uses(content):
        seen.setdefault(use.name, None)
    return list(seen)


def resolve_values(content: PromptContent, values: Mapping[str, Any]) -> dict[str, Any]:
    """The given values plus declared defaults; refuses when any used variable has no value."""
    resolved = {v.name: v.default for v in content.variables if v.default is not None}
    resolved.update(values)
    missing = [u for u in _variable_uses(content) if u.name not in resolved]
    if missing:
        names = list(dict.fromkeys(u.name for u in missing))
        first = missing[0]
        label = "variable" if len(names) == 1 else "variables"
        listed = ", ".join(f"'{n}'" for n in names)
        raise MissingVariables(
            f"No value for the {label} {listed}: {where(first.index, first.role, first.line)} "
            f"uses '{first.name}'. Fill in {listed} before running.",
            missing,
        )
    return resolved


def render_messages(content: PromptContent, values: Mapping[str, Any]) -> list[Message]:
    """Render every message with `values` (plus defaults). Text outside tags is kept exactly."""
    resolved = resolve_values(content, values)
    stand_in = _stand_in_for([*(m.content for m in content.messages), *_strings(resolved)])
    rendered: list[Message] = []
    for index, message in enumerate(content.messages, 1):
        template = _compile(stand_in, message.content, index, message.role)
        try:
            text = template.render(resolved)
        except (jinja2.TemplateError, TypeError, ValueError, ArithmeticError,
                LookupError) as exc:
            line = _template_line(exc)
            raise TemplateProblem(
                f"In {where(index, message.role, line)}: {_render_failure(exc)}",
                index=index, role=message.role, line=line,
            ) from None
        rendered.append(Message(message.role, text.replace(stand_in, "\r")))
    return rendered


def _render_failure(exc: Exception) -> str:
    """What went wrong while rendering, as the sentence after "In message N (role):"."""
    if isinstance(exc, jinja2.UndefinedError):
        return f"{exc.message}."
    if isinstance(exc, jinja2.TemplateError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _template_line(exc: BaseException) -> int | None:
    """The template line Jinja mapped into the traceback, if any."""
    line = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == "<template>":
            line = lineno
    return line
