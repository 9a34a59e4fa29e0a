"""The strict parser: every input Python's json would accept but release metadata must not."""

from __future__ import annotations

import time

import pytest

from storage.releases import strictjson
from storage.releases.errors import MalformedError, OversizedError


def loads(data: bytes, **kw):
    return strictjson.loads(data, max_length=kw.pop("max_length", 1 << 20), what="test", **kw)


def test_canonical_document_round_trips():
    doc = {"b": [1, -2, "é\r\n", None, True], "a": {"x": "y"}}
    assert loads(strictjson.dumps(doc)) == doc


@pytest.mark.parametrize("text", [
    b'{"version":1,"version":2}',
    b'{"a":{"k":1,"k":1}}',
])
def test_duplicate_keys_refused(text):
    with pytest.raises(MalformedError, match="duplicate key"):
        loads(text, canonical=False)


@pytest.mark.parametrize("text", [b'{"v":NaN}', b'{"v":Infinity}', b'{"v":-Infinity}'])
def test_nan_and_infinity_refused(text):
    with pytest.raises(MalformedError, match="not allowed"):
        loads(text, canonical=False)


@pytest.mark.parametrize("text", [b'{"v":1e400}', b'{"v":1.0}', b'{"v":1E2}', b'{"v":-0.5}'])
def test_floats_refused_including_1e400(text):
    with pytest.raises(MalformedError, match="floats are not allowed"):
        loads(text, canonical=False)


def test_huge_integers_refused():
    with pytest.raises(MalformedError, match="too large"):
        loads(b'{"v":' + b"9" * 40 + b"}", canonical=False)


@pytest.mark.parametrize("data", [b'{"v":"\xff"}', b'{"v":"\xc3"}', b'{"v":"\xed\xa0\x80"}'])
def test_invalid_utf8_refused(data):
    with pytest.raises(MalformedError, match="UTF-8"):
        loads(data)


def test_lone_surrogate_escape_refused():
    with pytest.raises(MalformedError, match="surrogate"):
        loads(b'{"v":"\\ud800"}', canonical=False)


def test_byte_order_mark_refused():
    with pytest.raises(MalformedError, match="byte-order mark"):
        loads(b'\xef\xbb\xbf{"v":1}', canonical=False)


@pytest.mark.parametrize("data", [b'{"v":1} ', b' {"v":1}', b'{"v": 1}', b'{"b":1,"a":2}',
                                  b'{"v":"\\u0041"}', b'{"v":1}\n'])
def test_non_canonical_spelling_refused(data):
    with pytest.raises(MalformedError, match="canonical"):
        loads(data)


def test_over_long_input_refused_before_parsing():
    # 64 MB of invalid UTF-8: if it were decoded or parsed first, the error would differ.
    data = b"\xff" * (64 * 1024 * 1024)
    start = time.perf_counter()
    with pytest.raises(OversizedError):
        loads(data, max_length=1024)
    assert time.perf_counter() - start < 0.5


def test_deep_nesting_refused_without_crashing():
    with pytest.raises(MalformedError):
        loads(b"[" * 100_000 + b"]" * 100_000, max_length=1 << 20, canonical=False)
    with pytest.raises(MalformedError, match="nested"):
        loads(b"[" * 40 + b"]" * 40, canonical=False)


def test_schema_refuses_unknown_and_missing_fields_and_wrong_types():
    with pytest.raises(MalformedError, match="unknown field"):
        strictjson.fields({"a": 1, "b": 2}, "x", {"a": int})
    with pytest.raises(MalformedError, match="missing"):
        strictjson.fields({}, "x", {"a": int})
    with pytest.raises(MalformedError, match="boolean"):
        strictjson.fields({"a": True}, "x", {"a": int})
