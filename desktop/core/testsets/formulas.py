"""Spreadsheet formula injection: the escape CSV export applies, and its inverse on import.

A CSV cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to
Excel, LibreOffice and Google Sheets when the file is opened ("CSV injection"). CSV export
prefixes such a cell with a single quote, as OWASP recommends, so a spreadsheet shows it as text.

Round trip: a person who exports a test set and imports the file again (edited in a spreadsheet
or not) expects the cases back as they were, not with quotes added. So CSV import removes the
quote again: exactly one leading quote from a cell made of one or more quotes followed by one of
those characters. Export adds a quote to such cells too (`'=x` is written `''=x`), which makes
`unescape(escape(text)) == text` for every text. A CSV from another tool with a cell `'=x` is
read as `=x`, which is also what a spreadsheet shows for it; the import preview says how many
cells it read this way. `exact=True` on export and on import (CLI `--exact`) turns the escape
off: cells are written and read exactly. JSONL and XLSX are never escaped.
"""

from __future__ import annotations

import re

TRIGGERS = "=+-@\t\r"
_NEEDS_ESCAPE = re.compile(r"'*[=+\-@\t\r]")
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")


def escape_formula(cell: str) -> str:
    """The cell as CSV export writes it by default: a quote before a would-be formula."""
    return "'" + cell if _NEEDS_ESCAPE.match(cell) else cell


def unescape_formula(cell: str) -> str:
    """The inverse of `escape_formula`: one leading quote less before a would-be formula."""
    return cell[1:] if _ESCAPED.match(cell) else cell
