"""What a pull stores for a call is the same, byte for byte, as before the faster import:
variables in canonical JSON (sorted keys, text not escaped) and their sha256, details, time.

The reference below is the row as it was computed before (json.dumps with the canonical
settings on every value); rows stored by earlier versions must keep matching new ones, or
"same variables" (tests sets, comparisons) would stop finding them."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from desktop.core.logs.pull import pull
from desktop.core.logs.segments import parse_segment
from storage.releases.logformat import RecordError, check_record
from storage.workspace import logs as repo
from storage.workspace.db import Workspace
from tests.support import log_segments as seg


def canonical(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def before(record):
    """log_calls' text columns as the import computed them before."""
    variables = canonical(dict(record.get("variables") or {}))
    tokens, metadata = record.get("tokens"), record.get("metadata")
    details = "{}" if tokens is None and metadata is None else canonical(
        {k: v for k, v in (("tokens", tokens), ("metadata", metadata)) if v is not None})
    return {"variables": variables,
            "variables_hash": hashlib.sha256(variables.encode("utf-8", "surrogatepass"))
            .hexdigest(),
            "details": details, "time": record["time"][:10] + " " + record["time"][11:26]}


SAMPLES = [
    {"name": "سارة", "question": "  ما هو  رقم طلبي؟\n\t"},  # RTL, whitespace kept
    {"q": "👩‍👩‍👧 🇮🇱 \u200f\u2028x\u2029", "a": ""},  # emoji, marks, line separators
    {"z": "last", "a": "first", "M": "upper", "é": "accent"},  # keys out of order
    {"quote": 'say "hi" \\ back\\slash', "ctrl": "\x00\x01\x1f\x7f", "nl": "\r\n"},
    {"nested": {"b": [1, 2.5, -0.0, 1e100, True, None], "a": {"y": "ü", "x": []}}},
    {"half": "\ud800 lone surrogate", "n": 12345678901234567890},
    {},
]


def test_rows_match_the_rows_stored_before():
    for i, variables in enumerate(SAMPLES):
        for tokens, metadata in ((None, None), ({"input": 3, "output": 4}, None),
                                 (None, {"k": "v"}), ({"total": 1}, {"עברית": ["x"]})):
            record = seg.call(i, variables=variables, tokens=tokens, metadata=metadata)
            row = repo.call_row(record)
            assert {k: row[k] for k in ("variables", "variables_hash", "details", "time")} \
                == before(record), (variables, tokens, metadata)
            assert row["variables_hash"] == repo.variables_hash(variables)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(), lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=8), json_values, max_size=5))
def test_any_variables_give_the_text_and_hash_of_before(variables):
    record = seg.call(1, variables=variables)
    row = repo.call_row(record)
    assert row["variables"] == before(record)["variables"]
    assert row["variables_hash"] == before(record)["variables_hash"]
    assert row["details"] == before(record)["details"]


def test_lines_from_another_writer_are_stored_as_before(tmp_path):
    """Lines not written the reader's way (spaces, escapes, keys out of order, a key given
    twice) are parsed and stored in canonical form, the same as before."""
    base = json.dumps(seg.call(1, variables={"x": "1"}), ensure_ascii=False,
                      separators=(",", ":"))[:-1]
    lines = [
        (base + ', "variables" : { "b" : "\\u05e9\\u05dc\\u05d5\\u05dd" , "a":"\\ud83d\\ude00" } }'),
        (base.replace(seg.call_id(1), seg.call_id(2)) +
         ',"variables":{"z":"\\/x\\n","a":1.50,"m":-0,"e":1E2,"k":"\\t"},"variables":{"w":"ok"}}'),
        (base.replace(seg.call_id(1), seg.call_id(3)) +
         ',"variables":{"rtl":"  مرحبا  ","emoji":"🙂","n":10000000000000000000001}}'),
    ]
    data = seg.segment([line.encode("utf-8") for line in lines])
    sink = tmp_path / "sink"
    seg.write(sink, data)
    parsed = parse_segment([data], "x", project="acme")
    assert parsed.status == "done" and len(parsed.calls) == 3 and not parsed.problems
    with Workspace.open(tmp_path / "w.promptpress") as workspace:
        assert pull(workspace, str(sink)).calls == 3
        with workspace.session() as session:
            stored = {r.log_id: r for r in session.execute(text(
                "SELECT log_id, variables, variables_hash, details, time FROM log_calls"))}
    for line in lines:
        record = json.loads(line)
        row = stored[record["id"]]
        expected = before(record)
        assert (row.variables, row.variables_hash, row.details) == \
            (expected["variables"], expected["variables_hash"], expected["details"])
        assert row.time.startswith(expected["time"])
    assert stored[seg.call_id(2)].variables == '{"w":"ok"}'  # the last of a key given twice


def test_remembered_projects_and_versions_do_not_let_a_bad_field_through():
    """check_record remembers project names and version ids it found valid; a project name is
    still no version id, and a field of another type still says what is wrong."""
    check_record(seg.call(1, project="acme"))  # "acme" and seg.VERSION now remembered
    for record, message in (
            (seg.call(2, project="acme", version="acme"), "the field 'version' is not valid"),
            (seg.call(3, project=seg.VERSION), "the field 'project' is not valid"),
            (seg.call(4, project=["acme"]), "the field 'project' must be text, found list"),
            (seg.call(5, version={"v": 1}), "the field 'version' must be text, found dict"),
            (seg.call(6, time="2026-02-30T10:00:00.000000Z"), "the field 'time' is not a date"),
            (seg.call(7, time=12), "the field 'time' must be text, found int"),
            (dict(seg.call(8), id="x"), "the field 'id' is not valid")):
        with pytest.raises(RecordError, match=message):
            check_record(record)
