"""Prompt names and version references: what a user may type, and the error they can fix."""

from __future__ import annotations

import re
import unicodedata

HEX = re.compile(r"[0-9a-f]{4,64}")


class PromptError(Exception):
    """A request about prompts the user can fix (unknown name, ambiguous version...)."""


def validate_prompt_name(name: str) -> str:
    """Names are paths of folders: "support/summarize-call". Returns the name or raises."""
    if not name or not name.strip():
        raise PromptError("A prompt needs a name.")
    if name != name.strip():
        raise PromptError(f"The name {name!r} starts or ends with a space; remove it.")
    if "@" in name:
        raise PromptError(f"The name {name!r} contains '@', which separates a name from a version.")
    if "\\" in name:
        raise PromptError(f"The name {name!r} contains a backslash; use '/' between folders.")
    for ch in name:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            raise PromptError(f"The name {name!r} contains an invisible or control character.")
    for part in name.split("/"):
        if part in ("", ".", ".."):
            raise PromptError(
                f"The name {name!r} has an empty or '.'/'..' folder; write it like 'folder/name'."
            )
        if part != part.strip():
            raise PromptError(f"A folder or name in {name!r} starts or ends with a space.")
    return name


def split_ref(ref: str) -> tuple[str, str | None]:
    """"name@abc123" -> ("name", "abc123"); "name" -> ("name", None)."""
    name, sep, version = ref.rpartition("@")
    if not sep:
        return ref, None
    return name, version
