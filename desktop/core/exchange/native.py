"""Promptpress's own files: `NAME.prompt` (the current version) and `NAME.history.json` (every
version, byte-exact, with parent, author, message and time).

The history file is JSON:

    {"format": "promptpress.history/1", "name": "support/summarize-call", "description": "...",
     "current": "<version id>",
     "versions": [{"id": "<sha256>", "parent": "<id>" | null, "author": "...", "message": "...",
                   "saved": "2026-11-26T09:44:19.831007+00:00", "content": {...}}, ...],
     "events": [{"kind": "restored", "version": "<id>" | null, "author": "...",
                 "message": "...", "at": "...", "detail": {...}}, ...]}

Versions are listed oldest first, parents before children. `content` is the version's canonical
content as an object; its id is checked on import, so a hand-edited history is caught. The
`.prompt` file is for people: edit it, and the import saves the edit as a new version whose
parent is `current`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from storage.releases.content import ContentError, PromptContent, version_id

from .common import ForeignFileError, Notes

FORMAT = "promptpress.history/1"
PROMPT_SUFFIX = ".prompt"
HISTORY_SUFFIX = ".history.json"

# Characters that some file systems refuse in names, and '%' itself, are written as %XX.
_UNSAFE = set('<>:"|?*%\\')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
             *(f"LPT{i}" for i in range(1, 10))}
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")


def encode_part(part: str) -> str:
    out = "".join(f"%{ord(c):02X}" if c in _UNSAFE or ord(c) < 32 else c for c in part)
    if out.endswith((".", " ")):
        out = out[:-1] + f"%{ord(out[-1]):02X}"
    if out.split(".")[0].upper() in _RESERVED:
        out = f"%{ord(out[0]):02X}" + out[1:]
    return out


def decode_part(part: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), part)


def relative_path(name: str, suffix: str) -> Path:
    """Where a prompt's file goes inside an export folder."""
    parts = name.split("/")
    return Path(*[encode_part(p) for p in parts[:-1]], encode_part(parts[-1]) + suffix)


def name_from_path(relative: Path, suffix: str) -> str:
    parts = list(relative.parts)
    parts[-1] = parts[-1][: -len(suffix)] if parts[-1].endswith(suffix) else parts[-1]
    return "/".join(decode_part(p) for p in parts)


def _time(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class HistoryVersion:
    id: str
    parent: str | None
    author: str
    message: str
    saved: datetime
    content: PromptContent


@dataclass(frozen=True)
class HistoryEvent:
    kind: str
    version: str | None
    author: str
    message: str
    at: datetime
    detail: dict


@dataclass
class History:
    name: str
    description: str
    current: str | None
    versions: list[HistoryVersion]
    events: list[HistoryEvent] = field(default_factory=list)


def dumps_history(name: str, description: str, current: str | None, versions: list,
                  events: list) -> str:
    """The history file for `storage.workspace.prompts.version_records` and `event_rows`."""
    doc = {
        "format": FORMAT,
        "name": name,
        "description": description,
        "current": current,
        "versions": [
            {"id": v.version_id, "parent": v.parent_id, "author": v.author, "message": v.message,
             "saved": _time(v.created_at), "content": json.loads(v.content)}
            for v in versions
        ],
        "events": [
            {"kind": e.kind, "version": e.version_id, "author": e.author, "message": e.message,
             "at": _time(e.created_at), "detail": e.detail}
            for e in events
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def loads_history(data: bytes, source: str, notes: Notes) -> History:
    """Read a history file strictly: every version's content must hash to its id."""
    try:
        doc = json.loads(data.decode("utf-8-sig"), object_pairs_hook=_no_duplicates)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ForeignFileError(f"{source}: not a Promptpress history file ({exc}).") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ForeignFileError(f"{source}: not a Promptpress history file (format "
                               f"{doc.get('format') if isinstance(doc, dict) else None!r}, "
                               f"expected {FORMAT!r}).")
    versions = []
    for i, item in enumerate(_list(doc, "versions", source), 1):
        where = f"{source}, version {i}"
        try:
            content = PromptContent.from_dict(_field(item, "content", dict, where))
        except ContentError as exc:
            raise ForeignFileError(f"{where}: {exc}") from None
        claimed = _field(item, "id", str, where)
        actual = version_id(content)
        if claimed != actual:
            notes.change(f"version {claimed[:12]}: its content does not match its id (was the "
                         f"file edited?); imported as {actual[:12]}")
        versions.append(HistoryVersion(
            id=claimed, parent=_field(item, "parent", (str, type(None)), where),
            author=_field(item, "author", str, where), message=_field(item, "message", str, where),
            saved=_datetime(_field(item, "saved", str, where), where), content=content,
        ))
    events = []
    for i, item in enumerate(_list(doc, "events", source, required=False), 1):
        where = f"{source}, event {i}"
        events.append(HistoryEvent(
            kind=_field(item, "kind", str, where),
            version=_field(item, "version", (str, type(None)), where),
            author=_field(item, "author", str, where), message=_field(item, "message", str, where),
            at=_datetime(_field(item, "at", str, where), where),
            detail=_field(item, "detail", dict, where),
        ))
    return History(
        name=_field(doc, "name", str, source),
        description=_field(doc, "description", str, source),
        current=_field(doc, "current", (str, type(None)), source),
        versions=versions, events=events,
    )


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _list(doc: dict, key: str, source: str, *, required: bool = True) -> list:
    value = doc.get(key, None if required else [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ForeignFileError(f"{source}: '{key}' must be a list of objects.")
    return value


def _field(item: dict, key: str, kind, where: str):
    if key not in item or not isinstance(item[key], kind):
        raise ForeignFileError(f"{where}: '{key}' is missing or has the wrong type.")
    return item[key]


def _datetime(text: str, where: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ForeignFileError(f"{where}: {text!r} is not a time.") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)
