"""`promptpress prompt diff|export|import|restore|rename|move|delete|undelete|trash|search|folder`
and `promptpress workspace backup|restore`. Argument definitions: `versions_args`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from desktop.core import version_history
from desktop.core.diff import render_terminal
from desktop.core.errors import UserError
from desktop.core.exchange import export_prompts, import_paths
from desktop.core.identity import author_name
from storage.workspace import backup as backups
from storage.workspace import prompts as repo
from storage.workspace.db import default_workspace_path

from .common import open_workspace, print_table, write_text


def handler(args: argparse.Namespace) -> Callable[[argparse.Namespace], int]:
    return HANDLERS[(args.command, args.action)]


def _use_color(choice: str) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


def cmd_diff(args: argparse.Namespace) -> int:
    with open_workspace(args) as workspace, workspace.session() as session:
        result = version_history.diff(session, args.a, args.b)
    write_text(render_terminal(result, _use_color(args.color)))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    if args.all and args.names:
        raise UserError("Give prompt or folder names, or --all, not both.")
    if not args.all and not args.names:
        raise UserError("Say what to export: prompt or folder names, or --all.")
    with open_workspace(args) as workspace, workspace.session() as session:
        report = export_prompts(session, args.to, None if args.all else args.names,
                                overwrite=args.overwrite)
    for item in report.prompts:
        state = "written " if item.written else "same    "
        print(f"{state} {item.prompt_file}  ({item.versions} version"
              f"{'s' if item.versions != 1 else ''}, current {item.current[:12]})")
    for name in report.empty:
        print(f"skipped  {name}: no saved version yet")
    print(f"Exported {len(report.prompts)} prompt(s), {report.versions} version(s), to "
          f"{report.target}.")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    with open_workspace(args) as workspace:
        report = import_paths(workspace, args.paths, into=args.into, author=author_name(),
                              dry_run=args.dry_run)
    for item in report.files:
        for line in item.lines():
            print(line)
    prompts = len([f for f in report.files if f.status in ("imported", "unchanged")])
    verb = "Would import" if report.dry_run else "Imported"
    print(f"{verb} {report.added} version(s) into {prompts} prompt(s)"
          + (f"; {len(report.failed)} file(s) could not be imported." if report.failed else ".")
          + (" Nothing was changed (--dry-run)." if report.dry_run else ""))
    return 1 if report.failed else 0


def cmd_prompt_restore(args: argparse.Namespace) -> int:
    with open_workspace(args) as workspace, workspace.session() as session:
        outcome = version_history.restore(session, args.ref, author=author_name(), message=args.message)
        name = outcome.version.prompt.name
        vid = outcome.version.version_id
        previous = outcome.previous.version_id if outcome.previous else None
    if not outcome.changed:
        print(f"{vid[:12]} already is the current version of {name}; nothing changed.",
              file=sys.stderr)
    else:
        print(f"Restored {name} to {vid[:12]} (was {previous[:12] if previous else '-'}). "
              f"Undo: promptpress prompt restore {name}@{previous[:12] if previous else ''}",
              file=sys.stderr)
    print(vid)
    return 0


def cmd_rename(args: argparse.Namespace) -> int:
    with open_workspace(args) as workspace, workspace.session() as session:
        if repo.get_prompt(session, args.old) is not None:
            repo.rename_prompt(session, args.old, args.new, author=author_name())
            print(f"Renamed {args.old} to {args.new}; its history stays with it.")
            return 0
        if repo.folder_exists(session, args.old.strip("/")):
            moved = repo.rename_folder(session, args.old, args.new, author=author_name())
            print(f"Renamed the folder {args.old.strip('/')} to {args.new.strip('/')} "
                  f"({len(moved)} prompt(s) moved).")
            return 0
    raise repo.PromptError(f"There is no prompt or folder named {args.old!r}. "
                           "`promptpress prompt list` shows them.")


def cmd_move(args: argparse.Namespace) -> int:
    folder = args.to.strip("/")
    with open_workspace(args) as workspace, workspace.session() as session:
        moved = [(name, repo.move_prompt(session, name, folder, author=author_name()).name)
                 for name in args.names]
    for old, new in moved:
        print(f"Moved {old} to {new}.")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    with open_workspace(args) as workspace, workspace.session() as session:
        deleted = repo.delete_prompt(session, args.name, author=author_name())
    print(f"Deleted {deleted.name} ({deleted.versions} version"
          f"{'s' if deleted.versions != 1 else ''} kept in the trash). "
          f"Undo: promptpress prompt undelete {deleted.name}")
    return 0


def cmd_undelete(args: argparse.Namespace) -> int:
    with open_workspace(args) as workspace, workspace.session() as session:
        prompt = repo.undelete_prompt(session, args.name, new_name=args.new_name,
                                      author=author_name())
        name = prompt.name
    print(f"Undeleted {name}" + (f" (was {args.name})" if name != args.name else "") + ".")
    return 0


def cmd_trash(args: argparse.Namespace) -> int:
    with open_workspace(args) as workspace, workspace.session() as session:
        rows = repo.list_deleted(session)
    if not rows:
        print("The trash is empty.")
        return 0
    print_table(["NAME", "DELETED (UTC)", "VERSIONS"],
                [[r.name, f"{r.deleted_at:%Y-%m-%d %H:%M}", str(r.versions)] for r in rows])
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    with open_workspace(args) as workspace, workspace.session() as session:
        hits = repo.search(session, args.query)
    if not hits:
        print(f"Nothing matches {args.query!r}.")
        return 0
    rows = []
    for hit in hits:
        where = {"name": "name", "description": "description", "text": "message text",
                 "note": "version note"}[hit.field]
        if hit.version_id:
            where += f" @{hit.version_id[:12]}" + (" (current)" if hit.in_current else "")
            if hit.matching_versions > 1:
                where += f" +{hit.matching_versions - 1} older"
        rows.append([hit.name, where, hit.snippet])
    print_table(["NAME", "FOUND IN", "TEXT"], rows)
    return 0


def cmd_folder(args: argparse.Namespace) -> int:
    with open_workspace(args) as workspace, workspace.session() as session:
        if args.path:
            path = repo.create_folder(session, args.path)
            print(f"Folder {path} is ready.")
            return 0
        folders = repo.list_folders(session)
    for path in folders:
        print(path)
    return 0


def cmd_workspace_backup(args: argparse.Namespace) -> int:
    # Opening the workspace would take its lock and apply migrations; a backup needs neither,
    # so that it also works while the app has the workspace open.
    source = args.workspace or default_workspace_path()
    info = backups.backup_workspace(source, args.file, overwrite=args.overwrite)
    counts = ", ".join(f"{n} {t}" for t, n in info.counts.items() if t in ("prompts", "versions",
                                                                             "runs", "results"))
    print(f"Backed up to {info.path} ({info.size // 1024} KiB; {counts}).")
    return 0


def cmd_workspace_restore(args: argparse.Namespace) -> int:
    target = args.workspace or default_workspace_path()
    info = backups.restore_workspace(args.file, target)
    kept = f" The replaced workspace is kept as {info.kept}." if info.kept else ""
    print(f"Restored {info.workspace} from {info.backup.path}.{kept}")
    return 0


HANDLERS: dict[tuple[str, str], Callable[[argparse.Namespace], int]] = {
    ("prompt", "diff"): cmd_diff,
    ("prompt", "export"): cmd_export,
    ("prompt", "import"): cmd_import,
    ("prompt", "restore"): cmd_prompt_restore,
    ("prompt", "rename"): cmd_rename,
    ("prompt", "move"): cmd_move,
    ("prompt", "delete"): cmd_delete,
    ("prompt", "undelete"): cmd_undelete,
    ("prompt", "trash"): cmd_trash,
    ("prompt", "search"): cmd_search,
    ("prompt", "folder"): cmd_folder,
    ("workspace", "backup"): cmd_workspace_backup,
    ("workspace", "restore"): cmd_workspace_restore,
}
