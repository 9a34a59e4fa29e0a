"""Workspace operations: what a window shows when it opens, prompt files in and out, backups."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop.core import providers as core_providers
from desktop.core.identity import author_name
from storage.workspace import backup as backups
from storage.workspace import compact as compacting
from storage.workspace import drafts as draft_repo
from storage.workspace import prompts as repo
from storage.workspace import testsets
from storage.workspace.db import Workspace

from . import Changes

BackupCancelled = backups.BackupCancelled

FILL_ROWS = 30  # cases per test set offered in the playground's "fill values" menu


@dataclass(frozen=True)
class PromptEntry:
    """What the prompt list knows of a prompt."""

    name: str
    description: str = ""
    versions: int = 0
    latest_id: str | None = None
    text: str = ""  # the latest version's messages, for search
    draft: bool = False  # open in a tab, never saved as a version yet


@dataclass(frozen=True)
class Opened:
    """Everything the workspace window shows when it opens."""

    entries: list[PromptEntry]
    folders: list[str]
    drafts: list[draft_repo.DraftRecord]
    providers: list
    test_sets: list[tuple[str, list[tuple[int, dict]]]]


def prompt_list(workspace: Workspace) -> tuple[list[PromptEntry], list[str]]:
    """Prompts with the text of their latest version, and the folders made on purpose."""
    with workspace.session() as session:
        entries = []
        for summary, stored in repo.list_prompts_with_content(session):
            text = ""
            if stored:
                try:  # the messages' texts only: plain JSON, not the whole PromptContent
                    text = "\n".join(m["content"] for m in json.loads(stored)["messages"])
                except Exception:  # an unreadable version must not hide the prompt
                    text = ""
            entries.append(PromptEntry(summary.name, summary.description, summary.versions,
                                       summary.latest_id, text))
        folders = repo.explicit_folders(session)
    return entries, folders


def open_workspace_view(workspace: Workspace) -> Opened:
    entries, folders = prompt_list(workspace)
    with workspace.session() as session:
        drafts = draft_repo.open_drafts(session)
        fill = testsets.first_rows(session, FILL_ROWS)
    return Opened(entries, folders, drafts, core_providers.list_providers(workspace), fill)


def import_files(workspace: Workspace, paths: list[str | os.PathLike[str]], *,
                 into: str = "", dry_run: bool = False) -> Changes:
    """Import prompt files and folders (ours, Humanloop, Dotprompt, Prompty); nothing is
    overwritten. `value`: the ImportReport."""
    from desktop.core.exchange import import_paths

    report = import_paths(workspace, [Path(p) for p in paths], into=into, author=author_name(),
                          dry_run=dry_run)
    names = frozenset() if dry_run else frozenset(
        f.name for f in report.files if getattr(f, "name", None) and f.status != "failed")
    return Changes(f"Imported from {len(report.files)} file(s). Nothing was overwritten.",
                   prompts=names, value=report)


def export(workspace: Workspace, directory: str | os.PathLike[str],
           names: list[str] | None = None, *, overwrite: bool = False) -> Changes:
    """Every prompt (or `names`) with its history as files in `directory`."""
    from desktop.core.exchange import export_prompts

    with workspace.session() as session:
        report = export_prompts(session, Path(directory), names, overwrite=overwrite)
    count = len(getattr(report, "prompts", []) or [])
    return Changes(f"Exported {count} prompt(s) with their history to {directory}.",
                   value=report)


def back_up(workspace: Workspace, target: str | os.PathLike[str], *,
            overwrite: bool = True, progress: backups.Progress | None = None,
            cancelled: Callable[[], bool] | None = None) -> Changes:
    """A consistent copy of the workspace file, taken while it is in use (the app's writes go
    on meanwhile); `progress(copied, total)` in bytes, `cancelled()` stops it."""
    info = backups.backup_workspace(workspace, Path(target), overwrite=overwrite,
                                    progress=progress, cancelled=cancelled)
    return Changes(f"Backed up the workspace to {target} ({compacting.megabytes(info.size)}).",
                   value=info)


def worth_compacting(info: backups.BackupInfo) -> bool:
    """Whether the free space a backup found is worth a Compact (a tenth of the file, 5 MB+)."""
    return info.reclaimable >= 5_000_000 and info.reclaimable * 10 >= info.size


def compact(workspace: Workspace, *, cancelled=lambda: False) -> Changes:
    """VACUUM the workspace (File → Compact Workspace…); says how much was freed."""
    info = compacting.compact_workspace(workspace, cancelled=cancelled)
    return Changes(f"Compacted the workspace: {compacting.megabytes(info.before)} → "
                   f"{compacting.megabytes(info.after)}, {compacting.megabytes(info.freed)} "
                   "freed.", value=info)


def restore(backup: str | os.PathLike[str], target: str | os.PathLike[str]) -> Changes:
    """Put a backup in place of the (closed) workspace `target`, keeping the replaced file."""
    info = backups.restore_workspace(backup, target)
    kept = f"; the replaced file is kept as {info.kept.name}" if info.kept else ""
    return Changes(f"Restored from {Path(backup).name}{kept}.", prompts=frozenset(),
                   value=info)


@dataclass(frozen=True)
class Progress:
    """How far a newcomer has come, for the Getting started guide."""

    providers: int
    runs: int
    releases: int


def progress(workspace: Workspace) -> Progress:
    """Counts only what the person did: a sample workspace's own runs, releases and providers
    are left out."""
    from storage.workspace import release_log
    from storage.workspace import runs as run_repo

    from .sample import premade

    made = premade(workspace.path)
    with workspace.session() as session:
        runs = [r for r in run_repo.list_runs(session, limit=len(made.runs) + 1)
                if r.id not in made.runs]
        releases = len(release_log.releases_newest_first(session)) - made.releases
    providers = [p for p in core_providers.list_providers(workspace)
                 if p.name not in made.providers]
    return Progress(len(providers), len(runs), releases)


def copy_sample(dest: str | os.PathLike[str], *, fresh: bool = False) -> Path:
    """The sample workspace in folder `dest`, built there once (see `ops.sample`)."""
    from .sample import copy_sample as build

    return build(Path(dest), fresh=fresh)
