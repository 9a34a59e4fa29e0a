"""Moving channels: promote a release, roll a channel back, and review pending releases.

    promote(dest, from_channel="staging", to_channel="production")   # what staging serves
    rollback(dest, "production", 3)           # a NEW pointer version at release 3's manifest
    renew(dest, "production")                 # the same release, a later expiry
    expiring_channels(dest, within_days=4)    # live releases readers will soon refuse
    review = pending_review(dest, "production")   # the exact changes since the live release
    approve(review)  /  reject(review)

Pointers expire (production after 14 days, other channels after 90; `pointer_lifetime`), and
readers then refuse them as a possible freeze attack: `expiring_channels` says which channels
to renew, so the app can warn the author before readers notice.

A channel whose root needs two signatures gets a pending pointer from the first signer; it moves
only when a reviewer approves. Approving signs exactly what was reviewed: if the proposal
changed in between, nothing is signed and the reviewer is asked to look again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from desktop.core.secrets import SecretsError
from storage.releases.errors import ChannelMoved, NothingPending
from storage.releases.keys import format_fingerprint
from storage.releases.metadata import format_time
from storage.releases.records import Pending, PublishResult, Release
from storage.releases.repository import CURRENT, Repository, pointer_lifetime

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
    """Re-sign the channel's live pointer with a later expiry: `pointer_lifetime(channel)` from
    now (14 days for production, 90 for other channels). Expired pointers are refused by
    readers as a possible freeze attack; they keep their last good release, for a while."""
    return _move_channel(destination, channel, key, project, "renewing",
                         lambda repo, signer: repo.renew(channel, signer=signer))


DAY = 86_400
RENEW_WARNING_DAYS = 4  # how early the app warns that a live release is about to expire


@dataclass(frozen=True, slots=True)
class Expiry:
    """When readers stop accepting a channel's live release, as read at `now`."""

    destination: str
    project: str
    channel: str
    release: int
    expires: int  # epoch seconds
    now: int  # epoch seconds, when this was read
    lifetime: int  # seconds a renewal gives (pointer_lifetime(channel))

    @property
    def seconds_left(self) -> int:
        return self.expires - self.now

    @property
    def expired(self) -> bool:
        return self.seconds_left <= 0

    def within(self, days: float) -> bool:
        """Does it expire within `days` days (or has it expired already)?"""
        return self.seconds_left <= days * DAY

    def in_words(self) -> str:
        """'expires on 12 Dec 2026 (in 3 days)' or 'expired on …', for a sentence."""
        left = self.seconds_left
        if left <= 0:
            return f"expired on {when(self.expires)}"
        days = left // DAY
        soon = (f"in {days} day{'s' if days != 1 else ''}" if days
                else f"in {max(1, left // 3600)} hour{'s' if left >= 7200 else ''}")
        return f"expires on {when(self.expires)} ({soon})"

    def describe(self) -> str:
        left = self.seconds_left
        if left <= 0:
            state = (f"expired on {when(self.expires)}: readers refuse it and keep serving "
                     "their last good copy, if they have one")
        else:
            days = left // DAY
            soon = (f"in {days} day{'s' if days != 1 else ''}" if days
                    else f"in {max(1, left // 3600)} hour{'s' if left >= 7200 else ''}")
            state = f"expires on {when(self.expires)} ({soon}); readers then refuse it"
        return (f"Release {self.release} on {self.channel} of {self.project} {state}. Renew it "
                f"for {self.lifetime // DAY} more days: `promptpress release renew --to "
                f"{self.destination} --channel {self.channel}`.")


def channel_expiry(destination: str, channel: str, *, project: str | None = None,
                   now: int | None = None) -> Expiry | None:
    """When `channel`'s live release expires; None when nothing is live there."""
    destination = normalise(destination)
    with open_repository(destination) as repo:
        project = _check_project(repo, destination, project)
        return _expiry(repo, destination, project, channel, _now(now))


def expiring_channels(destination: str, *, within_days: float = RENEW_WARNING_DAYS,
                      project: str | None = None, now: int | None = None) -> list[Expiry]:
    """The channels whose live release expires within `within_days` days or has expired,
    soonest first: what the app warns the author about (and offers to renew)."""
    destination = normalise(destination)
    moment = _now(now)
    with open_repository(destination) as repo:
        project = _check_project(repo, destination, project)
        found = [_expiry(repo, destination, project, channel, moment)
                 for channel in repo.root().named_channels]
    return sorted((e for e in found if e is not None and e.within(within_days)),
                  key=lambda e: (e.expires, e.channel))


def _expiry(repo: Repository, destination: str, project: str, channel: str,
            now: int) -> Expiry | None:
    pointer = repo.channel(channel, strict=False).pointer
    if pointer is None:
        return None
    return Expiry(destination, project, channel, pointer.release, pointer.expires, now,
                  pointer_lifetime(channel))


def _now(now: int | None) -> int:
    return int(time.time()) if now is None else int(now)


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
