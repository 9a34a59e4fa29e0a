"""Moving channels: promote a release, roll a channel back, and review pending releases.

    promote(dest, from_channel="staging", to_channel="production")   # what staging serves
    rollback(dest, "production", 3)           # a NEW pointer version at release 3's manifest
    renew(dest, "production")                 # the same release, a later expiry
    review = pending_review(dest, "production")   # the exact changes since the live release
    approve(review)  /  reject(review)

A channel whose root needs two signatures gets a pending pointer from the first signer; it moves
only when a reviewer approves. Approving signs exactly what was reviewed: if the proposal
changed in between, nothing is signed and the reviewer is asked to look again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from desktop.core.secrets import SecretsError
from storage.releases.errors import ChannelMoved, NothingPending
from storage.releases.keys import format_fingerprint
from storage.releases.metadata import format_time
from storage.releases.records import Pending, PublishResult, Release
from storage.releases.repository import CURRENT, Repository

from . import keys
from .changes import Kind, LiveRelease, PromptChange, compare, summary
from .destinations import normalise, open_repository
from .errors import ReleaseError
from .publishing import Published, _check_project


def _published(repo: Repository, destination: str, result: PublishResult,
               info: keys.KeyInfo | None) -> Published:
    release = repo.load_release(result.manifest)
    m = release.manifest
    return Published(destination, m.project, result, m.version_ids(), m.author, info, m.created)


def _moved(exc: ChannelMoved, repo: Repository, channel: str, doing: str) -> ReleaseError:
    state = repo.channel(channel, strict=False)
    now = (f"it now serves release {state.pointer.release}" if state.pointer
           else "it now has no release")
    return ReleaseError(f"Channel {channel} changed while you were {doing} ({now}); nothing was "
                        f"overwritten. Look at it again, then retry. ({exc})")


def _move_channel(destination: str, channel: str, key: str | keys.FileKey | None,
                  project: str | None, doing: str, move: Callable[[Any, Any], Any]) -> Published:
    """Sign a new pointer for `channel` with the user's key allowed for it: `move(repo, signer)`."""
    destination = normalise(destination)
    with open_repository(destination) as repo:
        project = _check_project(repo, destination, project)
        role = repo.root().channel_role(channel)
        info, private = keys.choose_signer(set(role.keyids), key,
                                           what=f"the {channel} channel of {project}")
        try:
            result = move(repo, private)
        except ChannelMoved as exc:
            raise _moved(exc, repo, channel, doing) from None
        return _published(repo, destination, result, info)


def promote(destination: str, *, release: int | None = None, from_channel: str = "staging",
            to_channel: str = "production", key: str | keys.FileKey | None = None,
            project: str | None = None, base: LiveRelease | None = None) -> Published:
    """Point `to_channel` at `release` (default: the one `from_channel` serves now)."""
    return _move_channel(destination, to_channel, key, project, "promoting", lambda repo, signer:
                         repo.promote(release, from_channel=from_channel, to_channel=to_channel,
                                      signer=signer, base=base.state if base else CURRENT))


def rollback(destination: str, channel: str, release: int, *,
             key: str | keys.FileKey | None = None, project: str | None = None,
             base: LiveRelease | None = None) -> Published:
    """Serve an earlier release on `channel` again (readers accept it: its pointer is newer)."""
    return _move_channel(destination, channel, key, project, "rolling back", lambda repo, signer:
                         repo.rollback(channel, release, signer=signer,
                                       base=base.state if base else CURRENT))


def renew(destination: str, channel: str, *, key: str | keys.FileKey | None = None,
          project: str | None = None) -> Published:
    """Re-sign the channel's live pointer with a later expiry (pointers expire after 90 days;
    readers then refuse them as a possible freeze attack, and keep their last good release)."""
    return _move_channel(destination, channel, key, project, "renewing",
                         lambda repo, signer: repo.renew(channel, signer=signer))


@dataclass(frozen=True)
class Review:
    """A release waiting on a channel for more signatures, and exactly what it would change."""

    destination: str
    project: str
    channel: str
    pending: Pending
    live: Release | None
    proposed: Release
    changes: list[PromptChange]
    signers: tuple[str, ...]  # who signed already, in words
    needed: int

    @property
    def release(self) -> int:
        return self.pending.pointer.release

    @property
    def signed(self) -> int:
        return len(self.pending.signed_by)

    def describe(self) -> str:
        m = self.proposed.manifest
        live = (f"Live on {self.channel} now: release {self.live.number}." if self.live
                else f"Nothing is live on {self.channel} yet.")
        lines = [
            f"Release {m.release} of {self.project} waits for approval on {self.channel}.",
            f"Published by {m.author or 'an unnamed author'} on {when(m.created)}; "
            f"signed by {self.signed} of {self.needed}: {', '.join(self.signers)}.",
            f"{live} This release: {summary(self.changes)}.",
        ]
        if m.notes:
            lines.append(f"Notes: {m.notes}")
        return "\n".join(lines)


def when(epoch: int) -> str:
    """"2026-11-26 10:36 UTC"."""
    return format_time(epoch).replace("T", " ")[:16] + " UTC"


def _signer_names(signed_by: tuple[str, ...]) -> tuple[str, ...]:
    try:
        mine = {k.fingerprint: k for k in keys.list_keys()}
    except (ReleaseError, SecretsError):  # no keychain (key files), or it refused: just say less
        mine = {}
    return tuple(mine[f].describe() if f in mine else f"key {format_fingerprint(f[:16])}…"
                 for f in signed_by)


def pending_review(destination: str, channel: str, *, project: str | None = None) -> Review:
    """The pending release on `channel` with every prompt compared to the live release."""
    destination = normalise(destination)
    with open_repository(destination) as repo:
        project = _check_project(repo, destination, project)
        pending = repo.pending(channel)
        if pending is None:
            raise NothingPending(f"Nothing waits for approval on {channel} in {destination}.")
        proposed = repo.load_release(pending.pointer.manifest)
        live = repo.load_release(pending.live.manifest) if pending.live else None
    changes = compare(live.prompts if live else None, proposed.prompts)
    return Review(destination, project, channel, pending, live, proposed, changes,
                  _signer_names(pending.signed_by), pending.needed)


def approve(review: Review, *, key: str | keys.FileKey | None = None) -> Published:
    """Co-sign exactly the reviewed release; it goes live once enough keys have signed."""
    with open_repository(review.destination) as repo:
        role = repo.root().channel_role(review.channel)
        info, private = keys.choose_signer(
            set(role.keyids), key, what=f"the {review.channel} channel of {review.project}",
            already_signed=set(review.pending.signed_by))
        try:
            result = repo.approve(review.channel, signer=private, reviewed=review.pending)
        except ChannelMoved as exc:
            raise ReleaseError(f"{exc}. Nothing was signed.") from None
        return _published(repo, review.destination, result, info)


def reject(review: Review) -> None:
    """Withdraw the reviewed pending release (only if it is still the one reviewed)."""
    with open_repository(review.destination) as repo:
        try:
            repo.reject(review.channel, reviewed=review.pending)
        except ChannelMoved as exc:
            raise ReleaseError(f"{exc}. Nothing was removed.") from None


def changed_prompts(review: Review) -> list[PromptChange]:
    """The prompts a reviewer has to read: everything but the unchanged ones."""
    return [c for c in review.changes if c.kind is not Kind.UNCHANGED]
