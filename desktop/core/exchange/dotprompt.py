"""Dotprompt `.prompt` files (Google Genkit): YAML front matter, then a Handlebars template."""

from __future__ import annotations

import re
from typing import Any

from storage.releases.content import Message, Variable

from .common import (
    Converted,
    ForeignFileError,
    Notes,
    as_variable,
    content_from,
    openai_tools,
    parameters_from,
    response_format_for,
    short,
    split_front_matter,
)
from .handlebars import translate

FORMAT = "Dotprompt"
KEYS = {"name", "variant", "version", "description", "model", "config", "input", "output",
        "tools", "toolDefs", "metadata", "ext", "raw"}
ROLES = {"system": "system", "user": "user", "model": "assistant", "assistant": "assistant"}
# Genkit plugin prefixes and the litellm provider each one becomes.
MODEL_PREFIXES = {
    "googleai/": "gemini/", "vertexai/": "vertex_ai/", "openai/": "openai/",
    "anthropic/": "anthropic/", "ollama/": "ollama/", "mistral/": "mistral/",
    "deepseek/": "deepseek/", "xai/": "xai/", "groq/": "groq/", "azureopenai/": "azure/",
    "compat-oai/": "openai/",
}
SCALARS = {"string", "number", "integer", "boolean", "null", "any"}


def model_id(model: Any, notes: Notes) -> str:
    if not model:
        return ""
    if not isinstance(model, str):
        notes.skip(f"model ({short(model)}): not a model name")
        return ""
    for prefix, provider in MODEL_PREFIXES.items():
        if model.startswith(prefix):
            out = provider + model[len(prefix):]
            if out != model:
                notes.change(f"model {model} became the litellm id {out}")
            return out
    notes.change(f"model {model}: kept as written; check it is a litellm model id")
    return model


def picoschema(schema: Any, path: str = "schema") -> dict:
    """Picoschema (or JSON Schema, passed through) as JSON Schema."""
    if schema is None:
        return {}
    if isinstance(schema, str):
        type_name, description = _described(schema)
        if type_name not in SCALARS:
            raise ValueError(f"{path}: '{type_name}' is a named schema, which a file alone "
                             "cannot resolve")
        out: dict = {} if type_name == "any" else {"type": type_name}
        if description:
            out["description"] = description
        return out
    if not isinstance(schema, dict):
        raise ValueError(f"{path}: expected a schema, found {short(schema)}")
    if isinstance(schema.get("type"), str) and schema["type"] in SCALARS | {"object", "array"}:
        return schema
    if isinstance(schema.get("properties"), dict):
        return {**schema, "type": "object"}
    out = {"type": "object", "properties": {}, "required": [], "additionalProperties": False}
    for key, value in schema.items():
        key = str(key)
        if key == "(*)":
            out["additionalProperties"] = picoschema(value, f"{path}.(*)")
            continue
        name, _, type_info = key.partition("(")
        type_info = type_info[:-1] if type_info.endswith(")") else type_info
        optional = name.endswith("?")
        name = name.rstrip("?")
        if not optional:
            out["required"].append(name)
        if not type_info:
            prop = picoschema(value, f"{path}.{name}")
            if optional and isinstance(prop.get("type"), str):
                prop["type"] = [prop["type"], "null"]
        else:
            type_name, description = _described(type_info)
            if type_name == "array":
                prop = {"type": ["array", "null"] if optional else "array",
                        "items": picoschema(value, f"{path}.{name}")}
            elif type_name == "object":
                prop = picoschema(value, f"{path}.{name}")
                if optional:
                    prop["type"] = [prop["type"], "null"]
            elif type_name == "enum":
                values = list(value) if isinstance(value, list) else [value]
                if optional and None not in values:
                    values.append(None)
                prop = {"enum": values}
            else:
                raise ValueError(f"{path}.{name}: '({type_name})' must be array, object or enum")
            if description:
                prop["description"] = description
        out["properties"][name] = prop
    if not out["required"]:
        del out["required"]
    return out


def _described(text: str) -> tuple[str, str | None]:
    type_name, comma, description = text.partition(",")
    return type_name.strip(), description.strip() if comma else None


def looks_like_dotprompt(front: dict, body: str) -> bool:
    if any(k in front for k in ("config", "input", "output", "variant", "toolDefs", "ext", "raw",
                                "metadata", "version")):
        return True
    if any("." in str(k) for k in front):
        return True
    model = front.get("model")
    if isinstance(model, str) and model.split("/")[0] + "/" in (
            "googleai/", "vertexai/", "compat-oai/", "azureopenai/"):
        return True
    return bool(re.search(r"\{\{[#/^>]|\{\{\s*(else|this|@|history|media|section|json)\b"
                          r"|\{\{\{|\{\{role\s+\"[a-z]+\"\}\}[^\r\n]", body))


def convert(text: str, source: str, *, stem: str = "") -> Converted:
    """Read a Dotprompt file. Raises ForeignFileError when nothing can be imported."""
    front, body, body_line = split_front_matter(text, source, allow_comments=True)
    notes = Notes()
    for key in front:
        if str(key) not in KEYS and "." not in str(key):
            notes.skip(f"{key}: not a Dotprompt field")
        elif "." in str(key):
            notes.skip(f"{key} (an extension field): {short(front[key])}")
    for key in ("metadata", "ext", "raw"):
        if front.get(key):
            notes.skip(f"{key}: {short(front[key])}")
    name = front.get("name")
    if isinstance(name, str) and stem and name != stem.split(".")[0]:
        notes.change(f"name {name}: the prompt is named after its file instead")
    if front.get("variant"):
        notes.change(f"variant {front['variant']}: kept only in the file name")

    config = front.get("config") or {}
    if not isinstance(config, dict):
        raise ForeignFileError(f"{source}: 'config' must be a set of 'key: value' lines.")
    if "version" in config:
        notes.skip(f"config.version ({config['version']}): pick the model version in 'model'")
        config = {k: v for k, v in config.items() if k != "version"}
    parameters = parameters_from(config, notes, "config")

    variables, required = _variables(front.get("input"), notes, source)
    response_format = _output(front.get("output"), notes, stem or "output")
    tools = None
    if front.get("toolDefs"):
        tools = openai_tools(front["toolDefs"], notes, "toolDefs")
    if front.get("tools"):
        notes.skip(f"tools {short(front['tools'])}: these name tools registered in code; add "
                   "their definitions as tools in Promptpress")

    where = f"{source}"
    translation = translate(body.strip(), notes, where=where)
    messages = _messages(translation.segments, notes, where)
    declared = {v.name for v in variables}
    for name_ in sorted(translation.conditions - declared - required):
        variables.append(Variable(name_, "", ""))
        notes.change(f"'{name_}' only decides an {{{{#if}}}}: it defaults to empty (false), as "
                     "in Dotprompt when it is not given")
    extra = []
    if front.get("version") is not None:
        extra.append(f"Dotprompt version {front['version']}")
    return Converted(
        content=content_from(messages, model=model_id(front.get("model"), notes),
                             parameters=parameters, variables=variables,
                             response_format=response_format, tools=tools),
        format=FORMAT,
        description=front["description"] if isinstance(front.get("description"), str) else "",
        message="; ".join(extra),
        notes=notes,
    )


def _variables(spec: Any, notes: Notes, source: str) -> tuple[list[Variable], set[str]]:
    if not spec:
        return [], set()
    if not isinstance(spec, dict):
        raise ForeignFileError(f"{source}: 'input' must have 'schema' and/or 'default'.")
    defaults = spec.get("default") or {}
    if not isinstance(defaults, dict):
        notes.skip(f"input.default ({short(defaults)}): not a set of values")
        defaults = {}
    try:
        schema = picoschema(spec.get("schema")) if spec.get("schema") is not None else {}
    except ValueError as exc:
        notes.skip(f"input.{exc}")
        schema = {}
    properties = schema.get("properties") if isinstance(schema, dict) else None
    out: list[Variable] = []
    required = set(schema.get("required", [])) if isinstance(schema, dict) else set()
    if isinstance(schema, dict) and schema and properties is None:
        notes.skip(f"input.schema ({short(spec.get('schema'))}): only an object of named fields "
                   "becomes variables")
    for name, prop in (properties or {}).items():
        if not str(name).isidentifier():
            notes.skip(f"input.schema field '{name}': not a valid variable name")
            continue
        description = prop.get("description", "") if isinstance(prop, dict) else ""
        default = defaults.get(name)
        if default is None and name not in required:
            default = ""  # optional: Dotprompt leaves it undefined, which reads as empty
        kind = prop.get("type") if isinstance(prop, dict) else None
        kinds = kind if isinstance(kind, list) else [kind]
        if any(k in ("object", "array") for k in kinds):
            notes.change(f"'{name}' is a structured {'/'.join(k for k in kinds if k)}: give it "
                         "one (a JSON vars file or a test case), not text, when you run it")
        out.append(as_variable(str(name), description, default, notes, "input.default"))
    for name, value in defaults.items():
        if name not in {v.name for v in out}:
            if str(name).isidentifier():
                out.append(as_variable(str(name), "", value, notes, "input.default"))
            else:
                notes.skip(f"input.default '{name}': not a valid variable name")
    return out, required


def _output(spec: Any, notes: Notes, stem: str) -> dict | None:
    if not spec:
        return None
    if not isinstance(spec, dict):
        notes.skip(f"output ({short(spec)}): not a set of 'key: value' lines")
        return None
    fmt = spec.get("format")
    schema = spec.get("schema")
    for key in set(spec) - {"format", "schema"}:
        notes.skip(f"output.{key} ({short(spec[key])})")
    if fmt not in (None, "json", "text"):
        notes.skip(f"output.format {fmt}: Promptpress asks for text or JSON only")
        return None
    if fmt == "text":
        if schema is not None:
            notes.skip("output.schema: ignored because output.format is text")
        return None
    if schema is None:
        return {"type": "json_object"} if fmt == "json" else None
    try:
        return response_format_for(picoschema(schema), stem)
    except ValueError as exc:
        notes.skip(f"output.{exc}")
        return {"type": "json_object"}


def _messages(segments, notes: Notes, where: str) -> list[Message]:
    """Split at role markers as Dotprompt does: a marker before any text changes the role."""
    messages: list[list] = [["user", "", 0]]
    for segment in segments:
        if segment.kind == "role":
            role = ROLES.get(segment.value)
            if role is None:
                notes.skip(f"{where}, line {segment.line}: the role '{segment.value}' (Promptpress "
                           "has system, user and assistant); its text joined the message before")
                continue
            if messages[-1][1].strip():
                messages.append([role, "", segment.line])
            else:
                messages[-1][0] = role
                messages[-1][1] = ""
        elif segment.kind == "history":
            notes.skip(f"{where}, line {segment.line}: {{{{history}}}} (the conversation so far, "
                       "inserted at run time); removed")
            # As in Dotprompt, text after the history is a model (assistant) message.
            messages.append(["assistant", "", segment.line])
        else:
            messages[-1][1] += segment.value
    out = []
    for role, text, _line in messages:
        if not text.strip():
            continue
        # The line breaks that end a marker's line and precede the next marker are layout.
        text = _strip_one_line_break(text)
        out.append(Message(role, text))
    if not out:
        raise ForeignFileError(f"{where}: the template has no text to import.")
    return out


def _strip_one_line_break(text: str) -> str:
    for nl in ("\r\n", "\n"):
        if text.startswith(nl):
            text = text[len(nl):]
            break
    for nl in ("\r\n", "\n"):
        if text.endswith(nl):
            text = text[: -len(nl)]
            break
    return text
