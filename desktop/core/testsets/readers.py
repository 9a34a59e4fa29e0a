"""Reading test-set files (CSV, JSONL, XLSX) into text cells, with every row-level problem.

Delimiters: the candidate (, ; tab |) that splits every row of a sample into the same number of
cells, csv.Sniffer breaking ties (see `detect_delimiter`).
Quotes are always `"` doubled inside cells (RFC 4180, as Excel writes).

Cells are text, kept exactly: no trimming, line breaks inside cells kept as written. Row numbers
are the ones a spreadsheet shows (header = row 1); JSONL rows are numbered by line.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import os
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from storage.releases.strictjson import refuse_duplicate_keys

from .decode import BOMS, ESCAPED_BYTE, SURROGATE, clean_cells, decode
from .formulas import unescape_formula

Format = Literal["csv", "jsonl", "xlsx"]

SNIFF_CHARS = 64 * 1024  # sample for counting cells per row
SNIFFER_CHARS = 4 * 1024  # sample for csv.Sniffer, which is slow (see _sniff)
DELIMITERS = (",", ";", "\t", "|")


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


def read_table(path: str | os.PathLike[str], *, format: Format | None = None,
               encoding: str | None = None, sheet: str | None = None,
               exact: bool = False) -> Table:
    """A file's cells and row-level errors. Problems are reported in the Table, not raised.

    CSV cells lose the formula escape that CSV export adds, unless `exact` (see formulas.py)."""
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
    return parse_csv(data, encoding=encoding, source=path.name, exact=exact)


def _decoded(data: bytes, encoding: str | None) -> tuple[str | None, str | None, RowError | None]:
    if not data.strip(b"\x00\t\r\n \xef\xbb\xbf\xff\xfe"):
        return None, None, RowError(None, "the file is empty")
    try:
        text, name = decode(data, encoding)
    except LookupError:
        return None, None, RowError(None, f"unknown encoding {encoding!r}")
    except UnicodeDecodeError as exc:
        used = encoding or next((name for mark, name in BOMS if data.startswith(mark)), "utf-8")
        line = data[: exc.start].decode(used, "replace").count("\n") + 1
        bad = data[exc.start:exc.end][:4].hex(" ")
        return None, used, RowError(None, f"line {line}: bytes that are not valid {used} ({bad}: "
                                    f"{exc.reason}); save the file again in one encoding, e.g. "
                                    "CSV UTF-8", line)
    return text, name, None


def parse_csv(data: bytes, *, encoding: str | None = None, source: str = "",
              exact: bool = False) -> Table:
    """CSV in any common encoding and delimiter. Unless `exact`, a cell that is quotes before
    `=`, `+`, `-`, `@`, tab or CR loses one quote: the formula escape export adds."""
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
    unescaped = 0 if exact else _unescape_formulas(records)
    table = _build_table(source, "csv", records, encoding=name, delimiter=delimiter)
    if unescaped:
        table = dataclasses.replace(table, warnings=(*table.warnings, (
            f"{unescaped} cell(s) started with an apostrophe before =, +, -, @, a tab or a line "
            "break: read as the spreadsheet formula escape that CSV export adds, and one "
            "apostrophe removed (import exactly, e.g. --exact, to keep them as written)")))
    return table


def _unescape_formulas(records: list[tuple[int, list[str]]]) -> int:
    count = 0
    for _, cells in records:
        for i, cell in enumerate(cells):
            if cell.startswith("'"):
                plain = unescape_formula(cell)
                if plain != cell:
                    cells[i] = plain
                    count += 1
    return count


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
    header, bad = clean_cells(header, encoding or "the encoding")
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
        cells, bad = clean_cells(list(cells), encoding or "the encoding")
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
        if ESCAPED_BYTE.search(line):
            _, bad = clean_cells([line], name)
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
        if any(SURROGATE.search(k) or SURROGATE.search(v) for k, v in cells.items()):
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
