"""The release pack: a manifest's prompt blobs back to back, so a cold reader makes one read
instead of one per prompt. The pack is not signed: every slice is checked against the signed
manifest like any blob, and a damaged, missing, short or long pack only costs the blobs it
got wrong, each fetched on its own (and refused if that is wrong too)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from storage.releases import Reader, TamperedError
from storage.releases.content import canonical_bytes
from storage.releases.names import pack_path
from storage.releases.sources import FolderSource
from tests.releases.helpers import flip, prompts, read_pointer

N = 40


class CountingFolder(FolderSource):
    """The real folder source, counting what the reader asks for."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.fetched: Counter[str] = Counter()

    def fetch(self, path: str, *, max_length: int) -> bytes:
        self.fetched[path.split("/")[0]] += 1
        return super().fetch(path, max_length=max_length)


@pytest.fixture
def published(repo, keys):
    items = prompts("v1", N)
    repo.publish(items, channel="production", signer=keys.author)
    return dict(items)


def pack_file(repo_dir: Path) -> Path:
    return repo_dir.joinpath(*pack_path(read_pointer(repo_dir).manifest.sha256).split("/"))


def served(reader: Reader) -> dict:
    return {name: reader.get(name).content for name in reader.names()}


def test_a_cold_reader_reads_the_pack_not_every_blob(published, repo_dir, open_reader):
    pack = pack_file(repo_dir).read_bytes()
    assert pack == b"".join(canonical_bytes(published[n]) for n in sorted(published))
    source = CountingFolder(repo_dir)
    reader = open_reader(cache=False, source=source)
    assert served(reader) == published
    assert source.fetched["packs"] == 1
    assert source.fetched["blobs"] == 1  # the manifest only


def test_a_damaged_slice_is_fetched_on_its_own(published, repo_dir, open_reader):
    flip(pack_file(repo_dir), len(pack_file(repo_dir).read_bytes()) // 2)
    source = CountingFolder(repo_dir)
    reader = open_reader(cache=False, source=source)
    assert served(reader) == published  # what the manifest signed, not what the pack says
    assert source.fetched["blobs"] == 2  # the manifest and the one damaged prompt
    assert reader.last_error is None


def test_a_damaged_slice_whose_blob_is_damaged_too_is_refused(published, repo_dir, open_reader):
    pack = pack_file(repo_dir)
    first = sorted(published)[0]
    flip(pack, 5)  # inside the first prompt's slice
    manifest_blobs = sorted(p for p in (repo_dir / "blobs" / "sha256").iterdir()
                            if p.read_bytes() == canonical_bytes(published[first]))
    flip(manifest_blobs[0], 5)
    with pytest.raises(TamperedError):
        open_reader(cache=False)


@pytest.mark.parametrize("change", ["missing", "short", "long", "other-release", "garbage"])
def test_a_wrong_pack_costs_only_speed(published, repo, keys, repo_dir, open_reader, change):
    path = pack_file(repo_dir)
    data = path.read_bytes()
    if change == "missing":
        path.unlink()
    elif change == "short":
        path.write_bytes(data[:-100])
    elif change == "long":
        path.write_bytes(data + b" ")
    elif change == "garbage":
        path.write_bytes(b"\0" * len(data))
    else:  # a pack of other, validly signed prompts of the same lengths
        path.write_bytes(b"".join(canonical_bytes(c) for c in
                                  dict(prompts("v2", N)).values()))
    reader = open_reader(cache=False)
    assert served(reader) == published
    assert reader.last_error is None


def test_a_cached_reader_and_small_changes_read_blobs_not_the_pack(published, repo, keys,
                                                                  repo_dir, open_reader,
                                                                  tmp_path):
    open_reader(cache=tmp_path / "c")  # fills the cache
    source = CountingFolder(repo_dir)
    reader = open_reader(cache=tmp_path / "c", source=source)
    assert served(reader) == published
    assert source.fetched["packs"] == 0
    # one prompt changed: the reader fetches that blob, not the whole pack again
    changed = dict(published, **{"support/p3": prompts("v3", 4)[3][1]})
    repo.publish(list(changed.items()), channel="production", signer=keys.author)
    assert reader.refresh()
    assert served(reader) == changed
    assert source.fetched["packs"] == 0


def test_a_small_release_is_read_blob_by_blob(repo, keys, repo_dir, open_reader):
    items = dict(prompts("v1", 3))
    repo.publish(list(items.items()), channel="production", signer=keys.author)
    source = CountingFolder(repo_dir)
    assert served(open_reader(cache=False, source=source)) == items
    assert source.fetched["packs"] == 0 and source.fetched["blobs"] == 4


def test_a_pack_the_target_refuses_leaves_the_publish_whole(repo, keys, repo_dir, open_reader,
                                                            caplog):
    (repo_dir / "packs").write_bytes(b"")  # a file where the packs folder should be
    items = dict(prompts("v1", N))
    with caplog.at_level("WARNING", logger="promptpress_releases"):
        result = repo.publish(list(items.items()), channel="production", signer=keys.author)
    assert result.changed and "without its pack" in caplog.text
    source = CountingFolder(repo_dir)
    assert served(open_reader(cache=False, source=source)) == items
    assert source.fetched["blobs"] == N + 1  # one by one, and nothing is missing
