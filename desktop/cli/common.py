"""What every CLI command shares: opening the workspace, reading values, printing tables."""

from __future__ import annotations

import argparse
import sys
import unicodedata
from collections.abc import Sequence
from contextlib import contextmanager

from desktop.core.errors import UserError
from storage.workspace.db import Workspace, default_workspace_path


@contextmanager
def open_workspace(args: argparse.Namespace):
    path = args.workspace or default_workspace_path()
    workspace = Workspace.open(path)
    try:
        yield workspace
    finally:
        workspace.close()


def parse_assignment(text: str, what: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise UserError(f"{what} {text!r} must look like KEY=VALUE.")
    return key.strip(), value


def parse_param_value(value: str):
    """`0.2` -> 0.2, `true` -> True, `[a, b]` -> ["a", "b"], anything else stays text."""
    import yaml

    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError:
        return value
    return value if parsed is None else parsed


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c)
               else 1 for c in text)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]], file=None) -> None:
    file = file or sys.stdout
    widths = [max([_width(h)] + [_width(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths)).rstrip()

    print(line(headers), file=file)
    for row in rows:
        print(line(row), file=file)


def print_rows(headers: Sequence[str], rows: Sequence[Sequence[str]], *, empty: str,
               empty_file=None) -> int:
    """A listing command's output: the rows as a table, or the `empty` sentence when there are
    none (to `empty_file`, default stdout). Returns the exit status, 0."""
    if not rows:
        print(empty, file=empty_file)
    else:
        print_table(headers, rows)
    return 0


def write_text(text: str) -> None:
    """Write text byte-exact (no newline translation) to stdout."""
    sys.stdout.flush()
    sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.buffer.flush()


def use_color(choice: str) -> bool:
    """--color always|never|auto: auto colours a terminal, unless NO_COLOR or TERM=dumb."""
    import os
    import sys

    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"
