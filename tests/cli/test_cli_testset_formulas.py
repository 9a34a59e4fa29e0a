"""`testset export` escapes would-be spreadsheet formulas in CSV unless --exact; import undoes it."""

from __future__ import annotations


def test_csv_export_escapes_formulas_by_default_and_exact_keeps_them(cli, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text('{"question": "=1+1", "expected": "-5"}\n', encoding="utf-8")
    assert cli("testset", "import", "gold", str(source)).code == 0

    escaped, exact = tmp_path / "escaped.csv", tmp_path / "exact.csv"
    assert cli("testset", "export", "gold", "--to", str(escaped)).code == 0
    assert cli("testset", "export", "gold", "--to", str(exact), "--exact").code == 0
    assert escaped.read_text(encoding="utf-8-sig").splitlines()[1] == "'=1+1,'-5,,"
    assert exact.read_text(encoding="utf-8-sig").splitlines()[1] == "=1+1,-5,,"

    back = cli("testset", "import", "again", str(escaped))
    assert back.code == 0 and "2 cell(s) started with an apostrophe" in back.err
    assert cli("testset", "export", "again", "--to", str(tmp_path / "again.jsonl")).code == 0
    assert '"question": "=1+1"' in (tmp_path / "again.jsonl").read_text(encoding="utf-8")

    kept = cli("testset", "import", "kept", str(escaped), "--exact")
    assert kept.code == 0 and "apostrophe" not in kept.err
    assert cli("testset", "export", "kept", "--to", str(tmp_path / "kept.jsonl")).code == 0
    assert '"question": "\'=1+1"' in (tmp_path / "kept.jsonl").read_text(encoding="utf-8")
