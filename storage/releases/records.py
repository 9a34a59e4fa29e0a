"""What the publisher hands back: results, channel states, pending pointers, release listings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .content import PromptContent
from .envelope import Envelope
from .metadata import FileRef, Manifest, Pointer
from .verify import SignedPointer


@dataclass(frozen=True, slots=True)
class Changes:
    """What a release changes compared with another: name -> version id."""

    added: Mapping[str, str] = field(default_factory=dict)
    removed: Mapping[str, str] = field(default_factory=dict)
    changed: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # name -> (old, new)
    unchanged: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def summary(self) -> str:
        parts = [f"{len(self.added)} added", f"{len(self.changed)} changed",
                 f"{len(self.removed)} removed", f"{len(self.unchanged)} unchanged"]
        return ", ".join(parts)


def diff(old: Manifest | None, new: Manifest) -> Changes:
    before = old.version_ids() if old else {}
    after = new.version_ids()
    return Changes(
        added={n: v for n, v in after.items() if n not in before},
        removed={n: v for n, v in before.items() if n not in after},
        changed={n: (before[n], v) for n, v in after.items() if n in before and before[n] != v},
        unchanged=tuple(sorted(n for n, v in after.items() if before.get(n) == v)),
    )


@dataclass(frozen=True, slots=True)
class PublishResult:
    channel: str
    release: int
    manifest: FileRef
    pointer_version: int
    pending: bool  # True: written as a pending pointer that needs more signatures
    changed: bool  # False: the channel (or its pending pointer) already held exactly this
    blobs_written: int = 0
    signatures: int = 0
    needed: int = 1

    def describe(self) -> str:
        if not self.changed:
            return f"{self.channel} already has release {self.release}; nothing to do"
        if self.pending:
            return (f"release {self.release} waits for approval on {self.channel} "
                    f"({self.signatures} of {self.needed} signatures)")
        return f"{self.channel} now serves release {self.release} (pointer v{self.pointer_version})"


@dataclass(frozen=True, slots=True)
class Pending:
    """A pointer waiting for more signatures, with what it would change on the live channel."""

    channel: str
    pointer: Pointer
    envelope: Envelope
    data: bytes
    signed_by: tuple[str, ...]
    needed: int
    manifest: Manifest
    live: Pointer | None
    changes: Changes


@dataclass(frozen=True, slots=True)
class ChannelState:
    channel: str
    current: SignedPointer | None
    pending: Pending | None = None
    pending_data: bytes | None = None  # the pending file's bytes, even if it did not verify

    @property
    def pointer(self) -> Pointer | None:
        return self.current.pointer if self.current else None

    @property
    def version(self) -> int:
        return self.current.pointer.version if self.current else 0


@dataclass(frozen=True, slots=True)
class ReleaseInfo:
    """One release for browsing: who, when, which channels point at it or wait to."""

    release: int
    manifest: FileRef
    created: int
    author: str
    prompts: int
    channels: tuple[str, ...] = ()
    pending_on: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Release:
    """A verified release with its prompt contents, e.g. for importing into local history."""

    manifest: Manifest
    ref: FileRef
    prompts: Mapping[str, PromptContent]

    @property
    def number(self) -> int:
        return self.manifest.release
