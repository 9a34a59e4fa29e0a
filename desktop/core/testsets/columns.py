"""Giving each column of a read file a role, and the import preview the user confirms.

Import is two steps, and nothing is half-imported: `read_table` (readers.py) turns a file into
text cells with every row-level problem listed, `map_columns` gives each column a role (a prompt
variable, the expected output, notes, tags) and checks the whole file. The caller shows the
preview and commits `preview.cases()` (all rows) only when `preview.ok`; `cases()` refuses
otherwise.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from .readers import Format, RowError, Table, read_table

Role = Literal["variable", "expected", "notes", "tags", "ignore"]

ROLE_ALIASES: dict[str, tuple[str, ...]] = {
    "expected": ("expected", "expected_output", "ideal", "ideal_output", "target", "answer",
                 "reference", "gold"),
    "notes": ("notes", "note", "comment", "comments", "description"),
    "tags": ("tags", "tag", "labels", "label"),
}


class ImportProblem(Exception):
    """The preview has errors, so nothing may be imported."""


@dataclass(frozen=True, slots=True)
class CaseRow:
    """One test case: variable values, the expected output (None when empty), notes and tags."""

    variables: Mapping[str, str]
    expected: str | None = None
    notes: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ColumnRoles:
    variables: Mapping[str, str] = field(default_factory=dict)  # column -> variable name
    expected: str | None = None
    notes: str | None = None
    tags: str | None = None
    unknown: tuple[str, ...] = ()  # columns that become nothing
    missing_variables: tuple[str, ...] = ()  # prompt variables with no column


@dataclass(frozen=True, slots=True)
class ImportPreview:
    table: Table
    roles: ColumnRoles
    errors: tuple[RowError, ...]
    warnings: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def columns(self) -> tuple[str, ...]:
        return self.table.columns

    @property
    def rows(self) -> tuple[dict[str, str], ...]:
        return self.table.rows

    def cases(self) -> list[CaseRow]:
        """Every row as a CaseRow; raises ImportProblem if the preview has any error."""
        if self.errors:
            raise ImportProblem(f"{self.table.source}: {len(self.errors)} problem(s), nothing "
                                f"imported; first: {self.errors[0]}")
        roles = self.roles
        return [CaseRow(variables={name: row[col] for col, name in roles.variables.items()},
                        expected=(row[roles.expected] or None) if roles.expected else None,
                        notes=row[roles.notes] if roles.notes else "",
                        tags=parse_tags(row[roles.tags]) if roles.tags else ())
                for row in self.table.rows]


def preview_import(path: str | os.PathLike[str], variables: Sequence[str] | None = None, *,
                   defaults: Collection[str] = (), format: Format | None = None,
                   encoding: str | None = None, sheet: str | None = None,
                   overrides: Mapping[str, str] | None = None,
                   exact: bool = False) -> ImportPreview:
    """Read `path` and map its columns: the preview the user confirms before importing.
    `exact` keeps CSV cells exactly as written (no formula unescape, see formulas.py)."""
    table = read_table(path, format=format, encoding=encoding, sheet=sheet, exact=exact)
    return map_columns(table, variables, defaults=defaults, overrides=overrides)


def normal(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().casefold())


def map_columns(table: Table, variables: Sequence[str] | None = None, *,
                defaults: Collection[str] = (),
                overrides: Mapping[str, str] | None = None) -> ImportPreview:
    """Give each column a role and validate the whole import.

    Columns match the prompt's `variables` by exact name, then ignoring case, spaces and
    hyphens; the remaining columns match role aliases (ROLE_ALIASES); anything left is unknown
    (or, with no `variables`, a variable of its own name). `overrides` maps a column to
    "expected", "notes", "tags", "ignore", "variable" or "variable:NAME". A variable with no
    column is an error unless it is in `defaults` (it has a default value).
    """
    errors = list(table.errors)
    warnings = list(table.warnings)
    columns = table.columns
    overrides = dict(overrides or {})
    assigned: dict[str, tuple[str, str | None]] = {}  # column -> (role, variable name)
    for column, role in overrides.items():
        if column not in columns:
            errors.append(RowError(None, f"the column {column!r} chosen for {role} is not in "
                                   "the file"))
        elif role in ("expected", "notes", "tags", "ignore"):
            assigned[column] = (role, None)
        elif role == "variable" or role.startswith("variable:"):
            assigned[column] = ("variable", role.partition(":")[2] or column)
        else:
            errors.append(RowError(None, f"unknown role {role!r} for column {column!r}"))
    wanted = list(variables) if variables is not None else None
    if wanted is not None:
        for column in columns:
            if column in assigned:
                continue
            match = next((v for v in wanted if v == column), None) or next(
                (v for v in wanted if normal(v) == normal(column)), None)
            if match is not None:
                assigned[column] = ("variable", match)
    for role, aliases in ROLE_ALIASES.items():
        for column in columns:
            if column not in assigned and normal(column) in aliases:
                assigned[column] = (role, None)
    unknown = []
    for column in columns:
        if column not in assigned:
            if wanted is None:
                assigned[column] = ("variable", column)
            else:
                unknown.append(column)
    by_role: dict[str, list[str]] = {}
    by_variable: dict[str, list[str]] = {}
    for column in columns:
        role, name = assigned.get(column, ("ignore", None))
        by_role.setdefault(role, []).append(column)
        if role == "variable":
            by_variable.setdefault(name or column, []).append(column)
    for role in ("expected", "notes", "tags"):
        if len(by_role.get(role, [])) > 1:
            names = " and ".join(repr(c) for c in by_role[role])
            errors.append(RowError(None, f"columns {names} both look like the {role} column; "
                                   "rename or ignore one of them"))
    for name, cols in by_variable.items():
        if len(cols) > 1:
            errors.append(RowError(None, f"columns {' and '.join(map(repr, cols))} both fill the "
                                   f"variable {name!r}; rename or ignore one of them"))
    missing = tuple(v for v in (wanted or ()) if v not in by_variable)
    for name in missing:
        if name in defaults:
            warnings.append(f"no column for the variable {name!r}: every case uses its default")
        else:
            errors.append(RowError(None, f"no column for the variable {name!r}; add a column "
                                   f"named {name}, or choose which column fills it"))
    if unknown:
        warnings.append(f"columns not used: {', '.join(unknown)} (they match no variable of the "
                        "prompt and no role)")
    if table.columns and not table.rows and not errors:
        errors.append(RowError(None, "the file has a header but no rows"))
    roles = ColumnRoles(
        variables={column: name for name, cols in by_variable.items() for column in cols},
        expected=(by_role.get("expected") or [None])[0], notes=(by_role.get("notes") or [None])[0],
        tags=(by_role.get("tags") or [None])[0], unknown=tuple(unknown),
        missing_variables=missing)
    return ImportPreview(table, roles, tuple(errors), tuple(warnings))


def parse_tags(cell: str) -> tuple[str, ...]:
    """Tags split on commas and semicolons, trimmed, deduplicated; a JSON array is taken as is."""
    if cell.startswith("["):
        try:
            items = json.loads(cell)
        except (ValueError, RecursionError):
            items = None
        if isinstance(items, list) and all(isinstance(i, str) for i in items):
            return tuple(items)
    return tuple(dict.fromkeys(t.strip() for t in re.split(r"[,;]", cell) if t.strip()))
