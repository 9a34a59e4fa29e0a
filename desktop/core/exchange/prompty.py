"""Prompty `.prompty` files (Microsoft): YAML front matter, then role lines (`system:`...).

Version 1 and version 2 front matter are both read. The body is Jinja (or Mustache); Prompty
renders it first and then splits the result at role lines, with the first message a system
message unless a role line says otherwise, and blank lines around each message removed.
A `${file:NAME}` response format is read, as Prompty reads it, as JSON from NAME relative to the
.prompty file; a name outside that file's folder is refused and reported.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from storage.releases.content import Message, Variable
from storage.releases.strictjson import refuse_duplicate_keys

from .common import (
    Converted,
    ForeignFileError,
    Notes,
    as_variable,
    content_from,
    identifier,
    openai_tools,
    parameters_from,
    response_format_for,
    short,
    split_front_matter,
)
from .handlebars import translate

ROLE_LINE = re.compile(
    r"^\s*#?\s*(system|user|assistant|developer|function|tool|tools)"
    r"(\[[^\]]*\])?\s*:\s*$", re.I)
DYNAMIC_ROLE = re.compile(r"^\s*\{\{[^}]*\}\}\s*:\s*$")
V1_KEYS = {"name", "description", "version", "authors", "tags", "model", "sample", "inputs",
           "outputs", "template", "base", "$schema"}
V2_KEYS = {"name", "description", "metadata", "model", "inputs", "inputSchema", "outputs",
           "outputSchema", "tools", "template", "kind", "id", "version", "authors", "tags",
           "sample", "$schema"}
PROVIDERS = {"azure": "azure", "azure_openai": "azure", "foundry": "azure_ai",
             "openai": "openai", "anthropic": "anthropic", "ollama": "ollama",
             "azure_serverless": "azure_ai", "serverless": "azure_ai"}
FILE_REF = re.compile(r"^\$\{file:(.*)\}$", re.S)
ANY_REF = re.compile(r"^\$\{([A-Za-z_]+):.*\}$", re.S)
MAX_FILE_BYTES = 1024 * 1024  # a referenced response format file
KINDS = {"string": "string", "number": "number", "integer": "integer", "int": "integer",
         "float": "number", "boolean": "boolean", "bool": "boolean", "array": "array",
         "list": "array", "object": "object", "dict": "object"}


def is_v2(front: dict) -> bool:
    model = front.get("model")
    if isinstance(model, dict) and ({"id", "provider", "options", "apiType", "connection"}
                                    & set(model)):
        return True
    return (isinstance(front.get("template"), dict) or isinstance(front.get("inputs"), list)
            or "inputSchema" in front or "outputSchema" in front)


def convert(text: str, source: str, *, stem: str = "", folder: Path | None = None) -> Converted:
    """`folder` is where the .prompty file is: `${file:...}` references are read from there."""
    front, body, body_line = split_front_matter(text, source)
    notes = Notes()
    v2 = is_v2(front)
    fmt = "Prompty v2" if v2 else "Prompty v1"
    for key in front:
        if str(key) not in (V2_KEYS if v2 else V1_KEYS):
            notes.skip(f"{key} ({short(front[key])}): not a Prompty field")
    if front.get("base"):
        notes.skip(f"base {front['base']}: inherited prompts are not merged; import the base "
                   "file too")
    extra = []
    metadata = front.get("metadata") if isinstance(front.get("metadata"), dict) else {}
    for key in ("authors", "version", "tags"):
        value = front.get(key, metadata.get(key))
        if value:
            words = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
            extra.append(f"Prompty {key}: {words}")
    for key in set(metadata) - {"authors", "version", "tags"}:
        notes.skip(f"metadata.{key} ({short(metadata[key])})")
    if front.get("name") and front["name"] != stem:
        extra.append(f"Prompty name: {front['name']}")

    model, parameters, response_format, tools = _model(front.get("model"), v2, notes, folder,
                                                       stem)
    if v2 and front.get("tools"):
        tools = openai_tools(front["tools"], notes, "tools")
    variables = _inputs(front, notes)
    if front.get("sample"):
        notes.skip(f"sample ({short(front['sample'])}): sample inputs belong in a test set")
    outputs = front.get("outputSchema", front.get("outputs"))
    if outputs and response_format in (None, {"type": "json_object"}):
        schema = _output_schema(outputs, notes)
        if schema is not None:
            response_format = response_format_for(schema, stem or "output")
            notes.change("outputs became a JSON schema response format")
    elif outputs:
        notes.skip("outputs: the response format given in the model parameters was kept")

    kind = _template_kind(front.get("template"), notes)
    messages = _messages(body, kind, notes, source, body_line)
    return Converted(
        content=content_from(messages, model=model, parameters=parameters, variables=variables,
                             response_format=response_format, tools=tools),
        format=fmt,
        description=front["description"] if isinstance(front.get("description"), str) else "",
        message="; ".join(extra),
        notes=notes,
    )


def _model(spec: Any, v2: bool, notes: Notes, folder: Path | None = None,
           stem: str = "") -> tuple[str, dict, dict | None, list | None]:
    if spec is None:
        return "", {}, None, None
    if isinstance(spec, str):
        return spec, {}, None, None
    if not isinstance(spec, dict):
        notes.skip(f"model ({short(spec)}): not a model description")
        return "", {}, None, None
    api = spec.get("apiType", spec.get("api"))
    if api not in (None, "chat"):
        notes.change(f"model api {api}: imported as a chat prompt")
    model_name, provider = "", None
    if v2:
        model_name = str(spec.get("id") or "")
        provider = spec.get("provider")
        connection = spec.get("connection")
        deployment = connection.get("azure_deployment") if isinstance(connection, dict) else None
        if deployment:
            connection = {k: v for k, v in connection.items() if k != "azure_deployment"}
            if not model_name:
                model_name, provider = str(deployment), "azure"
                notes.change(f"model.connection.azure_deployment {deployment}: imported as the "
                             f"model azure/{deployment}")
            elif str(deployment) != model_name:
                notes.skip(f"model.connection.azure_deployment {deployment}: the model id "
                           f"{model_name} was used")
        if connection:
            notes.skip(f"model.connection ({_redacted(connection)}): endpoints and keys are "
                       "provider settings; add a provider with `promptpress provider add`")
        values = spec.get("options") or {}
        where = "model.options"
    else:
        config = spec.get("configuration") or {}
        if not isinstance(config, dict):
            config = {}
        provider = config.get("type")
        model_name = str(config.get("azure_deployment") or config.get("name")
                         or config.get("model") or "")
        if provider is None and config.get("azure_deployment"):
            provider = "azure"  # an Azure OpenAI deployment, whatever the missing type
            notes.change(f"model.configuration has azure_deployment {model_name} but no type: "
                         f"imported as the model azure/{model_name}")
        rest = {k: v for k, v in config.items()
                if k not in ("type", "azure_deployment", "name", "model")}
        if rest:
            notes.skip(f"model.configuration ({_redacted(rest)}): endpoints and keys are "
                       "provider settings; add a provider with `promptpress provider add`")
        values = spec.get("parameters") or {}
        where = "model.parameters"
    if spec.get("response") not in (None, "first"):
        notes.skip(f"model.response {spec['response']}: Promptpress keeps the first answer")
    for key in set(spec) - {"id", "provider", "connection", "options", "apiType", "api",
                            "configuration", "parameters", "response"}:
        notes.skip(f"model.{key} ({short(spec[key])})")
    if not isinstance(values, dict):
        notes.skip(f"{where} ({short(values)}): not a set of parameters")
        values = {}
    values = dict(values)
    response_format = values.pop("response_format", values.pop("responseFormat", None))
    tools = openai_tools(values.pop("tools", None), notes, f"{where}.tools")
    for key in ("tool_choice", "toolChoice", "additionalProperties"):
        if key in values:
            notes.skip(f"{where}.{key} ({short(values.pop(key))})")
    parameters = parameters_from(values, notes, where)
    response_format = _response_format(response_format, notes, f"{where}.response_format",
                                       folder, stem)
    model = model_name
    if model_name and provider:
        prefix = PROVIDERS.get(str(provider))
        if prefix is None:
            notes.change(f"provider {provider}: model kept as {provider}/{model_name}; check it "
                         "is a litellm model id")
            prefix = str(provider)
        model = f"{prefix}/{model_name}"
    elif not model_name:
        notes.skip("model: no deployment or model name given")
    return model, parameters, response_format, tools


def _response_format(value: Any, notes: Notes, where: str, folder: Path | None,
                     stem: str) -> dict | None:
    """The response format as litellm takes it; a `${file:...}` is read, never kept as text."""
    if isinstance(value, str):
        match, other = FILE_REF.match(value.strip()), ANY_REF.match(value.strip())
        if match:
            value = _read_file_reference(match.group(1).strip(), notes, where, folder)
        elif other:  # named, never echoed: ${env:...} names secrets
            notes.skip(f"{where}: a reference to {other.group(1)} (only file references are "
                       "read)")
            return None
        else:
            value = {"type": value}  # response_format: json_object
    if not isinstance(value, dict):
        if value is not None:
            notes.skip(f"{where} ({short(value)}): not a response format")
        return None
    if value.get("type") == "text":
        return None
    if "json_schema" not in value and ("properties" in value or value.get("type") == "object"):
        notes.change(f"{where}: the JSON schema became a json_schema response format")
        return response_format_for(value, stem or "output")
    return value


_unique = refuse_duplicate_keys(lambda key: ValueError(f"the key {key!r} appears twice"))


def _no_constant(text: str) -> Any:
    raise ValueError(f"{text} is not JSON")


def _read_file_reference(name: str, notes: Notes, where: str, folder: Path | None) -> Any:
    """The JSON in `name`, relative to the .prompty file's folder; None (reported) if it
    cannot be read or lies outside that folder."""
    what = f"{where} ${{file:{name}}}"
    if folder is None:
        notes.skip(f"{what}: the .prompty file's folder is not known, so the file was not read")
        return None
    if not name:
        notes.skip(f"{what}: names no file")
        return None
    base = folder.resolve()
    try:
        path = (base / name).resolve()  # symbolic links followed: their target must be inside
    except (OSError, RuntimeError, ValueError):
        path = None
    if path is None or not path.is_relative_to(base):
        notes.skip(f"{what}: refused, the file is outside the folder of the .prompty file "
                   f"({base})")
        return None
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        notes.skip(f"{what}: no such file in the folder of the .prompty file ({base})")
        return None
    except OSError as exc:
        notes.skip(f"{what}: cannot be read ({exc.strerror or exc})")
        return None
    if len(data) > MAX_FILE_BYTES:
        notes.skip(f"{what}: larger than {MAX_FILE_BYTES // 1024} KB")
        return None
    try:
        value = json.loads(data.decode("utf-8-sig"), object_pairs_hook=_unique,
                           parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        notes.skip(f"{what}: not valid JSON ({exc})")
        return None
    notes.change(f"{what}: read from {path.name}")
    return value


def _redacted(value: Any) -> str:
    """Connection settings without their secrets, for the report."""
    if isinstance(value, dict):
        keys = sorted(str(k) for k in value)
        return ", ".join(keys)
    return "..."


def _named(spec: Any, notes: Notes, what: str) -> list[tuple[str, Any]] | None:
    """The (name, entry) pairs of a set of inputs or outputs, given as a mapping (or a JSON
    schema's `properties`) or as a list of entries with a `name`; None if it is neither."""
    if isinstance(spec, dict) and "properties" in spec:
        spec = spec["properties"]
    if isinstance(spec, dict):
        return list(spec.items())
    if not isinstance(spec, list):
        return None
    named = []
    for entry in spec:
        if isinstance(entry, dict) and entry.get("name") not in (None, ""):
            named.append((entry["name"], entry))
        else:
            notes.skip(f"{what} entry {short(entry)}: has no name")
    return named


def _inputs(front: dict, notes: Notes) -> list[Variable]:
    spec = front.get("inputSchema", front.get("inputs"))
    items = _named(spec, notes, "inputs")
    if items is None:
        if spec is not None:
            notes.skip(f"inputs ({short(spec)}): not a list or set of inputs")
        items = []
    out: list[Variable] = []
    for name, value in items:
        name = str(name)
        safe = identifier(name)
        if safe != name:
            notes.change(f"input '{name}' became the variable '{safe}'")
        if isinstance(value, dict):
            default = value.get("default", value.get("sample"))
            if "default" not in value and "sample" in value:
                notes.change(f"inputs.{name}.sample became its default")
            out.append(as_variable(safe, value.get("description", ""), default, notes,
                                   f"inputs.{name}"))
        else:  # a bare value is the default (`firstName: Jane`)
            out.append(as_variable(safe, "", value, notes, f"inputs.{name}"))
    return out


def _output_schema(spec: Any, notes: Notes) -> dict | None:
    fields = _named(spec, notes, "outputs")
    if not fields:
        notes.skip(f"outputs ({short(spec)}): not a set of named fields")
        return None
    properties = {}
    for name, value in fields:
        value = value if isinstance(value, dict) else {"type": value}
        kind = KINDS.get(str(value.get("kind", value.get("type", "string"))), "string")
        prop: dict = {"type": kind}
        if value.get("description"):
            prop["description"] = value["description"]
        properties[str(name)] = prop
    return {"type": "object", "properties": properties, "required": list(properties),
            "additionalProperties": False}


def _template_kind(spec: Any, notes: Notes) -> str:
    kind = spec
    if isinstance(spec, dict):
        fmt = spec.get("format", spec.get("type"))
        kind = fmt.get("kind") if isinstance(fmt, dict) else fmt
        parser = spec.get("parser")
        parser = parser.get("kind") if isinstance(parser, dict) else parser
        if parser not in (None, "prompty"):
            notes.skip(f"template.parser {parser}: read as Prompty role lines")
    kind = str(kind or "jinja2").lower()
    if kind in ("jinja", "jinja2"):
        return "jinja2"
    if kind in ("mustache", "handlebars"):
        return "mustache"
    notes.skip(f"template {kind}: read as Jinja")
    return "jinja2"


def _messages(body: str, kind: str, notes: Notes, source: str, body_line: int) -> list[Message]:
    lines = body.splitlines()
    chunks: list[list] = []
    role, start, buffer = "system", body_line, []
    for i, line in enumerate(lines):
        if line.strip().startswith("![thread]"):
            notes.skip(f"line {body_line + i}: ![thread] (the conversation so far); removed")
            continue
        match = ROLE_LINE.match(line.strip())
        if match:
            if buffer:
                chunks.append([role, start, buffer])
            role, start, buffer = match.group(1).lower(), body_line + i + 1, []
            if match.group(2):
                notes.skip(f"line {body_line + i}: role attributes {match.group(2)}")
            continue
        if DYNAMIC_ROLE.match(line):
            notes.change(f"line {body_line + i}: '{line.strip()}' writes a role line at run "
                         "time; Promptpress does not split rendered text into messages")
        buffer.append(line)
    if buffer:
        chunks.append([role, start, buffer])
    out = []
    for role, start, buffer in chunks:
        text = "\n".join(buffer).strip("\n")
        if role == "developer":
            notes.change(f"line {start - 1}: the developer message became a system message")
            role = "system"
        if role not in ("system", "user", "assistant"):
            notes.skip(f"line {start - 1}: the {role} message {short(text)} (Promptpress "
                       "messages are system, user or assistant)")
            continue
        if not text:
            continue
        if re.search(r"!\[[^\]]*\]\([^)]*\)", text):
            notes.change(f"line {start}: a Markdown image stays as text; Promptpress sends text "
                         "only")
        if kind == "mustache":
            translation = translate(text, notes, where=f"{source}, from line {start}",
                                    mustache=True)
            text = "".join(s.value for s in translation.segments if s.kind == "text")
            if re.search(r"(?<!\{)\{\{(?![{!#/^&])", "\n".join(buffer)):
                notes.change("Mustache escaped HTML characters (<, >, &) in values; Promptpress "
                             "inserts values as they are")
        out.append(Message(role, text))
    if not out:
        raise ForeignFileError(f"{source}: no message text to import.")
    return out
