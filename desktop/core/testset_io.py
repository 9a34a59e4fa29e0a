"""Test-set files: CSV, JSONL and XLSX in, through a complete preview; CSV and JSONL out.

Import is two steps, and nothing is half-imported: `read_table` turns a file into text cells
with every row-level problem listed, `map_columns` gives each column a role (a prompt variable,
the expected output, notes, tags) and checks the whole file. The caller shows the preview and
commits `preview.cases()` (all rows) only when `preview.ok`; `cases()` refuses otherwise.

Encodings: a byte-order mark decides (UTF-8, UTF-16 as Excel's "Unicode text" writes it,
UTF-32); else UTF-8 if the bytes are UTF-8 (a file that is UTF-8 except for some rows is reported
row by row); else charset-normalizer's guess, corrected as `_guess_legacy` explains (cp1252, as
Windows Excel writes, wins near-ties); cp1252, then latin-1, as the last resort. Short legacy
files are ambiguous (a Czech cp1250 file may read as cp1252): the preview names the encoding,
and `encoding=` overrides the guess.
Delimiters: the candidate (, ; tab |) that splits every row of a sample into the same number of
cells, csv.Sniffer breaking ties (see `detect_delimiter`).
Quotes are always `"` doubled inside cells (RFC 4180, as Excel writes).

Cells are text, kept exactly: no trimming, line breaks inside cells kept as written. Row numbers
are the ones a spreadsheet shows (header = row 1); JSONL rows are numbered by line.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import os
import re
import zipfile
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from storage.releases.atomic import write_atomic
from storage.releases.strictjson import refuse_duplicate_keys

Format = Literal["csv", "jsonl", "xlsx"]
Role = Literal["variable", "expected", "notes", "tags", "ignore"]

SNIFF_CHARS = 64 * 1024  # sample for counting cells per row
SNIFFER_CHARS = 4 * 1024  # sample for csv.Sniffer, which is slow (see _sniff)
DETECT_BYTES = 1024 * 1024
MIN_EVIDENCE_BYTES = 16  # fewer non-ASCII bytes than this: too little to guess from
LEGACY_TOLERANCE = 0.1  # charset-normalizer "chaos" within which cp1252 is preferred
DELIMITERS = (",", ";", "\t", "|")
ROLE_ALIASES: dict[str, tuple[str, ...]] = {
    "expected": ("expected", "expected_output", "ideal", "ideal_output", "target", "answer",
                 "reference", "gold"),
    "notes": ("notes", "note", "comment", "comments", "description"),
    "tags": ("tags", "tag", "labels", "label"),
}
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_NON_ASCII_TEXT = re.compile("[^\x00-\x7f\udc80-\udcff]")


class ImportProblem(Exception):
    """The preview has errors, so nothing may be imported."""


class ExportProblem(ValueError):
    """A row cannot be written (e.g. text that no file encoding can hold)."""


@dataclass(frozen=True, slots=True)
class RowError:
    """A problem in one row (`row` as a spreadsheet numbers it), or in the whole file (row None)."""

    row: int | None
    message: str
    line: int | None = None  # the file line where the row starts (CSV, JSONL)

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        line = f" (line {self.line})" if self.line not in (None, self.row) else ""
        return f"row {self.row}{line}: {self.message}"


@dataclass(frozen=True, slots=True)
class Table:
    """A file as text cells, before columns get roles."""

    source: str
    format: Format
    columns: tuple[str, ...] = ()
    rows: tuple[dict[str, str], ...] = ()
    row_numbers: tuple[int, ...] = ()
    errors: tuple[RowError, ...] = ()
    warnings: tuple[str, ...] = ()
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None


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


# ---------------------------------------------------------------- reading

def preview_import(path: str | os.PathLike[str], variables: Sequence[str] | None = None, *,
                   defaults: Collection[str] = (), format: Format | None = None,
                   encoding: str | None = None, sheet: str | None = None,
                   overrides: Mapping[str, str] | None = None) -> ImportPreview:
    """Read `path` and map its columns: the preview the user confirms before importing."""
    table = read_table(path, format=format, encoding=encoding, sheet=sheet)
    return map_columns(table, variables, defaults=defaults, overrides=overrides)


def read_table(path: str | os.PathLike[str], *, format: Format | None = None,
               encoding: str | None = None, sheet: str | None = None) -> Table:
    """A file's cells and row-level errors. Problems are reported in the Table, not raised."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Table(path.name, format or "csv", errors=(RowError(None, f"cannot read {path}: "
                                                                  f"{exc.strerror or exc}"),))
    suffix = path.suffix.lower()
    if format is None:
        if data.startswith(b"PK\x03\x04") or suffix in (".xlsx", ".xlsm"):
            format = "xlsx"
        elif suffix in (".jsonl", ".ndjson"):
            format = "jsonl"
        elif suffix == ".xls" or data.startswith(b"\xd0\xcf\x11\xe0"):
            return Table(path.name, "xlsx", errors=(RowError(None, "this is an old Excel .xls "
                         "workbook; save it as .xlsx or CSV UTF-8 and import that"),))
        else:
            format = "csv"
    if format == "xlsx":
        return parse_xlsx(data, sheet=sheet, source=path.name)
    if format == "jsonl":
        return parse_jsonl(data, encoding=encoding, source=path.name)
    return parse_csv(data, encoding=encoding, source=path.name)


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """(text, encoding name). Bytes invalid in the encoding become U+DC80..U+DCFF (surrogate
    escapes) for callers to report by row; raises UnicodeDecodeError when that is impossible."""
    if encoding is None:
        encoding = next((name for mark, name in _BOMS if data.startswith(mark)), None)
    if encoding is None:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
        text = data.decode("utf-8", "surrogateescape")
        if _NON_ASCII_TEXT.search(text):
            return text, "utf-8"  # UTF-8 with some rows in another encoding
        encoding = _guess_legacy(data)
    name = codecs.lookup(encoding).name
    try:
        return data.decode(encoding, "surrogateescape"), name
    except UnicodeDecodeError:
        return data.decode(encoding), name  # raises strictly, with the position


def _guess_legacy(data: bytes) -> str:
    """charset-normalizer's guess, with three corrections. Below MIN_EVIDENCE_BYTES non-ASCII
    bytes it has nothing to go on: cp1252. On short Latin-script text its ranking of sibling code
    pages is noise, so cp1252, then mac_roman, win when within LEGACY_TOLERANCE of its best. And
    a guess that reads line breaks, quotes or delimiters as parts of other characters (some
    multi-byte code pages do) is not a reading of a CSV file at all."""
    import charset_normalizer

    sample = data[:DETECT_BYTES]
    evidence = len(sample) - len(sample.translate(None, bytes(range(128, 256))))
    results = [] if evidence < MIN_EVIDENCE_BYTES else list(charset_normalizer.from_bytes(sample))
    if results:
        least = min(r.chaos for r in results)
        calm = [r for r in results if r.chaos <= least + LEGACY_TOLERANCE]
        for preferred in ("cp1252", "mac_roman"):
            if any(preferred in r.could_be_from_charset for r in calm) and _fits(data, preferred):
                return preferred
        for result in results[:5]:
            if _fits(data, result.encoding):
                return result.encoding
    return "cp1252" if _fits(data, "cp1252") else "latin-1"


def _fits(data: bytes, encoding: str) -> bool:
    """`data` decodes strictly in `encoding` and keeps every structural ASCII character."""
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return all(text.count(c) == data.count(c.encode()) for c in '\n\r",;\t|{}')


def _decoded(data: bytes, encoding: str | None) -> tuple[str | None, str | None, RowError | None]:
    if not data.strip(b"\x00\t\r\n \xef\xbb\xbf\xff\xfe"):
        return None, None, RowError(None, "the file is empty")
    try:
        text, name = decode(data, encoding)
    except LookupError:
        return None, None, RowError(None, f"unknown encoding {encoding!r}")
    except UnicodeDecodeError as exc:
        used = encoding or next((name for mark, name in _BOMS if data.startswith(mark)), "utf-8")
        line = data[: exc.start].decode(used, "replace").count("\n") + 1
        bad = data[exc.start:exc.end][:4].hex(" ")
        return None, used, RowError(None, f"line {line}: bytes that are not valid {used} ({bad}: "
                                    f"{exc.reason}); save the file again in one encoding, e.g. "
                                    "CSV UTF-8", line)
    return text, name, None


def _clean_cells(cells: list[str], encoding: str) -> tuple[list[str], str | None]:
    """Cells with undecodable bytes shown as U+FFFD, and a message naming the bytes if any."""
    message = None
    for i, cell in enumerate(cells):
        found = _ESCAPED_BYTE.search(cell)
        if found:
            if message is None:
                raw = bytes(ord(c) - 0xDC00 for c in _ESCAPED_BYTE.findall(cell)[:4])
                message = (f"has bytes that are not valid {encoding} ({raw.hex(' ')}); part of the "
                           f"file is in another encoding: save it again as CSV UTF-8")
            cells[i] = _ESCAPED_BYTE.sub("\ufffd", cell)
    return cells, message


def parse_csv(data: bytes, *, encoding: str | None = None, source: str = "") -> Table:
    text, name, problem = _decoded(data, encoding)
    if problem:
        return Table(source, "csv", encoding=name, errors=(problem,))
    assert text is not None and name is not None
    _widen_field_limit()
    delimiter = detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"',
                        doublequote=True, strict=True)
    records: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for record in reader:
            records.append((line, record))
            line = reader.line_num + 1
    except csv.Error as exc:
        if "end of data" in str(exc):
            message = f"line {line}: a quoted cell starting here is never closed"
        else:
            message = (f"line {reader.line_num}: text follows a closing quote ({exc}); a cell "
                       "with quotes inside must be quoted as a whole, its quotes doubled")
        return Table(source, "csv", encoding=name, delimiter=delimiter,
                     errors=(RowError(None, message + "; nothing after it can be read", line),))
    return _build_table(source, "csv", records, encoding=name, delimiter=delimiter)


def detect_delimiter(text: str) -> str:
    """The delimiter that splits every row of a sample into the same number (> 1) of cells; ties
    go to csv.Sniffer's guess, then to more cells; with none, the one most used in the first
    line; else comma."""
    sample = text[:SNIFF_CHARS]
    complete = len(text) <= SNIFF_CHARS
    counts = {d: _field_counts(sample, d, complete) for d in DELIMITERS}
    steady = {d: c[0] for d, c in counts.items() if c and c[0] > 1 and len(set(c)) == 1}
    if len(steady) == 1:
        return next(iter(steady))
    if steady:
        sniffed = _sniff(text[:SNIFFER_CHARS])
        if sniffed in steady:
            return sniffed
        most = max(steady.values())
        return next(d for d in DELIMITERS if steady.get(d) == most)
    first_line = sample.split("\n", 1)[0]
    best = max(DELIMITERS, key=first_line.count)
    return best if first_line.count(best) else ","


def _sniff(sample: str) -> str | None:
    # csv.Sniffer's regular expressions take quadratic time (a minute on some 64 KB samples),
    # so it only breaks ties, on a short sample.
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        return None


def _field_counts(sample: str, delimiter: str, complete: bool, limit: int = 50) -> list[int]:
    counts: list[int] = []
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter, quotechar='"')
    try:
        for record in reader:
            if any(record):
                counts.append(len(record))
            if len(counts) > limit:
                break
    except csv.Error:
        complete = False
    return counts if complete or len(counts) < 2 else counts[:-1]


def _widen_field_limit() -> None:
    # The csv module refuses cells over 128 KiB by default; a 10 MB cell is allowed here.
    if csv.field_size_limit() < 2**31 - 1:
        csv.field_size_limit(2**31 - 1)


def _build_table(source: str, format: Format, records: Iterable[tuple[int, list[str]]], *,
                 encoding: str | None, delimiter: str | None = None, sheet: str | None = None,
                 numbered_by_line: bool = False) -> Table:
    """Header + rows from (line, cells) records: checks names, widths and bad bytes."""
    records = iter(records)
    errors: list[RowError] = []
    warnings: list[str] = []
    first = next(((line, cells) for line, cells in records if any(c.strip() for c in cells)), None)
    if first is None:
        return Table(source, format, encoding=encoding, delimiter=delimiter, sheet=sheet,
                     errors=(RowError(None, "the file is empty"),))
    header_line, header = first[0], list(first[1])
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    header, bad = _clean_cells(header, encoding or "the encoding")
    if bad:
        errors.append(RowError(1, f"the header {bad}", header_line))
    while header and header[-1] == "":
        header.pop()  # trailing separators, as spreadsheets write them
    rows: list[list[str]] = []
    numbers: list[int] = []
    short: list[int] = []
    number = 1
    for line, cells in records:
        number = line if numbered_by_line else number + 1
        if not any(cells):
            continue
        cells, bad = _clean_cells(list(cells), encoding or "the encoding")
        if bad:
            errors.append(RowError(number, bad, line))
        if len(cells) > len(header):
            if any(cells[len(header):]):
                errors.append(RowError(number, f"has {len(cells)} cells but the header has "
                                       f"{len(header)} columns; is a cell with a delimiter in it "
                                       "missing its quotes?", line))
            cells = cells[: len(header)]
        elif len(cells) < len(header):
            short.append(number)
            cells += [""] * (len(header) - len(cells))
        rows.append(cells)
        numbers.append(number)
    if short:
        listed = ", ".join(map(str, short[:10])) + ("…" if len(short) > 10 else "")
        warnings.append(f"{len(short)} row(s) have fewer cells than columns; the missing cells are "
                        f"empty (rows {listed})")
    seen: dict[str, int] = {}
    keep: list[int] = []
    for index, name in enumerate(header):
        if name == "":
            if any(row[index] for row in rows):
                errors.append(RowError(1, f"column {index + 1} has cells but no name in the header "
                                       "row; give it a name", header_line))
            continue
        if name in seen:
            errors.append(RowError(1, f"the column name {name!r} appears twice (columns "
                                   f"{seen[name] + 1} and {index + 1}); rename one", header_line))
            continue
        seen[name] = index
        keep.append(index)
    columns = tuple(header[i] for i in keep)
    table_rows = tuple({header[i]: row[i] for i in keep} for row in rows)
    return Table(source, format, columns, table_rows, tuple(numbers), tuple(errors),
                 tuple(warnings), encoding, delimiter, sheet)


def parse_jsonl(data: bytes, *, encoding: str | None = None, source: str = "") -> Table:
    """One JSON object per line; strings kept, other values as JSON text, null as empty."""
    text, name, problem = _decoded(data, encoding)
    if problem:
        return Table(source, "jsonl", encoding=name, errors=(problem,))
    assert text is not None and name is not None
    errors: list[RowError] = []
    objects: list[tuple[int, dict[str, str]]] = []
    columns: dict[str, None] = {}
    # Split on LF only: U+2028 and lone CR may appear inside JSON strings.
    for number, line in enumerate(text.split("\n"), start=1):
        if number == 1 and line.startswith("\ufeff"):
            line = line[1:]
        if not line.strip():
            continue
        if _ESCAPED_BYTE.search(line):
            _, bad = _clean_cells([line], name)
            errors.append(RowError(number, bad or "", number))
            continue
        try:
            obj = json.loads(line, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
        except (ValueError, RecursionError) as exc:
            detail = f"{exc.msg} at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) \
                else str(exc) or "nested too deeply"
            errors.append(RowError(number, f"not valid JSON: {detail}", number))
            continue
        if not isinstance(obj, dict):
            errors.append(RowError(number, f"is JSON {type(obj).__name__}, not an object "
                                   "{\"column\": \"value\", ...}", number))
            continue
        cells = {key: _json_cell(value) for key, value in obj.items()}
        if any(_SURROGATE.search(k) or _SURROGATE.search(v) for k, v in cells.items()):
            errors.append(RowError(number, "contains an unpaired \\ud800-\\udfff escape, which "
                                   "is not text", number))
            continue
        columns.update(dict.fromkeys(cells))
        objects.append((number, cells))
    if not objects and not errors:
        errors.append(RowError(None, "the file is empty"))
    rows = tuple({c: cells.get(c, "") for c in columns} for _, cells in objects)
    return Table(source, "jsonl", tuple(columns), rows, tuple(n for n, _ in objects),
                 tuple(errors), (), name)


_unique_keys = refuse_duplicate_keys(lambda key: ValueError(f"the key {key!r} appears twice"))


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _json_cell(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False)


def parse_xlsx(data: bytes | str | os.PathLike[str], *, sheet: str | None = None,
               source: str = "") -> Table:
    """The first sheet (or `sheet`) of a workbook, read-only; cells as the user sees them."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        return Table(source, "xlsx", errors=(RowError(None, f"not a readable .xlsx workbook: "
                                                      f"{exc}"),))
    number = 0
    try:
        names = workbook.sheetnames
        if sheet is not None and sheet not in names:
            return Table(source, "xlsx", errors=(RowError(None, f"there is no sheet {sheet!r}; "
                                                          f"sheets: {', '.join(names)}"),))
        worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        title = worksheet.title
        records = []
        number = 0
        for cells in worksheet.iter_rows():
            number = next((c.row for c in cells if getattr(c, "row", None)), number + 1)
            records.append((number, [cell_text(c.value, c.number_format) for c in cells]))
    except Exception as exc:  # a damaged workbook: openpyxl and its XML parser raise many kinds
        return Table(source, "xlsx", errors=(RowError(None, f"cannot read the workbook after row "
                                                      f"{number}: {type(exc).__name__}: {exc}"),))
    finally:
        workbook.close()
    return _build_table(source, "xlsx", records, encoding=None, sheet=title,
                        numbered_by_line=True)


_FIXED = re.compile(r"(#,##)?0(?:\.(0+))?(%?)")


def cell_text(value: Any, number_format: str | None = "General") -> str:
    """An Excel cell value as text: numbers as Excel's General format or a simple fixed format
    shows them (0, 0.00, #,##0.00, 0%), dates as ISO 8601, TRUE/FALSE for booleans."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and not re.search(r"[hs]", number_format or "", re.I):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, (int, float)):
        fixed = _FIXED.fullmatch(number_format or "")
        if fixed:
            grouping, decimals, percent = fixed.groups()
            shown = value * 100 if percent else value
            return f"{shown:{',' if grouping else ''}.{len(decimals or '')}f}{percent}"
        if isinstance(value, int) or (value.is_integer() and abs(value) < 1e15):
            return str(int(value))
        return f"{value:.15g}"  # Excel shows 15 significant digits
    return str(value)


# ---------------------------------------------------------------- column roles

def _normal(name: str) -> str:
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
                (v for v in wanted if _normal(v) == _normal(column)), None)
            if match is not None:
                assigned[column] = ("variable", match)
    for role, aliases in ROLE_ALIASES.items():
        for column in columns:
            if column not in assigned and _normal(column) in aliases:
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


# ---------------------------------------------------------------- writing

def export_columns(rows: Sequence[CaseRow], variables: Sequence[str] | None = None
                   ) -> tuple[list[str], dict[str, str]]:
    """(variable names in order, role -> column name). A role column takes the first alias no
    variable uses, so a prompt with a variable called `notes` still exports its notes."""
    names = list(variables) if variables is not None else list(
        dict.fromkeys(name for row in rows for name in row.variables))
    taken = {_normal(n) for n in names}
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
            if _SURROGATE.search(text):
                raise ExportProblem(f"case {number}, {key}: contains an unpaired surrogate, "
                                    "which no file encoding can store")


def _tags_cell(tags: Sequence[str]) -> str:
    plain = all(t and t == t.strip() and not re.search(r"[,;]", t) for t in tags)
    if plain and len(set(tags)) == len(tags) and not (tags and tags[0].startswith("[")):
        return ", ".join(tags)
    return json.dumps(list(tags), ensure_ascii=False)


def export_csv(rows: Sequence[CaseRow], variables: Sequence[str] | None = None) -> bytes:
    """UTF-8 with a byte-order mark (so Excel reads it as UTF-8), comma, CRLF, RFC 4180 quotes;
    cell text exact, line breaks inside cells included. A case whose cells are all empty is
    written as an empty row, which import skips."""
    names, role_columns = export_columns(rows, variables)
    _checked(rows, names)
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=",", quotechar='"', doublequote=True,
                        quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([*names, role_columns["expected"], role_columns["notes"], role_columns["tags"]])
    for row in rows:
        writer.writerow([*(row.variables.get(n, "") for n in names), row.expected or "",
                         row.notes, _tags_cell(row.tags)])
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
                 variables: Sequence[str] | None = None, *, format: Format | None = None) -> None:
    """Write CSV or JSONL (by `format` or the file's suffix) atomically: temp file, then rename."""
    path = Path(path)
    format = format or ("jsonl" if path.suffix.lower() in (".jsonl", ".ndjson") else "csv")
    if format not in ("csv", "jsonl"):
        raise ExportProblem(f"cannot export {format}; use .csv or .jsonl")
    data = export_jsonl(rows, variables) if format == "jsonl" else export_csv(rows, variables)
    write_atomic(path, data)
