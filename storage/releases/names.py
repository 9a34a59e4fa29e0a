"""Names and the repository layout.

Prompt names are keys in a manifest, never file names, but engineers and the app's import write
them to disk and into URLs, so anything that could climb out of a folder or change a URL is
refused: `..`, absolute paths, backslashes, drive letters, `?`, `#`, `%`, control characters.

Layout (relative paths with forward slashes, the same on a folder and over HTTP):

    root/<N>.root.json               one per root version
    blobs/sha256/<hex>               immutable, content-addressed (prompt versions and manifests)
    packs/sha256/<manifest hex>      a manifest's prompt blobs concatenated in name order (optional)
    channels/<channel>.json          the only file that is replaced: the channel pointer
    channels/<channel>.pending.json  a pointer waiting for more signatures
    releases/index.json              signed list of releases, for browsing (the reader ignores it)
"""

from __future__ import annotations

import re

from .errors import MalformedError, UnsafeNameError

MAX_PROMPT_NAME = 200
_SEGMENT = re.compile(r"^[\w][\w.\- ]*\Z")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}\Z")
_SHA256 = re.compile(r"^[0-9a-f]{64}\Z")
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                     *(f"lpt{i}" for i in range(10))}

INDEX_PATH = "releases/index.json"


def check_prompt_name(name: object) -> str:
    """A prompt name with folders (`support/summarize-call`), safe as a path and in a URL."""
    if not isinstance(name, str) or not name:
        raise UnsafeNameError("a prompt name must be non-empty text")
    if len(name) > MAX_PROMPT_NAME:
        raise UnsafeNameError(f"prompt name {name[:40]!r}... is longer than {MAX_PROMPT_NAME}")
    if name.startswith("/") or "\\" in name or ":" in name:
        raise UnsafeNameError(
            f"prompt name {name!r} is not allowed: no leading '/', backslash or ':'"
        )
    for segment in name.split("/"):
        if segment in ("", ".", ".."):
            raise UnsafeNameError(f"prompt name {name!r} has an empty, '.' or '..' folder")
        if not _SEGMENT.match(segment) or segment.endswith((" ", ".")):
            raise UnsafeNameError(
                f"prompt name {name!r} is not allowed: use letters, digits, '_', '-', '.', spaces "
                "and '/' between folders (no '?', '#', '%' or control characters)"
            )
        if segment.split(".")[0].lower() in _WINDOWS_RESERVED:
            raise UnsafeNameError(f"prompt name {name!r} uses a name Windows reserves")
    return name


def check_channel(name: object) -> str:
    if not isinstance(name, str) or not _SLUG.match(name):
        raise UnsafeNameError(
            f"channel name {name!r} is not allowed: use 1-63 lowercase letters, digits, '-', '_'"
        )
    return name


def check_project(name: object) -> str:
    if not isinstance(name, str) or not _SLUG.match(name):
        raise UnsafeNameError(
            f"project name {name!r} is not allowed: use 1-63 lowercase letters, digits, '-', '_'"
        )
    return name


def is_sha256(value: str) -> bool:
    return _SHA256.match(value) is not None


def check_sha256(value: object, where: str) -> str:
    if not isinstance(value, str) or not _SHA256.match(value):
        raise MalformedError(f"{where} must be a sha256: 64 lowercase hex digits")
    return value


def root_path(version: int) -> str:
    return f"root/{int(version)}.root.json"


def blob_path(sha256: str) -> str:
    return f"blobs/sha256/{check_sha256(sha256, 'blob hash')}"


def pack_path(manifest_sha256: str) -> str:
    """All prompt blobs of one manifest back to back, in name order: one read instead of one
    per prompt. Unsigned: the reader checks every slice against the manifest's hashes."""
    return f"packs/sha256/{check_sha256(manifest_sha256, 'manifest hash')}"


def pointer_path(channel: str) -> str:
    return f"channels/{check_channel(channel)}.json"


def pending_path(channel: str) -> str:
    return f"channels/{check_channel(channel)}.pending.json"
