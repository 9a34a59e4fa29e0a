"""Helpers for release tests: prompts, file paths in a repository, and crafted signed files."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storage.releases.content import Message, PromptContent, Variable
from storage.releases.envelope import (MANIFEST_TYPE, POINTER_TYPE, Envelope, Signature, sign)
from storage.releases.metadata import FileRef, Manifest, Pointer, format_time

NOW = 1_790_000_000  # 2026-09-21T...Z: tests pass this clock, never the real one
DAY = 86_400
YEAR = 365 * DAY


class Clock:
    """A clock passed to readers and publishers; counts how often it is read."""

    def __init__(self, now: int) -> None:
        self.now = now
        self.reads = 0

    def __call__(self) -> int:
        self.reads += 1
        return self.now

    def advance(self, seconds: int) -> None:
        self.now += seconds


@dataclass(frozen=True)
class Keys:
    author: Any
    reviewer: Any
    root: Any
    root2: Any
    outsider: Any
    author2: Any


def content(text: str = "Summarise: {{ transcript }}", *, model: str = "openai/gpt-4o-mini",
            system: str = "You are terse.\r\n") -> PromptContent:
    return PromptContent(
        messages=(Message("system", system), Message("user", text)),
        model=model,
        parameters={"temperature": 0.2, "max_tokens": 200},
        variables=(Variable("transcript", "the call"),),
    )


def prompts(tag: str = "v1", n: int = 3) -> list[tuple[str, PromptContent]]:
    return [(f"support/p{i}", content(f"[{tag}] prompt {i}: {{{{ transcript }}}}"))
            for i in range(n)]


# --- paths in a folder repository -------------------------------------------------------------


def pointer_file(repo_dir: Path, channel: str = "production") -> Path:
    return repo_dir / "channels" / f"{channel}.json"


def pending_file(repo_dir: Path, channel: str = "production") -> Path:
    return repo_dir / "channels" / f"{channel}.pending.json"


def blob_file(repo_dir: Path, sha256: str) -> Path:
    return repo_dir / "blobs" / "sha256" / sha256


def read_pointer(repo_dir: Path, channel: str = "production") -> Pointer:
    env = Envelope.from_bytes(pointer_file(repo_dir, channel).read_bytes(), max_length=1 << 20,
                              what="pointer")
    return Pointer.from_payload(env.payload)


def manifest_file(repo_dir: Path, channel: str = "production") -> Path:
    return blob_file(repo_dir, read_pointer(repo_dir, channel).manifest.sha256)


def read_manifest(repo_dir: Path, channel: str = "production") -> Manifest:
    env = Envelope.from_bytes(manifest_file(repo_dir, channel).read_bytes(), max_length=1 << 24,
                              what="manifest")
    return Manifest.from_payload(env.payload)


def prompt_blob(repo_dir: Path, name: str, channel: str = "production") -> Path:
    return blob_file(repo_dir, read_manifest(repo_dir, channel).prompts[name].sha256)


def flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset % len(data)] ^= 0x01
    path.write_bytes(bytes(data))


# --- crafted files, signed with real keys --------------------------------------------------------


def envelope_json(payload: bytes, payload_type: str, signatures: list[tuple[str, bytes]]) -> bytes:
    """An envelope file in canonical form, whatever its payload (for parser tests)."""
    return json.dumps({
        "payload": base64.b64encode(payload).decode(),
        "payloadType": payload_type,
        "signatures": [{"keyid": k, "sig": base64.b64encode(s).decode()} for k, s in signatures],
    }, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signed_payload(payload: bytes, payload_type: str, *keys: Any) -> bytes:
    """An envelope whose payload bytes are taken as given (even if the parser must refuse them)."""
    env = sign(payload_type, payload, keys)
    return env.to_bytes()


def pointer_payload(**fields: Any) -> dict[str, Any]:
    base = {"type": "pointer", "spec": 1, "project": "acme", "channel": "production",
            "version": 1, "release": 1, "manifest": {"sha256": "0" * 64, "length": 1},
            "issued": format_time(NOW), "expires": format_time(NOW + 30 * DAY)}
    base.update(fields)
    return base


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def write_pointer(repo_dir: Path, pointer: Pointer, *keys: Any, channel: str = "production") -> bytes:
    data = sign(POINTER_TYPE, pointer.to_payload(), keys).to_bytes()
    pointer_file(repo_dir, channel).write_bytes(data)
    return data


def write_manifest(repo_dir: Path, manifest: Manifest, *keys: Any) -> FileRef:
    data = sign(MANIFEST_TYPE, manifest.to_payload(), keys).to_bytes()
    ref = FileRef(hashlib.sha256(data).hexdigest(), len(data))
    blob_file(repo_dir, ref.sha256).write_bytes(data)
    return ref


def with_signatures(data: bytes, signatures: list[Signature]) -> bytes:
    env = Envelope.from_bytes(data, max_length=1 << 20, what="x")
    return Envelope(env.payload_type, env.payload, tuple(signatures)).to_bytes()
