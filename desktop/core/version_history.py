"""A prompt's version history for the history panel and the CLI; restore, fork and diff.

    version_history(session, "support/greet") -> [HistoryEntry, ...]   newest first, no content
    restore(session, "support/greet@3f2a", author=...) -> RestoreOutcome
    fork(session, "support/greet@3f2a") -> DraftSeed          content + base for a new draft tab
    diff(session, "greet@3f2a", "greet@9c1d") -> ContentDiff   B defaults to the current version

Restoring makes an old version current again; it cannot copy it, because a version is its
content (see `storage.workspace.prompts.events`). The history shows it as a "restored"
row whose parent is the version that was current before, message "Restored from <id>".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.releases.content import PromptContent
from storage.workspace import prompts as repo
from storage.workspace import release_log
from storage.workspace import runs as run_repo
from storage.workspace.db import Session

from .diff import ContentDiff, diff_contents


@dataclass(frozen=True, slots=True)
class ReleaseRef:
    """A release that includes a version: where and on which channel it was published."""

    project: str
    number: int
    channel: str
    destination: str
    published_at: datetime


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One row of the history panel."""

    kind: str  # "saved", "restored", "renamed", "deleted", "undeleted"
    version_id: str | None
    author: str
    time: datetime
    message: str
    parent_id: str | None
    is_current: bool
    releases: tuple[ReleaseRef, ...] = ()
    score: float | None = None  # mean score of the latest run that scored this version
    scored_cases: int = 0

    @property
    def short_id(self) -> str:
        return (self.version_id or "")[:12]


def version_history(session: Session, name: str, *, releases: bool = True,
                    scores: bool = True, limit: int | None = None) -> list[HistoryEntry]:
    """Every version and event of a prompt, newest first, with its releases and latest score;
    with `limit`, the first rows of that list (the newest `limit` versions and their events)."""
    prompt = repo.require_prompt(session, name)
    rows = repo.history_rows(session, prompt, limit=limit)
    names = {prompt.name} | {r.detail.get("from") for r in rows if r.kind == "renamed"}
    published = _releases(session, names - {None}) if releases else {}
    scored = run_repo.version_scores(session, prompt.id) if scores else {}
    out = []
    for row in rows:
        refs = tuple(published.get(row.version_id, ())) if row.kind == "saved" else ()
        score, cases = scored.get(row.version_pk, (None, 0)) if row.kind == "saved" else (None, 0)
        out.append(HistoryEntry(row.kind, row.version_id, row.author, row.created_at,
                                row.message, row.parent_id, row.is_current, refs, score, cases))
    return out


def _releases(session: Session, names: set[str]) -> dict[str, list[ReleaseRef]]:
    out: dict[str, list[ReleaseRef]] = {}
    for release in release_log.releases_newest_first(session):
        for name, vid in (release.prompts or {}).items():
            if name in names and isinstance(vid, str):
                out.setdefault(vid, []).append(ReleaseRef(
                    release.project, release.number, release.channel, release.destination,
                    release.published_at))
    return out


@dataclass(frozen=True, slots=True)
class DraftSeed:
    """What a new editor tab needs to fork a version: its content and the version it is based
    on (the parent of whatever the draft is saved as)."""

    prompt_name: str
    description: str
    content: PromptContent
    base_version_id: str
    base_version_pk: int


def fork(session: Session, ref: str) -> DraftSeed:
    """Open any version as the start of a new draft whose parent is that version."""
    version = repo.resolve(session, ref)
    prompt = version.prompt
    return DraftSeed(prompt.name, prompt.description, repo.content_of(version),
                     version.version_id, version.pk)


def restore(session: Session, ref: str, *, author: str = "",
            message: str = "") -> repo.RestoreOutcome:
    """Make NAME@VERSION the prompt's current version again (recorded in its history)."""
    version = repo.resolve(session, ref)
    return repo.restore_version(session, version, author=author, message=message)


def diff(session: Session, ref_a: str, ref_b: str | None = None) -> ContentDiff:
    """Compare two versions; with one, compare it with its prompt's current version."""
    a = repo.resolve(session, ref_a)
    if ref_b is None:
        b = repo.latest_version(session, a.prompt)
    else:
        name_b, wanted = repo.split_ref(ref_b)
        if not name_b and wanted is not None:  # "@abcd": same prompt as A
            ref_b = f"{a.prompt.name}@{wanted}"
        elif wanted is None and repo.get_prompt(session, ref_b) is None:
            ref_b = f"{a.prompt.name}@{ref_b}"  # a bare id: a version of A's prompt
        b = repo.resolve(session, ref_b)
    return diff_contents(repo.content_of(a), repo.content_of(b))
