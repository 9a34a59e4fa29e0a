"""Release operations on the workspace's side: what can be published, the record of what was
published where, pulling a release into the history. Signing and the repository itself are
`desktop.core.releases`; those calls touch the network or the keychain, so the app runs them
on its own threads, and these (SQLite) on the writer."""

from __future__ import annotations

from desktop.core import releases as core
from desktop.core.identity import author_name
from storage.workspace.db import Workspace

from . import Changes


def publishable(workspace: Workspace):
    """(catalog, {version pk: choice} of the current versions, recent destinations)."""
    with workspace.session() as session:
        catalog = core.catalog(session)
        pks = [p.current_pk for p in catalog if p.current_pk is not None]
        choices = {c.version_pk: c for c in core.choose_versions(session, pks)}
        recent = core.recent_destinations(session)
    return catalog, choices, recent


def choose_versions(workspace: Workspace, pks: list[int]):
    with workspace.session() as session:
        return core.choose_versions(session, pks)


def recent_destinations(workspace: Workspace) -> list[str]:
    with workspace.session() as session:
        return core.recent_destinations(session)


def record(workspace: Workspace, published) -> Changes:
    """Note in the workspace what was published (or moved) where, for the history panel."""
    with workspace.session() as session:
        core.record(session, published)
    return Changes(releases=True)


def pull(workspace: Workspace, release, source: str, channels: tuple[str, ...]) -> Changes:
    """Save each prompt of a release as a version here. `value`: the PullOutcome."""
    with workspace.session() as session:
        outcome = core.pull(session, release, source, author=author_name(), channels=channels)
    return Changes(outcome.describe(), prompts=frozenset(name for name, _ in outcome.added),
                   releases=True, value=outcome)


def expiring(destinations: list[str], *, within_days: float | None = None) -> list:
    """Live releases, in these repositories, that readers will soon refuse (or already do):
    [Expiry], soonest first. A repository that cannot be read now is skipped (offline, say):
    this is a reminder, not a check. Reads the network or shared folders: run it in a thread."""
    from desktop.core.releases import channels
    from desktop.core.releases.errors import RELEASE_USER_ERRORS

    days = channels.RENEW_WARNING_DAYS if within_days is None else within_days
    found = []
    for destination in destinations:
        try:
            found += channels.expiring_channels(destination, within_days=days)
        except (*RELEASE_USER_ERRORS, OSError):  # unreachable, not a repository any more
            continue
    return sorted(found, key=lambda e: e.expires)
