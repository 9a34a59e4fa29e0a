"""Log segments written by hand, in the reader's format, for tests that need bad ones too.

    data = segment([call(1), b"{not json", feedback(2, log=call_id(1))])
    write(sink, data)                       # sink/acme/2026-12-02/<a segment name>.jsonl

`segment` frames the lines as the reader does (header, lines, end line with the count and the
sha256 of the lines); `end=False` leaves the end line off, `tamper=True` changes a byte after
the checksum was taken.
"""

from __future__ import annotations

import hashlib
import json
from itertools import count
from pathlib import Path
from typing import Any

WRITER = "0123456789abcdef"
VERSION = "ab" * 32
DAY = "2026-12-02"
_names = count(1)


def call_id(i: int, writer: str = WRITER) -> str:
    return f"{writer}-{i:x}"


def call(i: int, *, project: str = "acme", writer: str = WRITER, prompt: str = "support/greet",
         version: str = VERSION, release: int | None = 1, variables: dict | None = None,
         output: str | None = None, error: str | None = None, channel: str = "production",
         time: str = f"{DAY}T10:00:00.000000Z", **extra: Any) -> dict[str, Any]:
    return {"kind": "call", "id": call_id(i, writer), "time": time, "project": project,
            "channel": channel, "release": release, "prompt": prompt, "version": version,
            "variables": {"name": f"customer {i}"} if variables is None else variables,
            "output": f"answer {i}" if output is None else output, "model": "openai/gpt-4o-mini",
            "latency_ms": 100 + i, "tokens": {"input": 30, "output": 5}, "error": error,
            "metadata": {"seq": i}, **extra}


def feedback(i: int, log: str, *, project: str = "acme", writer: str = WRITER,
             rating: Any = False, comment: str | None = None, corrected: str | None = None,
             time: str = f"{DAY}T10:00:01.000000Z") -> dict[str, Any]:
    return {"kind": "feedback", "id": call_id(i, writer), "log": log, "time": time,
            "project": project, "rating": rating, "label": None, "comment": comment,
            "corrected_output": corrected, "metadata": None}


def line(record: dict[str, Any] | bytes) -> bytes:
    if isinstance(record, bytes):
        return record
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def segment(records: list[dict[str, Any] | bytes], *, project: str = "acme",
            writer: str = WRITER, seq: int = 1, end: bool = True, tamper: bool = False,
            fmt: str = "promptpress-logs/1") -> bytes:
    header = line({"kind": "segment", "format": fmt, "project": project, "writer": writer,
                   "seq": seq, "created": f"{DAY}T10:00:00.000000Z"}) + b"\n"
    body = b"".join(line(r) + b"\n" for r in records)
    trailer = line({"kind": "end", "records": len(records),
                    "sha256": hashlib.sha256(body).hexdigest()}) + b"\n" if end else b""
    if tamper:
        body = body.replace(b"answer", b"Answer", 1)
    return header + body + trailer


def name(writer: str = WRITER, seq: int | None = None) -> str:
    n = next(_names) if seq is None else seq
    return f"20261202T100000{n:06d}Z-{writer}-{n:06d}.jsonl"


def write(sink: Path, data: bytes, *, project: str = "acme", day: str = DAY,
          filename: str | None = None) -> Path:
    path = sink / project / day / (filename or name())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
