"""`promptpress prompt save|list|show|history`."""

from __future__ import annotations

import argparse
import sys

from desktop.core import promptfile
from desktop.core.identity import author_name
from storage.workspace import prompts as repo

from .common import open_workspace, print_rows, print_table, write_text


def cmd_save(args: argparse.Namespace) -> int:
    loaded = promptfile.load(args.file)
    repo.validate_prompt_name(args.name)
    with open_workspace(args) as workspace, workspace.session() as session:
        outcome = repo.save_version(
            session, args.name, loaded.content, message=args.message, author=author_name(),
            description=loaded.description or None,
        )
        version = outcome.version
        if not outcome.created:
            print(f"Unchanged: identical to version {version.version_id[:12]} of {args.name} "
                  f"saved {version.created_at:%Y-%m-%d %H:%M} UTC; nothing new was saved.",
                  file=sys.stderr)
    print(version.version_id)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with open_workspace(args) as workspace, workspace.session() as session:
        rows = repo.list_prompts(session)
    return print_rows(["NAME", "VERSIONS", "LATEST", "UPDATED (UTC)"],
                      [[r.name, str(r.versions), (r.latest_id or "-")[:12],
                        f"{r.updated_at:%Y-%m-%d %H:%M}"] for r in rows],
                      empty="No prompts yet. Save one: promptpress prompt save NAME --file "
                            "FILE.prompt")


def cmd_show(args: argparse.Namespace) -> int:
    with open_workspace(args) as workspace, workspace.session() as session:
        version = repo.resolve(session, args.ref)
        content = repo.content_of(version)
        description = version.prompt.description
    write_text(promptfile.dumps(content, description=description))
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    with open_workspace(args) as workspace, workspace.session() as session:
        prompt = repo.require_prompt(session, args.name)
        versions = repo.version_history(session, prompt)
        rows = [[v.version_id[:12], f"{v.created_at:%Y-%m-%d %H:%M}", v.author or "-",
                 v.parent.version_id[:12] if v.parent else "-",
                 (v.message.splitlines() or [""])[0]] for v in versions]
    print_table(["VERSION", "SAVED (UTC)", "AUTHOR", "PARENT", "MESSAGE"], rows)
    return 0
