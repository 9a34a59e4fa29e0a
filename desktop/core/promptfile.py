"""The prompt file format: YAML front matter, then the messages by role.

    ---
    description: Summarise a support call for the CRM
    model: openai/gpt-4o-mini
    parameters:
      temperature: 0.2
      max_tokens: 400
    variables:
      transcript:
        description: The call transcript, as exported from the phone system
      language:
        description: Language of the summary
        default: English
    ---
    {{role "system"}}
    You summarise support calls in {{ language }}.
    {{role "user"}}
    {{ transcript }}

Close to Dotprompt (same front matter style and `{{role "..."}}` markers) and Prompty, so
authors can move between tools. Text is kept byte-exact: a message's content is everything
between its marker line and the next marker line, less the one line break that separates them.
Content that contains a marker line of its own is written as a quoted `messages:` list in the
front matter instead, which reads back exactly too.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from storage.releases.content import ContentError, Message, PromptContent, Variable
from storage.releases.template import TemplateProblem, find_variables

SUFFIX = ".prompt"
KEYS = ("name", "description", "model", "parameters", "variables", "response_format", "tools",
        "template_format", "messages")
MARKER = re.compile(r'\{\{\s*role\s+"([a-z]+)"\s*\}\}')


class PromptFileError(Exception):
    """A prompt file that cannot be read, with the file, the line and what to change."""


@dataclass(frozen=True, slots=True)
class PromptFile:
    content: PromptContent
    name: str | None = None
    description: str = ""


def _fail(source: str, line: int | None, text: str) -> PromptFileError:
    where = f"{source}, line {line}" if line else source
    return PromptFileError(f"{where}: {text}")


def parse(data: bytes | str, source: str = "<prompt file>") -> PromptFile:
    """Read a prompt file. Raises PromptFileError naming the line and the problem."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise _fail(source, line, "the file is not UTF-8 text; save it as UTF-8.") from None
    else:
        text = data
    text = text.removeprefix("\ufeff")  # a BOM marks the file, it is not prompt text

    front: dict[str, Any] = {}
    body = text
    body_line = 1
    first, nl, rest = text.partition("\n")
    if first.rstrip("\r") == "---" and nl:
        newline = "\r\n" if first.endswith("\r") else "\n"
        end = re.search(r"^---\r?$", rest, flags=re.M)
        if end is None:
            raise _fail(source, 1, "the front matter starting with '---' has no closing '---' line.")
        yaml_text = rest[: end.start()]
        body = rest[end.end():]
        body = body[len(newline):] if body.startswith(newline) else body.removeprefix("\n")
        body_line = yaml_text.count("\n") + 3
        try:
            loaded = yaml.safe_load(yaml_text)
        except yaml.YAMLError as exc:
            # Where the broken construct starts helps more than where the parser gave up.
            mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
            line = mark.line + 2 if mark is not None else 1
            problem = getattr(exc, "problem", None) or str(exc)
            raise _fail(source, line, f"the front matter is not valid YAML: {problem}.") from None
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise _fail(source, 2, "the front matter must be a set of 'key: value' lines.")
        front = loaded
    else:
        newline = "\r\n" if first.endswith("\r") else "\n"

    for key in front:
        if key not in KEYS:
            close = difflib.get_close_matches(str(key), KEYS, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else f" Known keys: {', '.join(KEYS)}."
            raise _fail(source, 2, f"unknown key '{key}' in the front matter.{hint}")

    if "messages" in front:
        if body.strip():
            raise _fail(source, body_line, "messages are given both in the front matter and "
                        "below it; keep one of the two.")
        messages = _messages_from_front(front["messages"], source)
    else:
        messages = _messages_from_body(body, newline, source, body_line)

    try:
        declared = _variables(front.get("variables"), source)
        content = PromptContent(
            messages=messages,
            model=_text(front.get("model", ""), "model", source),
            parameters=_mapping(front.get("parameters"), "parameters", source),
            variables=declared,
            template_format=_text(front.get("template_format", "jinja2"), "template_format", source),
            response_format=_response_format(front.get("response_format"), source),
            tools=front.get("tools"),
        )
        content = with_detected_variables(content)
    except ContentError as exc:
        raise _fail(source, None, str(exc)) from None
    except TemplateProblem as exc:
        raise _fail(source, None, str(exc)) from None
    name = front.get("name")
    return PromptFile(
        content=content,
        name=None if name is None else _text(name, "name", source),
        description=_text(front.get("description", ""), "description", source),
    )


def with_detected_variables(content: PromptContent) -> PromptContent:
    """Declare, after the declared ones, every variable the messages use but do not declare."""
    declared = set(content.variable_names)
    extra = [Variable(n) for n in find_variables(content) if n not in declared]
    if not extra:
        return content
    return PromptContent(
        messages=content.messages, model=content.model, parameters=content.parameters,
        variables=(*content.variables, *extra), template_format=content.template_format,
        response_format=content.response_format, tools=content.tools,
    )


def _messages_from_body(body: str, newline: str, source: str, body_line: int) -> list[Message]:
    lines = body.split(newline)
    markers = [i for i, line in enumerate(lines) if MARKER.fullmatch(line)]
    if not markers:
        if not body.strip():
            raise _fail(source, body_line, "the file has no messages; write them after the "
                        'front matter, each after a line such as {{role "user"}}.')
        return [Message("user", _strip_separator(body, newline))]
    if any(line.strip() for line in lines[: markers[0]]):
        raise _fail(source, body_line, 'text comes before the first {{role "..."}} line; '
                    "put a role line above it.")
    messages = []
    for n, start in enumerate(markers):
        role = MARKER.fullmatch(lines[start]).group(1)
        if role not in ("system", "user", "assistant"):
            raise _fail(source, body_line + start, f"unknown role '{role}'; a role is system, "
                        "user or assistant.")
        stop = markers[n + 1] if n + 1 < len(markers) else len(lines)
        chunk = newline.join(lines[start + 1: stop])
        if n + 1 == len(markers):
            # The file's final line break ends the file; it is not part of the last message.
            chunk = _strip_separator(chunk, newline)
        messages.append(Message(role, chunk))
    return messages


def _strip_separator(text: str, newline: str) -> str:
    return text[: -len(newline)] if text.endswith(newline) else text


def _messages_from_front(value: Any, source: str) -> list[Message]:
    if not isinstance(value, list):
        raise _fail(source, None, "'messages' must be a list of {role, content}.")
    out = []
    for i, item in enumerate(value, 1):
        if not isinstance(item, dict) or set(item) - {"role", "content"}:
            raise _fail(source, None, f"message {i} in 'messages' must have only role and content.")
        out.append(Message(_text(item.get("role"), f"message {i} role", source),
                           _text(item.get("content", ""), f"message {i} content", source)))
    return out


def _text(value: Any, field: str, source: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _fail(source, None, f"'{field}' must be text, found {value!r}.")
    return value if isinstance(value, str) else str(value)


def _mapping(value: Any, field: str, source: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail(source, None, f"'{field}' must be a set of 'key: value' lines.")
    return dict(value)


def _response_format(value: Any, source: str) -> dict | None:
    if value is None:
        return None
    if value in ("json", "json_object"):
        return {"type": "json_object"}
    if value == "text":
        return None
    if not isinstance(value, dict):
        raise _fail(source, None, "'response_format' must be json, text, or an object such as "
                    "{type: json_schema, json_schema: {...}}.")
    return value


def _variables(value: Any, source: str) -> list[Variable]:
    if value is None:
        return []
    out = []
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = []
        for entry in value:
            if isinstance(entry, str):
                items.append((entry, None))
            elif isinstance(entry, dict) and "name" in entry:
                items.append((entry["name"], {k: v for k, v in entry.items() if k != "name"}))
            else:
                raise _fail(source, None, f"a variable must be a name or {{name, description, "
                            f"default}}, found {entry!r}.")
    else:
        raise _fail(source, None, "'variables' must map each name to its description and default.")
    for name, spec in items:
        name = _text(name, "variable name", source)
        if spec is None:
            out.append(Variable(name))
        elif isinstance(spec, str):
            out.append(Variable(name, spec))
        elif isinstance(spec, dict):
            unknown = set(spec) - {"description", "default"}
            if unknown:
                raise _fail(source, None, f"variable '{name}' has unknown fields "
                            f"{', '.join(sorted(map(str, unknown)))}; use description and default.")
            default = spec.get("default")
            out.append(Variable(name, _text(spec.get("description", ""), "description", source),
                                None if default is None else _text(default, "default", source)))
        else:
            raise _fail(source, None, f"variable '{name}' must have a description and/or default.")
    return out


class _Quoted(str):
    """A string written in double quotes, so every byte reads back exactly."""


class _Dumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str):
    plain_ok = value == value.strip() and "\n" not in value and "\r" not in value and value != ""
    style = None if plain_ok and value.isprintable() else '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(_Quoted, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", v, style='"'))
_Dumper.add_representer(str, _represent_str)


def _dump(data: dict) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     default_flow_style=False, width=1 << 30)


def _body_safe(messages: tuple[Message, ...]) -> bool:
    return not any(MARKER.fullmatch(line) for m in messages for line in m.content.split("\n"))


def dumps(content: PromptContent, *, name: str | None = None, description: str = "") -> str:
    """Write content in the prompt file format; `parse(dumps(c)).content == c`."""
    front: dict[str, Any] = {}
    if name:
        front["name"] = name
    if description:
        front["description"] = description
    if content.model:
        front["model"] = content.model
    if content.parameters:
        front["parameters"] = content.parameters
    if content.variables:
        front["variables"] = {
            v.name: {k: val for k, val in (("description", v.description), ("default", v.default))
                     if val not in (None, "") or (k == "default" and val == "")}
            or None
            for v in content.variables
        }
    if content.template_format != "jinja2":
        front["template_format"] = content.template_format
    if content.response_format is not None:
        front["response_format"] = content.response_format
    if content.tools is not None:
        front["tools"] = content.tools
    if not _body_safe(content.messages):
        front["messages"] = [{"role": m.role, "content": _Quoted(m.content)}
                             for m in content.messages]
        return "---\n" + _dump(front) + "---\n"
    head = "---\n" + (_dump(front) if front else "") + "---\n"
    body = "\n".join(f'{{{{role "{m.role}"}}}}\n{m.content}' for m in content.messages)
    return head + body + "\n"


def load(path: str | Path) -> PromptFile:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PromptFileError(f"{path}: no such file.") from None
    except OSError as exc:
        raise PromptFileError(f"{path}: cannot read it ({exc.strerror}).") from None
    return parse(data, source=str(path))
