"""Test-set import (CSV, JSONL, XLSX) through a validated preview, and export."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest

from desktop.core.testsets import (CaseRow, ExportProblem, ImportProblem, cell_text,
                                   detect_delimiter, export_csv, export_jsonl, map_columns,
                                   parse_csv, parse_jsonl, parse_tags, preview_import, read_table,
                                   write_export)

VARIABLES = ["question", "customer"]


def errors(table_or_preview) -> list[str]:
    return [str(e) for e in table_or_preview.errors]


# ---------------------------------------------------------------- realistic files

def test_excel_unicode_text_utf16_tab_file(tmp_path):
    # Excel's "Unicode text": UTF-16 LE with BOM, tab-separated, CRLF, quotes around cells with
    # tabs, quotes or line breaks.
    lines = ["question\tcustomer\texpected output\tNotes\tTags",
             'Where is my order?\tAna\t"It ships\r\ntoday."\t\tshipping; urgent',
             'متى يصل طلبي؟\tليلى\t"قريبًا ""جدًا"""\tRTL\tarabic',
             '"Tab\tinside"\t Bo \t\t\t']
    path = tmp_path / "cases.txt"
    path.write_bytes(b"\xff\xfe" + ("\r\n".join(lines) + "\r\n").encode("utf-16-le"))
    preview = preview_import(path, VARIABLES)
    assert preview.ok, errors(preview)
    assert preview.table.encoding == "utf-16" and preview.table.delimiter == "\t"
    assert preview.roles.expected == "expected output" and preview.roles.notes == "Notes"
    cases = preview.cases()
    assert cases[0] == CaseRow({"question": "Where is my order?", "customer": "Ana"},
                               "It ships\r\ntoday.", "", ("shipping", "urgent"))
    assert cases[1].expected == 'قريبًا "جدًا"' and cases[1].tags == ("arabic",)
    assert cases[2].variables == {"question": "Tab\tinside", "customer": " Bo "}
    assert cases[2].expected is None


def test_european_excel_csv_utf8_bom_with_semicolons(tmp_path):
    text = ("Question;Customer;Réponse attendue;tags\r\n"
            "Quel est le délai ?;Zoë;Sous 14 jours, en général.;fr,délai\r\n"
            "\"Prix; TVA ?\";Jürgen;\"20 %\";\r\n")
    path = tmp_path / "export.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    preview = preview_import(path, VARIABLES, overrides={"Réponse attendue": "expected"})
    assert preview.ok, errors(preview)
    assert (preview.table.encoding, preview.table.delimiter) == ("utf-8-sig", ";")
    assert preview.columns == ("Question", "Customer", "Réponse attendue", "tags")
    cases = preview.cases()
    assert cases[0].variables == {"question": "Quel est le délai ?", "customer": "Zoë"}
    assert cases[0].expected == "Sous 14 jours, en général." and cases[0].tags == ("fr", "délai")
    assert cases[1].variables["question"] == "Prix; TVA ?"


def test_xlsx_written_with_openpyxl(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Cases"
    sheet.append(["question", "customer", "expected", "discount", "when", "vip", "count"])
    sheet.append(["Total?", "Ana", 42.0, 0.25, dt.date(2024, 5, 1), True, 1234.5])
    sheet.append([None, None, None, None, None, None, None])
    sheet.append(["Line\nbreak", "  Bo", "0.1+0.2", 0.30000000000000004,
                  dt.datetime(2024, 5, 1, 9, 30), False, 3])
    sheet["D2"].number_format = "0%"
    sheet["G2"].number_format = "#,##0.00"
    workbook.create_sheet("Other").append(["x"])
    path = tmp_path / "cases.xlsx"
    workbook.save(path)

    preview = preview_import(path, VARIABLES)
    assert preview.ok, errors(preview)
    assert preview.table.sheet == "Cases" and preview.table.row_numbers == (2, 4)
    assert preview.roles.unknown == ("discount", "when", "vip", "count")
    first, second = preview.rows
    assert first == {"question": "Total?", "customer": "Ana", "expected": "42", "discount": "25%",
                     "when": "2024-05-01", "vip": "TRUE", "count": "1,234.50"}
    assert second["question"] == "Line\nbreak" and second["customer"] == "  Bo"
    assert second["discount"] == "0.3" and second["when"] == "2024-05-01 09:30:00"
    assert read_table(path, sheet="Other").rows == ()
    missing = errors(read_table(path, sheet="Nope"))
    assert missing == ["there is no sheet 'Nope'; sheets: Cases, Other"]


def test_cp1252_and_mac_roman_files_are_recognised():
    text = ("frage,erwartet\r\nWie groß ist das Paket?,Übermorgen – ungefähr.\r\n"
            "Où ?,Déjà là\r\n"
            "Können Sie prüfen?,\"Natürlich, gerne.\"\r\nGrüße?,Schöne Grüße aus Köln\r\n")
    windows = parse_csv(text.encode("cp1252"))
    assert not windows.errors and len(windows.rows) == 4
    assert windows.encoding == "cp1252" and windows.rows[0]["frage"] == "Wie groß ist das Paket?"
    mac = parse_csv(text.encode("mac_roman"))
    assert mac.encoding == "mac-roman" and mac.rows[1]["erwartet"] == "Déjà là"
    assert parse_csv(text.encode("cp1252"), encoding="latin-1").rows[0]["erwartet"] == \
        "Übermorgen \x96 ungefähr."
    # Too few accented letters to guess from: Windows' code page.
    assert parse_csv("a,b\r\ncafé,x\r\n".encode("cp1252")).encoding == "cp1252"
    russian = parse_csv('вопрос,ответ\r\nГде мой заказ?,"Уже в пути, спасибо."\r\n'
                        .encode("cp1251"))
    assert russian.encoding == "cp1251" and not russian.errors
    assert russian.rows[0]["ответ"] == "Уже в пути, спасибо."


# ---------------------------------------------------------------- bad input

def test_mixed_encodings_give_row_errors_and_nothing_is_imported():
    data = ("question,expected\r\nCafé ?,Oui\r\n".encode() + "Crème ?,Non\r\n".encode("cp1252")
            + "Thé ?,Si\r\n".encode())
    preview = map_columns(parse_csv(data), ["question"])
    assert preview.table.encoding == "utf-8"
    assert errors(preview) == ["row 3: has bytes that are not valid utf-8 (e8); part of the file "
                               "is in another encoding: save it again as CSV UTF-8"]
    assert preview.rows[1]["question"] == "Cr\ufffdme ?"
    assert not preview.ok
    with pytest.raises(ImportProblem, match="1 problem\\(s\\), nothing imported; first: row 3"):
        preview.cases()


def test_invalid_utf16_is_a_file_error_naming_the_line():
    data = (b"\xff\xfe" + "a\tb\r\n1\t2\r\n".encode("utf-16-le") + b"\x00\xd8"
            + "x\r\n".encode("utf-16-le"))
    assert errors(parse_csv(data)) == [
        "line 3: bytes that are not valid utf-16 (00 d8: illegal UTF-16 surrogate); save the file "
        "again in one encoding, e.g. CSV UTF-8"]


@pytest.mark.parametrize("data", [b"", b"\r\n\r\n", b"\xef\xbb\xbf", b"  \n", b"\xff\xfe",
                                  b",,,\r\n"])
def test_empty_files(data):
    assert errors(parse_csv(data)) == ["the file is empty"]
    assert not map_columns(parse_csv(data)).ok


def test_header_without_rows():
    assert errors(map_columns(parse_csv(b"question,expected\r\n"), ["question"])) == [
        "the file has a header but no rows"]


def test_missing_and_unknown_columns():
    table = parse_csv(b"question,extra,expected\r\nHi,x,Hello\r\n")
    preview = map_columns(table, ["question", "customer", "tone"], defaults={"tone"})
    assert errors(preview) == ["no column for the variable 'customer'; add a column named "
                               "customer, or choose which column fills it"]
    assert preview.warnings == (
        "no column for the variable 'tone': every case uses its default",
        "columns not used: extra (they match no variable of the prompt and no role)")
    assert preview.roles.missing_variables == ("customer", "tone")
    assert preview.roles.unknown == ("extra",)
    fixed = map_columns(table, ["question", "customer"], overrides={"extra": "variable:customer"})
    assert fixed.ok and fixed.cases()[0].variables == {"question": "Hi", "customer": "x"}


def test_duplicate_columns_are_errors():
    assert errors(parse_csv(b"question,expected,question\r\n1,2,3\r\n")) == [
        "row 1: the column name 'question' appears twice (columns 1 and 3); rename one"]
    two_expected = map_columns(parse_csv(b"question,expected,answer\r\n1,2,3\r\n"), ["question"])
    assert errors(two_expected) == ["columns 'expected' and 'answer' both look like the expected "
                                    "column; rename or ignore one of them"]
    assert map_columns(parse_csv(b"question,expected,answer\r\n1,2,3\r\n"), ["question"],
                       overrides={"answer": "ignore"}).ok
    same_variable = map_columns(parse_csv(b"Customer,customer\r\n1,2\r\n"), ["customer"])
    assert errors(same_variable)[0].startswith(
        "columns 'Customer' and 'customer' both fill the variable 'customer'")


def test_a_variable_named_like_a_role_is_a_variable():
    preview = map_columns(parse_csv(b"answer,expected\r\n42,The answer is 42\r\n"), ["answer"])
    assert preview.cases() == [CaseRow({"answer": "42"}, "The answer is 42")]


def test_column_names_match_variables_loosely():
    preview = map_columns(parse_csv(b"Customer Name,Order-ID,Expected Output\r\nAna,7,Hi\r\n"),
                          ["customer_name", "order_id"])
    assert preview.ok
    assert preview.cases() == [CaseRow({"customer_name": "Ana", "order_id": "7"}, "Hi")]


def test_row_width_problems():
    table = parse_csv(b"a,b,c\r\n1,2,3\r\n1,2,3,4\r\n1,2\r\n1,2,3,,\r\n")
    assert errors(table) == ["row 3: has 4 cells but the header has 3 columns; is a cell with a "
                             "delimiter in it missing its quotes?"]
    assert table.warnings == ("1 row(s) have fewer cells than columns; the missing cells are "
                              "empty (rows 4)",)
    assert table.rows[2] == {"a": "1", "b": "2", "c": ""}


def test_unnamed_columns():
    assert parse_csv(b"a,b,\r\n1,2,\r\n").columns == ("a", "b")
    assert errors(parse_csv(b"a,,c\r\n1,2,3\r\n")) == [
        "row 1: column 2 has cells but no name in the header row; give it a name"]


def test_an_unclosed_quote_is_a_file_error_naming_the_line():
    assert errors(parse_csv(b'a,b\r\n1,2\r\n"open,3\r\n4,5\r\n')) == [
        "line 3: a quoted cell starting here is never closed; nothing after it can be read"]
    assert "line 2: text follows a closing quote" in errors(parse_csv(b'a,b\r\n"x"y,2\r\n'))[0]


def test_blank_lines_are_skipped_but_keep_row_numbers():
    table = parse_csv(b"a,b\r\n\r\n1,2\r\n,\r\n3,4\r\n")
    assert table.rows == ({"a": "1", "b": "2"}, {"a": "3", "b": "4"})
    assert table.row_numbers == (3, 5)


@pytest.mark.timeout(60)
def test_a_ten_megabyte_cell_is_imported_exactly():
    big = ("Ünïcödé \"quoted\", line\r\n" * 420_000)[:10_000_000]
    data = ("question,expected\r\nbig,\"" + big.replace('"', '""') + "\"\r\nsmall,x\r\n").encode()
    preview = map_columns(parse_csv(data), ["question"])
    assert preview.ok, errors(preview)
    cases = preview.cases()
    assert cases[0].expected == big and cases[1].expected == "x"
    jsonl = map_columns(parse_jsonl(export_jsonl(cases, ["question"])), ["question"])
    assert jsonl.cases() == cases


def test_old_xls_and_unreadable_files(tmp_path):
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    assert "old Excel .xls" in errors(read_table(xls))[0]
    assert "cannot read" in errors(read_table(tmp_path / "missing.csv"))[0]
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    assert "not a readable .xlsx workbook" in errors(read_table(broken))[0]


# ---------------------------------------------------------------- JSONL

def test_jsonl_line_errors():
    data = ('{"question": "a", "expected": "b"}\n'
            "\n"
            '{"question": "c", "expected": }\n'
            '["not", "an object"]\n'
            '{"question": "d", "question": "e"}\n'
            '{"question": "f", "score": NaN}\n'
            '{"question": "\\ud800"}\n').encode()
    table = parse_jsonl(data)
    assert errors(table) == [
        "row 3: not valid JSON: Expecting value at column 31",
        'row 4: is JSON list, not an object {"column": "value", ...}',
        "row 5: not valid JSON: the key 'question' appears twice",
        "row 6: not valid JSON: NaN is not valid JSON",
        "row 7: contains an unpaired \\ud800-\\udfff escape, which is not text"]
    assert table.rows == ({"question": "a", "expected": "b"},)


def test_jsonl_values_and_sparse_keys():
    data = ('\ufeff{"question": "a\u2028b", "n": 3, "ok": true, "none": null, '
            '"tags": ["x", "y"]}\r\n'
            '{"question": "c", "extra": {"k": [1]}}\n').encode()
    table = parse_jsonl(data)
    assert table.columns == ("question", "n", "ok", "none", "tags", "extra")
    assert table.rows[0] == {"question": "a\u2028b", "n": "3", "ok": "true", "none": "",
                             "tags": '["x", "y"]', "extra": ""}
    assert table.rows[1]["extra"] == '{"k": [1]}'
    assert map_columns(table, ["question"], overrides={"n": "ignore", "ok": "ignore",
                                                       "none": "ignore", "extra": "ignore"}
                       ).cases()[0].tags == ("x", "y")


def test_jsonl_written_by_powershell_as_utf16():
    data = b"\xff\xfe" + '{"question": "hé"}\r\n'.encode("utf-16-le")
    table = parse_jsonl(data)
    assert table.encoding == "utf-16" and table.rows == ({"question": "hé"},)
    assert errors(parse_jsonl(b"\n\n")) == ["the file is empty"]


# ---------------------------------------------------------------- tags, cells, delimiters

@pytest.mark.parametrize(("cell", "tags"), [
    ("", ()), ("a, b;c ,, a", ("a", "b", "c")), ('["a, b", " c"]', ("a, b", " c")),
    ("[not json", ("[not json",)), ("[1, 2]", ("[1", "2]")),
])
def test_parse_tags(cell, tags):
    assert parse_tags(cell) == tags


@pytest.mark.parametrize(("value", "fmt", "text"), [
    (None, "General", ""), ("  x ", "General", "  x "), (3, "General", "3"), (3.0, "General", "3"),
    (0.1 + 0.2, "General", "0.3"), (1e20, "General", "1e+20"), (0.5, "0%", "50%"),
    (0.1234, "0.00%", "12.34%"), (1234567.891, "#,##0", "1,234,568"), (2.5, "0.000", "2.500"),
    (True, "General", "TRUE"), (dt.datetime(2024, 1, 2), "yyyy-mm-dd", "2024-01-02"),
    (dt.datetime(2024, 1, 2), "yyyy-mm-dd hh:mm", "2024-01-02 00:00:00"),
    (dt.time(9, 30), "h:mm", "09:30:00"), (dt.timedelta(hours=30), "[h]:mm", "1 day, 6:00:00"),
])
def test_cell_text(value, fmt, text):
    assert cell_text(value, fmt) == text


@pytest.mark.parametrize(("text", "delimiter"), [
    ("a,b\r\n1,2\r\n", ","), ("a;b\r\n1,5;2,5\r\n", ";"), ("a\tb\r\nx, y\tz; w\r\n", "\t"),
    ("a|b|c\n1|2|3\n", "|"), ("single\nvalue\n", ","), ("q;e\n" + "x" * 100_000, ";"),
    ('question,expected\r\n"Hello; there","Bonjour; toi"\r\n"a;b",c\r\n', ","),
])
def test_detect_delimiter(text, delimiter):
    assert detect_delimiter(text) == delimiter


@pytest.mark.timeout(20)
@pytest.mark.parametrize("text", [',"' * 40_000, ', "x' * 20_000, 'a,"b\n' * 20_000,
                                  'a;b\n1,"2;3\n' * 10_000])
def test_delimiter_detection_is_not_quadratic(text):
    # csv.Sniffer alone takes 30-80 s on 64 KB of these.
    assert detect_delimiter(text) in (",", ";")


# ---------------------------------------------------------------- export

ROWS = [CaseRow({"question": "Line 1\r\nLine 2", "customer": " Ana "}, 'Say "hi", then go.',
                "note", ("a", "b")),
        CaseRow({"question": "שלום 👋", "customer": ""}, None, "", ())]


def test_csv_export_is_excel_friendly_and_exact():
    data = export_csv(ROWS, VARIABLES)
    assert data.startswith(b"\xef\xbb\xbfquestion,customer,expected,notes,tags\r\n")
    assert b'"Line 1\r\nLine 2", Ana ,"Say ""hi"", then go.",note,"a, b"\r\n' in data
    preview = map_columns(parse_csv(data), VARIABLES)
    assert preview.cases() == ROWS


def test_jsonl_export():
    data = export_jsonl(ROWS, VARIABLES)
    first = json.loads(data.splitlines()[0])
    assert first == {"question": "Line 1\r\nLine 2", "customer": " Ana ",
                     "expected": 'Say "hi", then go.', "notes": "note", "tags": ["a", "b"]}
    assert "שלום 👋".encode() in data
    assert map_columns(parse_jsonl(data), VARIABLES).cases() == ROWS


def test_export_avoids_role_names_used_by_variables():
    rows = [CaseRow({"notes": "variable", "expected": "also a variable"}, "the expected", "n",
                    ("t",))]
    data = export_csv(rows, ["notes", "expected"])
    assert data.startswith("\ufeffnotes,expected,expected_output,note,tags\r\n".encode())
    assert map_columns(parse_csv(data), ["notes", "expected"]).cases() == rows


def test_export_problems():
    with pytest.raises(ExportProblem, match="case 1, question: contains an unpaired surrogate"):
        export_csv([CaseRow({"question": "\udc80"})], ["question"])
    with pytest.raises(ExportProblem, match="case 1 has variables not exported: other"):
        export_jsonl([CaseRow({"other": "x"})], ["question"])


def test_write_export_replaces_the_file_atomically(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    write_export(target, ROWS, VARIABLES)
    assert target.read_bytes() == export_csv(ROWS, VARIABLES)
    write_export(tmp_path / "out.jsonl", ROWS)
    assert (tmp_path / "out.jsonl").read_bytes() == export_jsonl(ROWS, VARIABLES)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "out.jsonl"]
    assert preview_import(tmp_path / "out.jsonl", VARIABLES).cases() == ROWS


# -- Formula injection: CSV export escapes would-be formulas; import undoes it ------------------

FORMULAS = [CaseRow({"question": "=HYPERLINK(\"http://x\",\"click\")", "customer": "+1 555"},
                    "-5", "@SUM(A1)", ("ok",)),
            CaseRow({"question": "\tindented", "customer": "\rcr"}, "'=already quoted", "",
                    ()),
            CaseRow({"question": "plain", "customer": "it's fine"}, "'quote only", "a-b", ())]


def test_csv_export_escapes_cells_a_spreadsheet_would_run_as_formulas():
    data = export_csv(FORMULAS, VARIABLES).decode("utf-8-sig")
    lines = data.split("\r\n")
    assert lines[1] == '"\'=HYPERLINK(""http://x"",""click"")",\'+1 555,\'-5,\'@SUM(A1),ok'
    assert lines[2].startswith("'\t") and "\"'\rcr\"" in lines[2]
    assert "''=already quoted" in lines[2]  # one more quote, so import can undo it exactly
    assert lines[3] == "plain,it's fine,'quote only,a-b,"  # nothing to escape
    for line in lines[1:]:
        for cell in line.split(","):
            assert not cell.lstrip('"').startswith(tuple("=+-@"))


def test_escaped_csv_imports_back_as_it_was_and_says_so(tmp_path):
    path = tmp_path / "cases.csv"
    write_export(path, FORMULAS, VARIABLES)
    preview = preview_import(path, VARIABLES)
    assert preview.cases() == FORMULAS
    assert any("7 cell(s) started with an apostrophe" in w for w in preview.warnings)


def test_exact_mode_writes_and_reads_cells_as_they_are(tmp_path):
    data = export_csv(FORMULAS, VARIABLES, exact=True).decode("utf-8-sig")
    assert data.split("\r\n")[1].startswith('"=HYPERLINK(""http://x"",""click"")",+1 555,-5,')
    path = tmp_path / "exact.csv"
    write_export(path, FORMULAS, VARIABLES, exact=True)
    assert preview_import(path, VARIABLES, exact=True).cases() == FORMULAS
    # An escaped file read exactly keeps the quotes export added.
    escaped = parse_csv(export_csv(FORMULAS, VARIABLES), exact=True)
    assert escaped.rows[0]["expected"] == "'-5" and not escaped.warnings


def test_jsonl_is_never_escaped(tmp_path):
    data = export_jsonl(FORMULAS, VARIABLES)
    assert json.loads(data.splitlines()[0])["expected"] == "-5"
    write_export(tmp_path / "cases.jsonl", FORMULAS, VARIABLES)
    assert (tmp_path / "cases.jsonl").read_bytes() == data
    assert map_columns(parse_jsonl(b'{"question": "\'=x"}\n'), ["question"]).rows[0] == {
        "question": "'=x"}
