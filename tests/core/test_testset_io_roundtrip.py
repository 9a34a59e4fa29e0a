"""Property tests: export -> import is the identity; no input makes the importers raise."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.core.testsets import (CaseRow, export_csv, export_jsonl, map_columns, parse_csv,
                                   parse_jsonl, parse_xlsx)
from desktop.core.testsets.formulas import escape_formula, unescape_formula

VARIABLES = ["question", "context"]

# Any text a cell can hold: every code point except unpaired surrogates (which no file encoding
# stores), with the awkward cases made likely.
awkward = st.sampled_from(["\r\n", "\r", "\n", '"', ",", ";", "\t", " ", "\u2028", "\ufeff",
                           "שלום", "مرحبا", "\u202e", "👋🏽", "e\u0301", "\x00", "[", "@",
                           "=", "'", "+", "-"])
cell = st.lists(st.one_of(st.text(st.characters(exclude_categories=["Cs"])), awkward),
                max_size=6).map("".join)
tag = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=8)
# A row whose cells are all empty is a blank spreadsheet row, skipped on import by design.
case_rows = st.builds(
    CaseRow,
    variables=st.fixed_dictionaries({name: cell for name in VARIABLES}),
    expected=st.none() | cell.filter(bool),
    notes=cell,
    tags=st.lists(tag, max_size=4).map(tuple),
).filter(lambda c: any(c.variables.values()) or c.expected or c.notes or c.tags)
rows = st.lists(case_rows, min_size=1, max_size=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows)
def test_csv_round_trip_is_exact(cases):
    preview = map_columns(parse_csv(export_csv(cases, VARIABLES)), VARIABLES)
    assert preview.ok, [str(e) for e in preview.errors]
    assert preview.table.delimiter == ","
    assert preview.cases() == cases


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows)
def test_exact_csv_round_trip_is_exact(cases):
    data = export_csv(cases, VARIABLES, exact=True)
    preview = map_columns(parse_csv(data, exact=True), VARIABLES)
    assert preview.ok, [str(e) for e in preview.errors]
    assert preview.cases() == cases


@given(st.one_of(cell, st.text(st.sampled_from("'=+-@\t\rab"))))
def test_formula_escape_is_undone_exactly_and_leaves_no_formula(text):
    escaped = escape_formula(text)
    assert unescape_formula(escaped) == text
    assert not escaped.startswith(tuple("=+-@\t\r"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows)
def test_jsonl_round_trip_is_exact(cases):
    preview = map_columns(parse_jsonl(export_jsonl(cases, VARIABLES)), VARIABLES)
    assert preview.ok, [str(e) for e in preview.errors]
    assert preview.cases() == cases


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400) | cell.map(lambda t: t.encode("utf-8")))
def test_any_bytes_give_a_table_not_an_exception(data):
    for table in (parse_csv(data), parse_jsonl(data)):
        assert all(str(e) for e in table.errors)
        for row in table.rows:
            assert set(row) == set(table.columns)
    map_columns(parse_csv(data), VARIABLES)
    map_columns(parse_csv(data))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.text("abcé,;\t\"\r\n ", max_size=8), min_size=2, max_size=2),
                min_size=1, max_size=5))
def test_csv_in_any_excel_encoding_reads_the_same(encoding, records):
    import csv
    import io

    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter="\t" if encoding == "utf-16" else ";", lineterminator="\r\n")
    writer.writerow(["question", "context"])
    writer.writerows(records)
    table = parse_csv(out.getvalue().encode(encoding))
    non_empty = [r for r in records if any(r)]
    assert not table.errors
    assert [[row["question"], row["context"]] for row in table.rows] == non_empty


def test_xlsx_with_garbage_is_a_file_error():
    assert parse_xlsx(b"PK\x03\x04garbage").errors


def test_one_accented_letter_repeated_reads_as_cp1252():
    # No code page reads this as a language; Windows Excel's code page is the honest guess.
    from desktop.core.testsets.decode import decode

    data = ("éé,éé\r\n" * 4).encode("cp1252")
    assert decode(data) == (data.decode("cp1252"), "cp1252")
