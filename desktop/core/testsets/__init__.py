"""Test-set files: CSV, JSONL and XLSX in, through a complete preview; CSV and JSONL out.

Import is two steps, and nothing is half-imported: `read_table` turns a file into text cells
with every row-level problem listed, `map_columns` gives each column a role (a prompt variable,
the expected output, notes, tags) and checks the whole file. The caller shows the preview and
commits `preview.cases()` (all rows) only when `preview.ok`; `cases()` refuses otherwise.

    decode    bytes to text: byte-order marks, UTF-8, legacy code pages, bytes that do not fit
    readers   CSV (delimiter detection), JSONL and XLSX into a `Table` of text cells
    columns   column roles, `ImportPreview`, `preview_import`, tags
    export    CSV and JSONL out, written atomically

Cells are text, kept exactly: no trimming, line breaks inside cells kept as written. Row numbers
are the ones a spreadsheet shows (header = row 1); JSONL rows are numbered by line.
"""

from .columns import (ROLE_ALIASES, CaseRow, ColumnRoles, ImportPreview, ImportProblem, Role,
                      map_columns, parse_tags, preview_import)
from .decode import decode
from .export import ExportProblem, export_columns, export_csv, export_jsonl, write_export
from .readers import (DELIMITERS, Format, RowError, Table, cell_text, detect_delimiter, parse_csv,
                      parse_jsonl, parse_xlsx, read_table)

__all__ = [
    "DELIMITERS", "ROLE_ALIASES", "CaseRow", "ColumnRoles", "ExportProblem", "Format",
    "ImportPreview", "ImportProblem", "Role", "RowError", "Table", "cell_text", "decode",
    "detect_delimiter", "export_columns", "export_csv", "export_jsonl", "map_columns",
    "parse_csv", "parse_jsonl", "parse_tags", "parse_xlsx", "preview_import", "read_table",
    "write_export",
]
