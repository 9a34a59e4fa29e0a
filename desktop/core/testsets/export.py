"""Writing a test set to CSV or JSONL, atomically."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from storage.releases.atomic import write_atomic

from .columns import ROLE_ALIASES, CaseRow, normal
from .decode import SURROGATE
from .formulas import escape_formula
from .readers import Format


class ExportProblem(ValueError):
    """A row cannot be written (e.g. text that no file encoding can hold)."""


def export_columns(rows: Sequence[CaseRow], variables: Sequence[str] | None = None
                   ) -> tuple[list[str], dict[str, str]]:
    """(variable names in order, role -> column name). A role column takes the first alias no
    variable uses, so a prompt with a variable called `notes` still exports its notes."""
    names = list(variables) if variables is not None else list(
        dict.fromkeys(name for row in rows for name in row.variables))
    taken = {normal(n) for n in names}
    role_columns = {}
    for role, aliases in ROLE_ALIASES.items():
        free = next((a for a in aliases if a not in taken), None)
        if free is None:
            raise ExportProblem(f"every name for the {role} column is a variable name")
        role_columns[role] = free
        taken.add(free)
    return names, role_columns


def _checked(rows: Sequence[CaseRow], names: Sequence[str]) -> None:
    for number, row in enumerate(rows, start=1):
        extra = set(row.variables) - set(names)
        if extra:
            raise ExportProblem(f"case {number} has variables not exported: "
                                f"{', '.join(sorted(extra))}")
        for key, text in [*row.variables.items(), ("expected", row.expected or ""),
                          ("notes", row.notes), *(("tags", t) for t in row.tags)]:
            if SURROGATE.search(text):
                raise ExportProblem(f"case {number}, {key}: contains an unpaired surrogate, "
                                    "which no file encoding can store")


def _tags_cell(tags: Sequence[str]) -> str:
    plain = all(t and t == t.strip() and not re.search(r"[,;]", t) for t in tags)
    if plain and len(set(tags)) == len(tags) and not (tags and tags[0].startswith("[")):
        return ", ".join(tags)
    return json.dumps(list(tags), ensure_ascii=False)


def export_csv(rows: Sequence[CaseRow], variables: Sequence[str] | None = None, *,
               exact: bool = False) -> bytes:
    """UTF-8 with a byte-order mark (so Excel reads it as UTF-8), comma, CRLF, RFC 4180 quotes;
    line breaks inside cells included. A case whose cells are all empty is written as an empty
    row, which import skips.

    A cell that a spreadsheet would run as a formula (it starts with =, +, -, @, tab or CR) gets
    a leading single quote, which CSV import removes again (see formulas.py); with `exact`,
    every cell is written exactly as it is, for tools other than spreadsheets."""
    names, role_columns = export_columns(rows, variables)
    _checked(rows, names)
    cell = (lambda text: text) if exact else escape_formula
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=",", quotechar='"', doublequote=True,
                        quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([*names, role_columns["expected"], role_columns["notes"], role_columns["tags"]])
    for row in rows:
        writer.writerow([cell(text) for text in (
            *(row.variables.get(n, "") for n in names), row.expected or "", row.notes,
            _tags_cell(row.tags))])
    return out.getvalue().encode("utf-8-sig")


def export_jsonl(rows: Sequence[CaseRow], variables: Sequence[str] | None = None) -> bytes:
    """One UTF-8 JSON object per line: the variables, expected (null if none), notes, tags."""
    names, role_columns = export_columns(rows, variables)
    _checked(rows, names)
    lines = []
    for row in rows:
        obj: dict[str, Any] = {n: row.variables.get(n, "") for n in names}
        obj[role_columns["expected"]] = row.expected
        obj[role_columns["notes"]] = row.notes
        obj[role_columns["tags"]] = list(row.tags)
        lines.append(json.dumps(obj, ensure_ascii=False) + "\n")
    return "".join(lines).encode("utf-8")


def write_export(path: str | os.PathLike[str], rows: Sequence[CaseRow],
                 variables: Sequence[str] | None = None, *, format: Format | None = None,
                 exact: bool = False) -> None:
    """Write CSV or JSONL (by `format` or the file's suffix) atomically: temp file, then rename.

    CSV escapes would-be formulas unless `exact` (see `export_csv`); JSONL is always exact."""
    path = Path(path)
    format = format or ("jsonl" if path.suffix.lower() in (".jsonl", ".ndjson") else "csv")
    if format not in ("csv", "jsonl"):
        raise ExportProblem(f"cannot export {format}; use .csv or .jsonl")
    data = (export_jsonl(rows, variables) if format == "jsonl"
            else export_csv(rows, variables, exact=exact))
    write_atomic(path, data)
