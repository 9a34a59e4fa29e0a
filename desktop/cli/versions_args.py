"""argparse definitions for versions, organising, files in and out, and workspace backups.

Imports nothing heavy: `promptpress --help` builds these. Wire it in `parser.build_parser`:

    from desktop.cli.versions_args import add_arguments
    ...
    add_arguments(commands, prompt_cmds)   # after the `prompt` subparsers exist

and in `run._handler`, before the `prompt` branch:

    from desktop.cli.versions_args import handles
    if handles(args):
        from desktop.cli.versions import handler
        return handler(args)
"""

from __future__ import annotations

import argparse

from .common_args import command_with_actions

# (command, action) pairs handled by desktop.cli.versions
HANDLED = frozenset({
    ("prompt", "diff"), ("prompt", "export"), ("prompt", "import"), ("prompt", "restore"),
    ("prompt", "rename"), ("prompt", "move"), ("prompt", "delete"), ("prompt", "undelete"),
    ("prompt", "trash"), ("prompt", "search"), ("prompt", "folder"),
    ("workspace", "backup"), ("workspace", "restore"),
})


def handles(args: argparse.Namespace) -> bool:
    return (getattr(args, "command", None), getattr(args, "action", None)) in HANDLED


def add_arguments(commands: argparse._SubParsersAction,
                  prompt_actions: argparse._SubParsersAction) -> argparse._SubParsersAction:
    """Add the prompt actions below and the `workspace` command; returns the workspace actions
    (so that other verbs can join them)."""
    diff = prompt_actions.add_parser(
        "diff", help="show what changed between two versions, down to a single space",
        description="Compare two versions. With one, compare it with the prompt's current "
                    "version. B may be NAME@VERSION, @VERSION or just VERSION (same prompt as A).")
    diff.add_argument("a", metavar="NAME@A")
    diff.add_argument("b", metavar="NAME@B", nargs="?")
    diff.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                      help="colour the changes (default: when printing to a terminal)")

    export = prompt_actions.add_parser(
        "export", help="write prompts with their full history into a folder",
        description="Write each prompt's current version as DIR/NAME.prompt and its whole "
                    "history as DIR/NAME.history.json. `prompt import DIR` reads them back with "
                    "the same version ids.")
    export.add_argument("names", nargs="*", metavar="NAME|FOLDER",
                        help="prompts or folders to export")
    export.add_argument("--all", action="store_true", help="export every prompt")
    export.add_argument("--to", required=True, metavar="DIR", help="folder to write into")
    export.add_argument("--overwrite", action="store_true",
                        help="replace files already in DIR that have other content")

    imp = prompt_actions.add_parser(
        "import", help="import prompt files: Promptpress, Humanloop, Dotprompt, Prompty",
        description="Import .prompt (Promptpress, Humanloop or Dotprompt; detected from the "
                    "content), .prompty and .history.json files, or folders of them. Import "
                    "only adds versions. Prints per file what was imported and what was not.")
    imp.add_argument("paths", nargs="+", metavar="PATH")
    imp.add_argument("--into", default="", metavar="FOLDER",
                     help="put the imported prompts under this folder")
    imp.add_argument("--dry-run", action="store_true",
                     help="report what would be imported, change nothing")

    restore = prompt_actions.add_parser(
        "restore", help="make an old version the current one again",
        description="Make NAME@VERSION the prompt's current version again. Its history records "
                    "the restore; the next save builds on the restored version.")
    restore.add_argument("ref", metavar="NAME@VERSION")
    restore.add_argument("-m", "--message", default="", help="why (recorded in the history)")

    rename = prompt_actions.add_parser(
        "rename", help="rename a prompt or a folder (history stays with it)")
    rename.add_argument("old", metavar="OLD")
    rename.add_argument("new", metavar="NEW")

    move = prompt_actions.add_parser("move", help="move prompts into a folder")
    move.add_argument("names", nargs="+", metavar="NAME")
    move.add_argument("--to", required=True, metavar="FOLDER",
                      help='destination folder ("" or / for the top level)')

    delete = prompt_actions.add_parser(
        "delete", help="move a prompt to the trash (undo with `prompt undelete`)")
    delete.add_argument("name")

    undelete = prompt_actions.add_parser("undelete", help="bring back a deleted prompt")
    undelete.add_argument("name")
    undelete.add_argument("--as", dest="new_name", metavar="NEW_NAME",
                          help="undelete under another name")

    prompt_actions.add_parser("trash", help="list deleted prompts")

    search = prompt_actions.add_parser(
        "search", help="find prompts by name, message text or version notes")
    search.add_argument("query")

    folder = prompt_actions.add_parser("folder", help="create (or list) folders")
    folder.add_argument("path", nargs="?", help="folder to create; without it, list folders")

    workspace_actions = command_with_actions(commands, "workspace",
                                             help="back up and restore the workspace")
    backup = workspace_actions.add_parser(
        "backup", help="write a consistent copy of the workspace, even while the app runs")
    backup.add_argument("file", metavar="FILE", help="backup file (or a folder to put it in)")
    backup.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")
    wrestore = workspace_actions.add_parser(
        "restore", help="replace the workspace with a backup (the current one is kept)",
        description="Replace the workspace with a backup after checking it. The replaced "
                    "workspace is kept beside it as NAME.before-restore-TIME. Refused while the "
                    "workspace is open in Promptpress.")
    wrestore.add_argument("file", metavar="FILE")
    return workspace_actions
