"""Browsing a repository's releases and pulling one into the local history.

    listing = list_releases(source)          # who, when, which channel, how many prompts
    release = fetch_release(source, 4)       # its prompts, every hash checked
    outcome = pull(session, release, source, author=author_name())

Pulling saves each prompt of the release as a version ("Pulled from release 4 of acme"); a
version the workspace already has is left as it is, so pulling twice adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.releases.metadata import format_time
from storage.releases.records import Release, ReleaseInfo
from storage.workspace import prompts as repo_prompts
from storage.workspace.db import Session

from .destinations import normalise, open_repository
from .records import record_release


@dataclass(frozen=True, slots=True)
class ChannelLine:
    channel: str
    release: int | None
    pointer_version: int
    expires: int | None
    pending_release: int | None = None
    pending_signatures: tuple[int, int] | None = None  # (signed, needed)
    problem: str | None = None

    def describe(self) -> str:
        if self.problem:
            return f"{self.channel}: {self.problem}"
        text = (f"{self.channel}: release {self.release}" if self.release is not None
                else f"{self.channel}: no release yet")
        if self.pending_release is not None and self.pending_signatures:
            signed, needed = self.pending_signatures
            text += f" (release {self.pending_release} waits for approval, {signed} of {needed})"
        return text


@dataclass(frozen=True)
class Listing:
    source: str
    project: str
    root_version: int
    channels: tuple[ChannelLine, ...]
    releases: tuple[ReleaseInfo, ...]  # newest first


@dataclass(frozen=True, slots=True)
class RepositoryInfo:
    destination: str
    project: str
    channels: tuple[str, ...]
    any_channel: bool  # the root accepts channels it does not name
    root_version: int


def repository_info(destination: str) -> RepositoryInfo:
    """Which project and channels the repository at `destination` has (its root, verified)."""
    from storage.releases.metadata import ANY_CHANNEL

    destination = normalise(destination)
    with open_repository(destination) as repo:
        root = repo.root()
    return RepositoryInfo(destination, root.project, root.named_channels,
                          ANY_CHANNEL in root.channels, root.version)


def list_releases(source: str) -> Listing:
    """Every release of the repository at `source`, and what each channel serves."""
    from storage.releases.errors import PublishError, VerificationError

    source = normalise(source)
    with open_repository(source) as repo:
        root = repo.root()
        lines = []
        for channel in root.named_channels:
            try:
                state = repo.channel(channel, strict=False)
            except (PublishError, VerificationError) as exc:
                lines.append(ChannelLine(channel, None, 0, None, problem=f"unreadable ({exc})"))
                continue
            p, pending = state.pointer, state.pending
            lines.append(ChannelLine(
                channel, p.release if p else None, state.version, p.expires if p else None,
                pending.pointer.release if pending else None,
                (len(pending.signed_by), pending.needed) if pending else None))
        releases = tuple(repo.releases())
    return Listing(source, root.project, root.version, tuple(lines), releases)


def describe_release(info: ReleaseInfo) -> str:
    where = ", ".join(info.channels) or "no channel"
    if info.pending_on:
        where += f"; waits for approval on {', '.join(info.pending_on)}"
    return (f"release {info.release}: {info.prompts} prompt{'s' if info.prompts != 1 else ''}, "
            f"by {info.author or 'unknown'} on {format_time(info.created)} ({where})")


def fetch_release(source: str, number: int) -> Release:
    """A release's manifest and every prompt's content, verified."""
    with open_repository(normalise(source)) as repo:
        return repo.load_release(number)


def root_file(source: str) -> bytes:
    """The repository's first root file: what engineers pin for their reader."""
    with open_repository(normalise(source)) as repo:
        return repo.root_bytes()


@dataclass(frozen=True)
class PullOutcome:
    project: str
    release: int
    added: tuple[tuple[str, str], ...]  # (name, version id) saved now
    present: tuple[tuple[str, str], ...]  # already in the history

    def describe(self) -> str:
        added, present = len(self.added), len(self.present)
        if not added:
            return (f"Every prompt of release {self.release} of {self.project} is already in "
                    "your history; nothing was added.")
        text = (f"Pulled release {self.release} of {self.project}: {added} version"
                f"{'s' if added != 1 else ''} added to your history")
        if present:
            text += f", {present} already there"
        return text + "."


def pull(session: Session, release: Release, source: str, *, author: str = "",
         channels: tuple[str, ...] = ()) -> PullOutcome:
    """Save every prompt of `release` as a version in this workspace (identical ones exist
    once), and remember the release."""
    m = release.manifest
    message = f"Pulled from release {m.release} of {m.project}"
    added, present = [], []
    for name in sorted(release.prompts):
        outcome = repo_prompts.save_version(session, name, release.prompts[name],
                                            message=message, author=author or m.author)
        entry = (name, outcome.version.version_id)
        (added if outcome.created else present).append(entry)
    record_release(session, destination=normalise(source), project=m.project, number=m.release,
                   channels=channels, manifest_sha256=release.ref.sha256,
                   prompts=m.version_ids(), author=m.author, created=m.created)
    return PullOutcome(m.project, m.release, tuple(added), tuple(present))
