"""Prompt blobs as the reader loads them: hash first, then a strict parse that must give back
the same bytes. The reader parses with Python's own dicts and proves uniqueness of keys by the
byte-for-byte round trip; these are the inputs where that shortcut must still refuse, with the
strict parser's own message. And the folder source's reads of exactly one blob."""

from __future__ import annotations

import hashlib
import os

import pytest

from storage.releases.content import canonical_bytes, from_canonical
from storage.releases.errors import MalformedError, OversizedError, TamperedError
from storage.releases.metadata import FileRef
from storage.releases.sources import FolderSource
from storage.releases.verify import load_prompt

from .helpers import content


def ref_of(data: bytes) -> FileRef:
    return FileRef(hashlib.sha256(data).hexdigest(), len(data))


def load(data: bytes):
    return load_prompt(data, ref_of(data), "team/p")


def test_canonical_blob_loads_to_the_same_content_as_the_strict_parser():
    text = "Línea uno\r\nשלום {{ transcript }} 🎉\rend"
    data = canonical_bytes(content(text))
    loaded = load(data)
    assert loaded == from_canonical(data)
    assert loaded.messages[1].content == text
    assert canonical_bytes(loaded) == data


def test_a_duplicate_key_is_refused_by_name_even_when_the_last_value_is_valid():
    data = canonical_bytes(content())
    # the same key twice: Python's json keeps the last, which is a valid prompt on its own
    twice = data.replace(b'"model":"openai/gpt-4o-mini"',
                         b'"model":"evil/model","model":"openai/gpt-4o-mini"')
    assert twice != data
    with pytest.raises(MalformedError, match="duplicate key 'model'"):
        load(twice)


def test_a_duplicate_key_inside_a_message_is_refused():
    data = canonical_bytes(content("hi"))
    twice = data.replace(b'"role":"system"', b'"role":"user","role":"system"')
    assert twice != data
    with pytest.raises(MalformedError, match="duplicate key 'role'"):
        load(twice)


@pytest.mark.parametrize("change", [
    lambda d: d.replace(b'":', b'": ', 1),                      # whitespace
    lambda d: d.replace(b'"temperature":0.2', b'"temperature":0.20'),  # a number written longer
    lambda d: d + b"\n",                                       # trailing newline
    lambda d: "\ufeff".encode() + d,                           # byte-order mark
], ids=["space", "number", "newline", "bom"])
def test_valid_content_written_differently_is_not_canonical(change):
    data = canonical_bytes(content())
    changed = change(data)
    assert changed != data
    with pytest.raises(MalformedError, match="canonical form|not a valid prompt"):
        load(changed)


@pytest.mark.parametrize("bad", [
    b'"temperature":NaN', b'"temperature":1e400', b'"temperature":"\\ud800"',
])
def test_nan_infinity_and_surrogates_are_refused(bad):
    data = canonical_bytes(content())
    changed = data.replace(b'"temperature":0.2', bad)
    with pytest.raises(MalformedError):
        load(changed)


def test_a_lone_surrogate_in_a_message_is_refused():
    data = canonical_bytes(content("x"))
    with pytest.raises(MalformedError, match="not a valid prompt"):
        load(data.replace(b'"content":"x"', b'"content":"\\udc80"'))


def test_the_hash_is_checked_before_any_parse():
    data = canonical_bytes(content())
    with pytest.raises(TamperedError):
        load_prompt(data.replace(b"terse", b"tense"), ref_of(data), "team/p")


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 65537])
def test_folder_source_reads_a_whole_file_at_its_exact_limit(tmp_path, size):
    data = os.urandom(size)
    (tmp_path / "blob").write_bytes(data)
    assert FolderSource(tmp_path).fetch("blob", max_length=size) == data
    assert FolderSource(tmp_path).fetch("blob", max_length=size + 10) == data
    if size:
        with pytest.raises(OversizedError):
            FolderSource(tmp_path).fetch("blob", max_length=size - 1)


GOOD_SHA = "ab" * 32


@pytest.mark.parametrize("obj", [
    {"sha256": GOOD_SHA, "length": True},                 # a boolean is not a length
    {"sha256": GOOD_SHA, "length": -1},
    {"sha256": GOOD_SHA, "length": 101},                  # over the limit
    {"sha256": GOOD_SHA.upper(), "length": 1},
    {"sha256": GOOD_SHA + "0", "length": 1},
    {"sha256": GOOD_SHA, "size": 1},
    {"sha256": GOOD_SHA, "length": 1, "extra": 1},
    {"sha256": 1, "length": 1},
    [GOOD_SHA, 1],
], ids=["bool", "negative", "over", "upper", "long-hash", "renamed", "extra", "int-hash", "list"])
def test_file_refs_are_refused_unless_exactly_right(obj):
    with pytest.raises(MalformedError):
        FileRef.from_json(obj, "ref", 100)


def test_a_right_file_ref_is_read():
    assert FileRef.from_json({"length": 100, "sha256": GOOD_SHA}, "ref", 100) == \
        FileRef(GOOD_SHA, 100)
