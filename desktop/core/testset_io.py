"""Old home of the test-set file code, now `desktop.core.testsets`; kept for its importers."""

from desktop.core.testsets import (DELIMITERS, ROLE_ALIASES, CaseRow, ColumnRoles, ExportProblem,
                                   Format, ImportPreview, ImportProblem, Role, RowError, Table,
                                   cell_text, decode, detect_delimiter, export_columns,
                                   export_csv, export_jsonl, map_columns, parse_csv, parse_jsonl,
                                   parse_tags, parse_xlsx, preview_import, read_table,
                                   write_export)

__all__ = [
    "DELIMITERS", "ROLE_ALIASES", "CaseRow", "ColumnRoles", "ExportProblem", "Format",
    "ImportPreview", "ImportProblem", "Role", "RowError", "Table", "cell_text", "decode",
    "detect_delimiter", "export_columns", "export_csv", "export_jsonl", "map_columns",
    "parse_csv", "parse_jsonl", "parse_tags", "parse_xlsx", "preview_import", "read_table",
    "write_export",
]
