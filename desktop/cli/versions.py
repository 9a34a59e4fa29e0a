"""`promptpress prompt diff|export|import|restore|rename|move|delete|undelete|trash|search|folder`
and `promptpress workspace backup|restore`. Argument definitions: `versions_args`."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from desktop.core import version_history
from desktop.core.diff import render_terminal
from desktop.core.errors import UserError
from desktop.core.ops import prompts as prompt_ops
from desktop.core.ops import workspace as workspace_ops
from storage.workspace import backup as backups
from storage.workspace import prompts as repo
from storage.workspace.db import default_workspace_path

from .common import open_workspace, print_rows, use_color, write_text


def handler(args: argparse.Namespace) -> Callable[[argparse.Namespace], int]:
    return HANDLERS[(args.command, args.action)]


def cmd_diff(args: argparse.Namespace) -> int:
    with open_workspace(args) as workspace, workspace.session() as session:
        result = version_history.diff(session, args.a, args.b)
    write_text(render_terminal(result, use_color(args.color)))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    if args.all and args.names:
        raise UserError("Give prompt or folder names, or --all, not both.")
    if not args.all and not args.names:
        raise UserError("Say what to export: prompt or folder names, or --all.")
    with open_workspace(args) as workspace:
        report = workspace_ops.export(workspace, args.to, None if args.all else args.names,
                                      overwrite=args.overwrite).value
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
        report = workspace_ops.import_files(workspace, args.paths, into=args.into,
                                            dry_run=args.dry_run).value
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
    with open_workspace(args) as workspace:
        changes = prompt_ops.restore(workspace, args.ref, message=args.message)
    vid, previous, changed = changes.value
    name = args.ref.partition("@")[0]
    undo = (f" Undo: promptpress prompt restore {name}@{previous[:12]}"
            if changed and previous else "")
    print(changes.message + undo, file=sys.stderr)
    print(vid)
    return 0


def cmd_rename(args: argparse.Namespace) -> int:
    with open_workspace(args) as workspace:
        print(prompt_ops.rename(workspace, args.old, args.new).message)
    return 0


def cmd_move(args: argparse.Namespace) -> int:
    with open_workspace(args) as workspace:
        print(prompt_ops.move(workspace, args.names, args.to).message)
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    with open_workspace(args) as workspace:
        changes = prompt_ops.delete(workspace, args.name)
    print(f"{changes.message} Undo: promptpress prompt undelete {changes.value.name}")
    return 0


def cmd_undelete(args: argparse.Namespace) -> int:
    with open_workspace(args) as workspace:
        print(prompt_ops.undelete(workspace, args.name, new_name=args.new_name).message)
    return 0


def cmd_trash(args: argparse.Namespace) -> int:
    with open_workspace(args) as workspace, workspace.session() as session:
        rows = repo.list_deleted(session)
    return print_rows(["NAME", "DELETED (UTC)", "VERSIONS"],
                      [[r.name, f"{r.deleted_at:%Y-%m-%d %H:%M}", str(r.versions)] for r in rows],
                      empty="The trash is empty.")


def cmd_search(args: argparse.Namespace) -> int:
    with open_workspace(args) as workspace, workspace.session() as session:
        hits = repo.search(session, args.query)
    rows = []
    for hit in hits:
        where = {"name": "name", "description": "description", "text": "message text",
                 "note": "version note"}[hit.field]
        if hit.version_id:
            where += f" @{hit.version_id[:12]}" + (" (current)" if hit.in_current else "")
            if hit.matching_versions > 1:
                more = " or more" if hit.more_versions else ""
                where += f" +{hit.matching_versions - 1}{more} older"
        rows.append([hit.name, where, hit.snippet])
    return print_rows(["NAME", "FOUND IN", "TEXT"], rows, empty=f"Nothing matches {args.query!r}.")


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
    shown = [0.0]

    def progress(done: int, total: int) -> None:  # Ctrl-C here stops it; nothing is written
        now = time.monotonic()
        if now - shown[0] >= 0.1:
            shown[0] = now
            print(f"\r  {done / 1e6:,.1f} of {total / 1e6:,.1f} MB copied ", end="",
                  file=sys.stderr, flush=True)

    interactive = sys.stderr.isatty()
    try:
        info = backups.backup_workspace(source, args.file, overwrite=args.overwrite,
                                        progress=progress if interactive else None)
    finally:
        if interactive:
            print(file=sys.stderr)
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


_PROMPT_ACTIONS = {"diff": cmd_diff, "export": cmd_export, "import": cmd_import,
                   "restore": cmd_prompt_restore, "rename": cmd_rename, "move": cmd_move,
                   "delete": cmd_delete, "undelete": cmd_undelete, "trash": cmd_trash,
                   "search": cmd_search, "folder": cmd_folder}
_WORKSPACE_ACTIONS = {"backup": cmd_workspace_backup, "restore": cmd_workspace_restore}
HANDLERS: dict[tuple[str, str], Callable[[argparse.Namespace], int]] = {
    **{("prompt", action): handler for action, handler in _PROMPT_ACTIONS.items()},
    **{("workspace", action): handler for action, handler in _WORKSPACE_ACTIONS.items()},
}
