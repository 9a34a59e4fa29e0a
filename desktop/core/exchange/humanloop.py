"""Humanloop `.prompt` files: YAML front matter, then messages as `<system>`, `<user>`... tags."""

from __future__ import annotations

import re
from typing import Any

from storage.releases.content import Message

from .common import (
    Converted,
    ForeignFileError,
    Notes,
    content_from,
    identifier,
    literal,
    openai_tools,
    parameters_from,
    short,
    split_front_matter,
)

FORMAT = "Humanloop"
ROLE_TAG = re.compile(r"^[ \t]*<(system|user|assistant|tool)\b([^>]*)>", re.M)
PARAMETERS = {"temperature", "max_tokens", "top_p", "stop", "presence_penalty",
              "frequency_penalty", "seed", "reasoning_effort"}
KEYS = PARAMETERS | {"model", "provider", "endpoint", "response_format", "tools", "other",
                     "template_language", "name", "description", "max_iterations"}
PROVIDERS = {
    "openai": "openai", "openai_azure": "azure", "azure": "azure", "anthropic": "anthropic",
    "google": "gemini", "vertexai": "vertex_ai", "bedrock": "bedrock", "mistral": "mistral",
    "cohere": "cohere", "groq": "groq", "deepseek": "deepseek", "replicate": "replicate",
    "together": "together_ai", "ollama": "ollama", "xai": "xai",
}
VARIABLE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


def looks_like_humanloop(front: dict, body: str) -> bool:
    if "provider" in front or "endpoint" in front or PARAMETERS & set(map(str, front)):
        return True
    return bool(ROLE_TAG.search(body) and re.search(r"</(system|user|assistant)>", body))


def model_id(model: Any, provider: Any, notes: Notes) -> str:
    if not model:
        return ""
    model = str(model)
    if not provider or "/" in model:
        return model
    prefix = PROVIDERS.get(str(provider))
    if prefix is None:
        notes.change(f"provider {provider}: model kept as {provider}/{model}; check it is a "
                     "litellm model id")
        prefix = str(provider)
    return f"{prefix}/{model}"


def convert(text: str, source: str, *, stem: str = "") -> Converted:
    front, body, body_line = split_front_matter(text, source)
    notes = Notes()
    for key in front:
        if str(key) not in KEYS:
            notes.skip(f"{key} ({short(front[key])}): not a Humanloop prompt field")
    if "max_iterations" in front:
        notes.skip(f"max_iterations ({front['max_iterations']}): agents are not imported")
    values = {k: v for k, v in front.items() if k in PARAMETERS}
    if values.get("max_tokens") == -1:
        notes.change("max_tokens -1 (as many as fit): left unset")
        values.pop("max_tokens")
    parameters = parameters_from(values, notes, "")
    other = front.get("other")
    if isinstance(other, dict) and other:
        for key, value in other.items():
            parameters.setdefault(str(key), value)
        notes.change(f"other parameters {', '.join(map(str, other))}: passed to the model as "
                     "they are")
    response_format = front.get("response_format")
    if response_format is not None and not isinstance(response_format, dict):
        notes.skip(f"response_format ({short(response_format)}): not an object")
        response_format = None
    if isinstance(response_format, dict) and response_format.get("type") == "text":
        response_format = None
    tools = openai_tools(front.get("tools"), notes, "tools")

    jinja = str(front.get("template_language", "default")).lower() == "jinja"
    endpoint = str(front.get("endpoint", "chat"))
    if endpoint not in ("chat", "complete"):
        notes.skip(f"endpoint {endpoint}: imported as a chat prompt")
    if endpoint == "complete" or not ROLE_TAG.search(body):
        if endpoint == "chat" and body.strip():
            notes.change("the body has no <system>/<user>/<assistant> tags: it became one user "
                         "message")
        elif endpoint == "complete":
            notes.change("a completion prompt: its text became one user message")
        messages = [Message("user", _template(_dedent(_trim_layout(body)), jinja, notes,
                                              source))]
    else:
        messages = _messages(body, jinja, notes, source, body_line)
    if not messages or not any(m.content.strip() for m in messages):
        raise ForeignFileError(f"{source}: no message text to import.")
    return Converted(
        content=content_from(messages, model=model_id(front.get("model"),
                                                      front.get("provider"), notes),
                             parameters=parameters, response_format=response_format,
                             tools=tools),
        format=FORMAT,
        description=front["description"] if isinstance(front.get("description"), str) else "",
        notes=notes,
    )


def _messages(body: str, jinja: bool, notes: Notes, source: str,
              body_line: int) -> list[Message]:
    out: list[Message] = []
    pos = 0
    while True:
        match = ROLE_TAG.search(body, pos)
        if match is None:
            rest = body[pos:]
            if rest.strip():
                notes.skip(f"text outside any message tag: {short(rest.strip())}")
            break
        between = body[pos:match.start()]
        if between.strip():
            notes.skip(f"text outside any message tag: {short(between.strip())}")
        role, attrs = match.group(1), match.group(2)
        line = body_line + body.count("\n", 0, match.start())
        self_closing = attrs.rstrip().endswith("/")
        if self_closing:
            inner, pos = "", match.end()
        else:
            close = re.compile(rf"</{role}\s*>").search(body, match.end())
            if close is None:
                raise ForeignFileError(f"{source}: <{role}> on line {line} is never closed "
                                       f"with </{role}>.")
            inner, pos = body[match.end():close.start()], close.end()
        if role == "tool":
            notes.skip(f"line {line}: a tool result message <tool{attrs}> (Promptpress "
                       "messages are system, user or assistant)")
            continue
        if attrs.strip() and not self_closing:
            notes.skip(f"line {line}: attributes of <{role}{attrs}>")
        text = _parts(inner, role, line, notes)
        if not text.strip() and re.search(r"<(tool|image)\b", inner):
            continue  # held only a tool call or an image, reported above
        out.append(Message(role, _template(text, jinja, notes, source)))
    return out


def _parts(inner: str, role: str, line: int, notes: Notes) -> str:
    """The text of a message: <text> parts joined; images and tool calls reported."""
    for image in re.finditer(r"<image\b([^>]*)/?>(?:\s*</image>)?", inner):
        url = re.search(r'url\s*=\s*"([^"]*)"', image.group(1))
        notes.skip(f"line {line}: an image in the {role} message"
                   + (f" ({url.group(1)})" if url else "") + "; Promptpress sends text only")
    inner = re.sub(r"<image\b[^>]*/?>(?:\s*</image>)?", "", inner)
    for call in re.finditer(r"<tool\b([^>]*)>(.*?)</tool>", inner, flags=re.S):
        notes.skip(f"line {line}: a tool call in the {role} message <tool{call.group(1)}> "
                   f"{short(call.group(2).strip())}")
    inner = re.sub(r"<tool\b[^>]*>.*?</tool>", "", inner, flags=re.S)
    texts = re.findall(r"<text>(.*?)</text>", inner, flags=re.S)
    if texts:
        return "\n".join(_dedent(_trim_layout(t)) for t in texts)
    return _dedent(_trim_layout(inner))


def _trim_layout(text: str) -> str:
    """Drop the line break after an opening tag and the indented line break before a closing one."""
    text = re.sub(r"\A[ \t]*\r?\n", "", text)
    return re.sub(r"\r?\n[ \t]*\Z", "", text)


def _dedent(text: str) -> str:
    """Remove the indentation the file format adds to every line, nothing else."""
    lines = text.split("\n")
    indents = [len(line) - len(line.lstrip(" \t")) for line in lines if line.strip(" \t\r")]
    cut = min(indents, default=0)
    out = []
    for line in lines:
        lead = len(line) - len(line.lstrip(" \t"))
        out.append(line[min(cut, lead):])
    return "\n".join(out)


def _template(text: str, jinja: bool, notes: Notes, source: str) -> str:
    if jinja:
        return text
    # Humanloop's default templates only substitute {{ name }}; everything else is literal.
    out, pos = [], 0
    for match in VARIABLE.finditer(text):
        out.append(literal(text[pos:match.start()]))
        name = match.group(1)
        safe = identifier(name)
        if safe != name:
            notes.change(f"the variable {{{{{name}}}}} became {{{{ {safe} }}}}")
        out.append("{{ " + safe + " }}")
        pos = match.end()
    out.append(literal(text[pos:]))
    return "".join(out)
