"""What a release changes, and rebasing a release on a channel that moved. Pure functions.

    compare(live, chosen) -> [PromptChange]   per prompt: added, changed, removed or unchanged
    rebase(seen, mine, now) -> (merged, conflicts)   my changes since `seen`, applied on `now`

A release is a whole set of prompts, so when someone else published while you prepared yours,
publishing your set unchanged would undo their work. Rebasing keeps every prompt you did not
touch as they published it, and applies what you changed; where you both changed one prompt
differently, yours is kept and the prompt is named as a conflict so the user decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from desktop.core.diff import ContentDiff, diff_contents
from storage.releases.content import PromptContent, version_id
from storage.releases.metadata import format_time
from storage.releases.records import ChannelState, Pending, Release


class Kind(StrEnum):
    ADDED = "added"
    CHANGED = "changed"
    REMOVED = "removed"
    UNCHANGED = "unchanged"


ORDER = {Kind.CHANGED: 0, Kind.ADDED: 1, Kind.REMOVED: 2, Kind.UNCHANGED: 3}


@dataclass(frozen=True, slots=True)
class PromptChange:
    """One prompt compared between the live release (old) and another (new)."""

    name: str
    kind: Kind
    old: PromptContent | None
    new: PromptContent | None

    @property
    def old_id(self) -> str | None:
        return version_id(self.old) if self.old is not None else None

    @property
    def new_id(self) -> str | None:
        return version_id(self.new) if self.new is not None else None

    def diff(self) -> ContentDiff | None:
        """The exact diff of a changed prompt (None when added, removed or unchanged)."""
        if self.old is None or self.new is None or self.kind is Kind.UNCHANGED:
            return None
        return diff_contents(self.old, self.new)


def compare(old: Mapping[str, PromptContent] | None,
            new: Mapping[str, PromptContent]) -> list[PromptChange]:
    """Every prompt of either side: changed first, then added, removed, unchanged; by name."""
    old = old or {}
    out = []
    for name in set(old) | set(new):
        a, b = old.get(name), new.get(name)
        if a is None:
            kind = Kind.ADDED
        elif b is None:
            kind = Kind.REMOVED
        elif version_id(a) == version_id(b):
            kind = Kind.UNCHANGED
        else:
            kind = Kind.CHANGED
        out.append(PromptChange(name, kind, a, b))
    out.sort(key=lambda c: (ORDER[c.kind], c.name))
    return out


def summary(changes: list[PromptChange]) -> str:
    """"2 changed, 1 added, 0 removed, 9 unchanged"."""
    count = {kind: 0 for kind in Kind}
    for change in changes:
        count[change.kind] += 1
    return (f"{count[Kind.CHANGED]} changed, {count[Kind.ADDED]} added, "
            f"{count[Kind.REMOVED]} removed, {count[Kind.UNCHANGED]} unchanged")


def is_noop(changes: list[PromptChange]) -> bool:
    return all(c.kind is Kind.UNCHANGED for c in changes)


def rebase(seen: Mapping[str, PromptContent], mine: Mapping[str, PromptContent],
           now: Mapping[str, PromptContent]) -> tuple[dict[str, PromptContent], tuple[str, ...]]:
    """Three-way merge of prompt sets: returns the merged set and the conflicting names."""
    ids = {side: {n: version_id(c) for n, c in m.items()}
           for side, m in (("seen", seen), ("mine", mine), ("now", now))}
    merged: dict[str, PromptContent] = {}
    conflicts = []
    for name in sorted(set(seen) | set(mine) | set(now)):
        base, ours, theirs = (ids[s].get(name) for s in ("seen", "mine", "now"))
        if ours == base:
            pick = now.get(name)  # I did not touch it: keep what they published
        elif theirs == base or theirs == ours:
            pick = mine.get(name)  # only I changed it (or we agree)
        else:
            pick = mine.get(name)
            conflicts.append(name)
        if pick is not None:
            merged[name] = pick
    return merged, tuple(conflicts)


@dataclass(frozen=True)
class LiveRelease:
    """A channel as read at one moment: its live release (with contents) and any proposal.

    `state` is the base a publish, promote or rollback passes on, so that a channel that moved
    meanwhile is noticed instead of overwritten."""

    destination: str
    project: str
    channel: str
    state: ChannelState
    release: Release | None
    channels: tuple[str, ...] = ()  # every channel the repository's root names
    any_channel: bool = False  # the root also accepts channels it does not name

    @property
    def number(self) -> int | None:
        return self.release.number if self.release else None

    @property
    def prompts(self) -> dict[str, PromptContent]:
        return dict(self.release.prompts) if self.release else {}

    @property
    def pending(self) -> Pending | None:
        return self.state.pending

    def describe(self) -> str:
        if self.release is None:
            return f"{self.channel} has no release yet"
        m = self.release.manifest
        who = f" by {m.author}" if m.author else ""
        return (f"{self.channel} serves release {m.release} ({len(m.prompts)} prompt"
                f"{'s' if len(m.prompts) != 1 else ''}{who}, {format_time(m.created)[:10]})")


@dataclass(frozen=True)
class Moved:
    """The channel moved while the user prepared a release: what moved, and the way on."""

    seen: LiveRelease  # what the user's release was based on
    now: LiveRelease  # the channel now
    mine: Mapping[str, PromptContent] = field(repr=False)
    theirs: tuple[PromptChange, ...]  # from `seen` to `now`: what the other person published
    rebased: Mapping[str, PromptContent] = field(repr=False)  # mine, on top of `now`
    conflicts: tuple[str, ...]

    @classmethod
    def between(cls, seen: LiveRelease, now: LiveRelease,
                mine: Mapping[str, PromptContent]) -> "Moved":
        theirs = tuple(c for c in compare(seen.prompts, now.prompts)
                       if c.kind is not Kind.UNCHANGED)
        rebased, conflicts = rebase(seen.prompts, mine, now.prompts)
        return cls(seen, now, dict(mine), theirs, rebased, conflicts)

    @property
    def result(self) -> list[PromptChange]:
        """What publishing the rebased release would change on the channel now."""
        return compare(self.now.prompts, self.rebased)

    def describe(self) -> str:
        now = self.now
        author = now.release.manifest.author if now.release else ""
        if now.release is None:
            head = f"The release on {now.channel} was withdrawn while you prepared yours."
        else:
            head = (f"{author or 'Someone'} published release {now.number} to {now.channel} "
                    "while you prepared yours.")
        lines = [head + " Nothing was overwritten."]
        if self.theirs:
            lines.append("They changed: " + ", ".join(
                f"{c.name} ({c.kind.value})" for c in self.theirs[:8])
                + (f" and {len(self.theirs) - 8} more" if len(self.theirs) > 8 else "") + ".")
        if self.conflicts:
            lines.append("You both changed " + ", ".join(self.conflicts)
                         + ": publishing on top keeps your version of "
                         + ("it." if len(self.conflicts) == 1 else "them."))
        lines.append(f"Publishing on top of it: {summary(self.result)}.")
        return "\n".join(lines)
