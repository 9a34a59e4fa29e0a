"""What every foreign format shares: front matter, notes, literal text, model ids, parameters."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from storage.releases.content import Message, PromptContent, Variable

from ..errors import UserError

# Jinja reads these as the start of a tag; in text from a format without Jinja they are literal.
_JINJA_OPENERS = re.compile(r"\{[{%#]")


class ExchangeError(UserError):
    """An export or import request that cannot be carried out; nothing was written."""


class ForeignFileError(UserError):
    """A file that cannot be imported at all; the message says where and why."""


@dataclass
class Notes:
    """What an import changed or left out, said per file so nothing is dropped silently."""

    skipped: list[str] = field(default_factory=list)  # not imported
    changed: list[str] = field(default_factory=list)  # imported, but differently

    def skip(self, text: str) -> None:
        if text not in self.skipped:
            self.skipped.append(text)

    def change(self, text: str) -> None:
        if text not in self.changed:
            self.changed.append(text)


@dataclass
class Converted:
    """One prompt read from a foreign file, ready to be saved as a version."""

    content: PromptContent
    format: str  # "Dotprompt", "Humanloop", "Prompty v1"...
    description: str = ""
    message: str = ""  # extra words for the version's message (authors, foreign version...)
    notes: Notes = field(default_factory=Notes)


def split_front_matter(text: str, source: str, *, allow_comments: bool = False
                       ) -> tuple[dict[str, Any], str, int]:
    """(front matter, body, line where the body starts). Front matter is optional."""
    lines = text.split("\n")
    start = 0
    if allow_comments:  # Dotprompt allows license headers and blank lines before '---'
        while start < len(lines) and (not lines[start].strip() or lines[start].startswith("#")):
            start += 1
    if start >= len(lines) or lines[start].rstrip("\r").rstrip() != "---":
        return {}, text, 1
    for end in range(start + 1, len(lines)):
        if lines[end].rstrip("\r").rstrip() == "---":
            break
    else:
        raise ForeignFileError(f"{source}: the front matter starting with '---' on line "
                               f"{start + 1} has no closing '---' line.")
    yaml_text = "\n".join(lines[start + 1:end])
    try:
        front = yaml.safe_load(yaml_text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + start + 2 if mark is not None else start + 1
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ForeignFileError(f"{source}, line {line}: the front matter is not valid YAML: "
                               f"{problem}.") from None
    if front is None:
        front = {}
    if not isinstance(front, dict):
        raise ForeignFileError(f"{source}: the front matter must be a set of 'key: value' lines.")
    return front, "\n".join(lines[end + 1:]), end + 2


def literal(text: str) -> str:
    """Text that Jinja renders exactly as written ({%, {# and {{ escaped)."""
    return _JINJA_OPENERS.sub(lambda m: "{{ " + json.dumps(m.group(0)) + " }}", text)


def identifier(name: str) -> str:
    """A variable name Jinja accepts: 'customer name' -> 'customer_name'."""
    out = re.sub(r"\W+", "_", name.strip()).strip("_") or "value"
    return "_" + out if out[0].isdigit() else out


def as_text(value: Any) -> str:
    """A default value as Promptpress keeps it (text); structured values become JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False)


def as_variable(name: str, description: Any, default: Any, notes: Notes, where: str) -> Variable:
    if default in ([], {}):
        # Empty text reads as false and loops over nothing, as the empty list or object did.
        notes.change(f"{where}: the default of '{name}' ({default!r}) became empty text")
        default = ""
    elif default is not None and not isinstance(default, str):
        notes.change(f"{where}: the default of '{name}' ({default!r}) was kept as the text "
                     f"{as_text(default)!r}; Promptpress variables hold text")
    return Variable(name, description if isinstance(description, str) else "",
                    None if default is None else as_text(default))


# Parameters every format spells its own way, to the names litellm (and our content) use.
PARAMETER_NAMES = {
    "temperature": "temperature",
    "max_tokens": "max_tokens", "maxTokens": "max_tokens", "maxOutputTokens": "max_tokens",
    "max_output_tokens": "max_tokens", "max_completion_tokens": "max_completion_tokens",
    "top_p": "top_p", "topP": "top_p",
    "top_k": "top_k", "topK": "top_k",
    "stop": "stop", "stopSequences": "stop", "stop_sequences": "stop",
    "presence_penalty": "presence_penalty", "presencePenalty": "presence_penalty",
    "frequency_penalty": "frequency_penalty", "frequencyPenalty": "frequency_penalty",
    "seed": "seed",
    "n": "n", "candidateCount": "n",
    "reasoning_effort": "reasoning_effort", "reasoningEffort": "reasoning_effort",
    "logit_bias": "logit_bias", "user": "user",
}


def parameters_from(values: dict[str, Any], notes: Notes, where: str) -> dict[str, Any]:
    """Known parameters renamed; unknown ones reported, not guessed at."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        name = PARAMETER_NAMES.get(str(key))
        if name is None:
            notes.skip(f"{where}.{key} ({short(value)}): not a model parameter Promptpress knows")
        elif value is not None:
            out[name] = value
    return out


def openai_tools(tools: Any, notes: Notes, where: str) -> list[dict] | None:
    """[{name, description, parameters}] (or OpenAI's own shape) as OpenAI function tools."""
    if not tools:
        return None
    if not isinstance(tools, list):
        notes.skip(f"{where}: not a list of tool definitions")
        return None
    out = []
    for tool in tools:
        if isinstance(tool, dict) and tool.get("type") == "function" and "function" in tool:
            out.append(tool)
        elif isinstance(tool, dict) and isinstance(tool.get("name"), str):
            function = {"name": tool["name"]}
            if tool.get("description"):
                function["description"] = tool["description"]
            schema = tool.get("parameters", tool.get("inputSchema", tool.get("input_schema")))
            if schema is not None:
                function["parameters"] = schema
            if "strict" in tool:
                function["strict"] = tool["strict"]
            extra = set(tool) - {"name", "description", "parameters", "inputSchema",
                                 "input_schema", "strict", "type"}
            if extra:
                notes.skip(f"{where}: tool '{tool['name']}' fields {', '.join(sorted(extra))}")
            out.append({"type": "function", "function": function})
        else:
            notes.skip(f"{where}: tool {short(tool)} (only tools defined in the file can be "
                       "imported, not references to code)")
    return out or None


def response_format_for(schema: Any, name: str) -> dict[str, Any]:
    return {"type": "json_schema",
            "json_schema": {"name": identifier(name)[:64] or "output", "schema": schema}}


def short(value: Any, limit: int = 60) -> str:
    """A value as a few words for a report line."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                            default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"



def content_from(messages: list[Message], *, model: str = "", parameters: dict | None = None,
                 variables: list[Variable] | tuple = (), response_format: dict | None = None,
                 tools: list | None = None) -> PromptContent:
    return PromptContent(messages=tuple(messages), model=model, parameters=parameters or {},
                         variables=tuple(variables), response_format=response_format,
                         tools=tools)
