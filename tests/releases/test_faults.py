"""Faults: partial publishes, sync-client folders, unreachable sources, the reader's cache."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from storage.releases import NotYetSynced, Reader, SourceUnavailable
from storage.releases import atomic
from storage.releases.cache import ReaderCache
from storage.releases.sources import FolderSource
from tests.releases.helpers import (manifest_file, pointer_file, prompt_blob, prompts,
                                    read_manifest)

ROOT = Path(__file__).resolve().parents[2]


def publish(repo, keys, tag, channel="production"):
    return repo.publish(prompts(tag), channel=channel, signer=keys.author)


# --- partial publish and sync clients -------------------------------------------------------------


def test_pointer_present_but_a_blob_missing(repo, keys, repo_dir, open_reader):
    publish(repo, keys, "v1")
    reader = open_reader()
    publish(repo, keys, "v2")
    prompt_blob(repo_dir, "support/p1").unlink()
    assert reader.refresh() is False
    assert reader.release == 1 and isinstance(reader.last_error, NotYetSynced)
    assert "not in" in str(reader.last_error)
    with pytest.raises(NotYetSynced):
        open_reader(cache=False)


def test_pointer_present_but_the_manifest_missing(repo, keys, repo_dir, open_reader):
    publish(repo, keys, "v1")
    manifest_file(repo_dir).unlink()
    with pytest.raises(NotYetSynced, match="manifest"):
        open_reader(cache=False)


def test_files_arriving_out_of_order_are_picked_up_once_complete(repo, keys, tmp_path,
                                                                  open_reader):
    """A sync client copies the pointer before the blobs; later the blobs arrive."""
    publish(repo, keys, "v1")
    mirror = tmp_path / "synced"
    shutil.copytree(repo.target.folder, mirror)
    reader = open_reader(source=mirror)
    publish(repo, keys, "v2")
    src = repo.target.folder
    shutil.copy2(pointer_file(src), pointer_file(mirror))  # the pointer arrives first
    assert reader.refresh() is False and isinstance(reader.last_error, NotYetSynced)
    shutil.copy2(manifest_file(src), manifest_file(mirror))  # then the manifest
    assert reader.refresh() is False and isinstance(reader.last_error, NotYetSynced)
    shutil.copytree(src / "blobs", mirror / "blobs", dirs_exist_ok=True)  # then the rest
    assert reader.refresh() is True and reader.release == 2 and reader.last_error is None


def test_half_written_temp_files_are_ignored(repo, keys, repo_dir, open_reader):
    publish(repo, keys, "v1")
    (repo_dir / "channels" / ".production.json.1a2b3c.tmp").write_bytes(b'{"payload":"')
    (repo_dir / "blobs" / "sha256" / ".deadbeef.tmp").write_bytes(b"\0" * 10)
    reader = open_reader()
    assert reader.release == 1 and reader.last_error is None
    publish(repo, keys, "v2")  # the publisher is not confused either
    assert reader.refresh() is True


def test_conflicted_copy_files_are_ignored(repo, keys, repo_dir, open_reader):
    publish(repo, keys, "v1")
    old_pointer = pointer_file(repo_dir).read_bytes()
    publish(repo, keys, "v2")
    channels = repo_dir / "channels"
    (channels / "production (Ann's conflicted copy 2026-09-21).json").write_bytes(old_pointer)
    (channels / "production.sync-conflict-20260921-101010-ABC.json").write_bytes(old_pointer)
    (repo_dir / "releases" / "index (conflicted copy).json").write_bytes(b"garbage")
    reader = open_reader()
    assert reader.release == 2 and reader.last_error is None
    assert publish(repo, keys, "v3").release == 3
    assert reader.refresh() is True and reader.release == 3


def test_permission_error_during_replace_is_retried(repo, keys, monkeypatch):
    """Windows refuses os.replace while a reader holds the file open: retry, then succeed."""
    real_replace = os.replace
    failures = {"left": 3}

    def flaky_replace(src, dst):
        if str(dst).endswith("production.json") and failures["left"]:
            failures["left"] -= 1
            raise PermissionError(13, "The process cannot access the file", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(atomic, "REPLACE_DELAY", 0.001)
    monkeypatch.setattr(atomic.os, "replace", flaky_replace)
    assert publish(repo, keys, "v1").release == 1
    assert failures["left"] == 0


def test_folder_unreachable_keeps_the_last_good_release(repo, keys, repo_dir, open_reader):
    publish(repo, keys, "v1")
    reader = open_reader()
    repo_dir.rename(repo_dir.with_name("unmounted"))
    assert reader.refresh() is False
    assert reader.release == 1 and isinstance(reader.last_error, SourceUnavailable)
    again = open_reader()  # a restart while the share is down: served from the cache
    assert again.release == 1 and isinstance(again.last_error, SourceUnavailable)
    assert again.get("support/p0").render(transcript="x")


class FailingSource(FolderSource):
    """A folder that becomes unreachable after `budget` reads (mid-way through a release)."""

    def __init__(self, folder, budget):
        super().__init__(folder)
        self.budget = budget

    def fetch(self, path, *, max_length):
        self.budget -= 1
        if self.budget < 0:
            raise SourceUnavailable(f"network share dropped while reading {path}")
        return super().fetch(path, max_length=max_length)


def test_folder_unreachable_mid_read(repo, keys, repo_dir, open_reader, tmp_path):
    publish(repo, keys, "v1")
    reader = open_reader(source=FailingSource(repo_dir, budget=1000))
    publish(repo, keys, "v2")
    reader._source.budget = 3  # root probe, pointer, manifest: then the share drops
    assert reader.refresh() is False
    assert reader.release == 1 and isinstance(reader.last_error, SourceUnavailable)
    reader._source.budget = 1000
    assert reader.refresh() is True and reader.release == 2


# --- the reader's cache ------------------------------------------------------------------------------


def cache_state(tmp_path, channel="production"):
    return tmp_path / "cache" / "acme" / channel / "state.json"


@pytest.mark.parametrize("damage", [
    lambda p: p.write_bytes(b"garbage"),
    lambda p: p.write_bytes(b""),
    lambda p: p.write_bytes(p.read_bytes()[:-20]),
    lambda p: p.write_text(json.dumps({**json.loads(p.read_text()), "pointer": "AAAA"},
                                      sort_keys=True, separators=(",", ":"))),
], ids=["garbage", "empty", "truncated", "bad-pointer"])
def test_corrupt_reader_cache_is_ignored_and_refetched(repo, keys, tmp_path, open_reader,
                                                       caplog, damage):
    publish(repo, keys, "v1")
    open_reader()
    damage(cache_state(tmp_path))
    reader = open_reader()
    assert reader.release == 1 and reader.last_error is None  # refetched from the source
    assert any("cache" in r.getMessage() for r in caplog.records)
    assert open_reader(source=tmp_path / "nowhere").release == 1  # and the cache is good again


def test_corrupt_cache_blob_is_refetched(repo, keys, repo_dir, tmp_path, open_reader):
    publish(repo, keys, "v1")
    open_reader()
    sha = read_manifest(repo_dir).prompts["support/p0"].sha256
    cached = tmp_path / "cache" / "acme" / "blobs" / sha
    cached.write_bytes(cached.read_bytes().replace(b"prompt 0", b"PROMPT 0"))
    reader = open_reader()
    assert reader.get("support/p0").render(transcript="x")[1]["content"].startswith("[v1] prompt 0")


def test_corrupt_cache_with_the_source_down_raises(repo, keys, repo_dir, tmp_path, open_reader):
    publish(repo, keys, "v1")
    open_reader()
    cache_state(tmp_path).write_bytes(b"garbage")
    shutil.rmtree(repo_dir)
    with pytest.raises(SourceUnavailable):
        open_reader()


def test_tampered_cache_state_cannot_smuggle_a_pointer(repo, keys, repo_dir, tmp_path,
                                                       open_reader, caplog):
    """The cache is verified from the pinned root like any source."""
    publish(repo, keys, "v1")
    open_reader()
    state = json.loads(cache_state(tmp_path).read_text())
    import base64
    ptr = json.loads(base64.b64decode(state["pointer"]))
    ptr["payload"] = base64.b64encode(
        base64.b64decode(ptr["payload"]).replace(b'"version":1', b'"version":9')).decode()
    state["pointer"] = base64.b64encode(json.dumps(ptr, sort_keys=True, separators=(",", ":"))
                                        .encode()).decode()
    cache_state(tmp_path).write_text(json.dumps(state, sort_keys=True, separators=(",", ":")))
    shutil.rmtree(repo_dir)
    with pytest.raises(SourceUnavailable):
        open_reader()
    assert any("does not verify" in r.getMessage() for r in caplog.records)


def test_crash_between_verifying_and_saving_keeps_a_consistent_cache(repo, keys, tmp_path,
                                                                     open_reader, monkeypatch):
    publish(repo, keys, "v1")
    reader = open_reader()
    publish(repo, keys, "v2")

    def crash(*args, **kwargs):
        raise OSError("disk full / power cut while saving")

    monkeypatch.setattr(ReaderCache, "save", crash)
    assert reader.refresh() is True and reader.release == 2  # served from memory
    monkeypatch.undo()
    # A leftover temp file from the interrupted save is harmless.
    (cache_state(tmp_path).parent / ".state.json.abc.tmp").write_bytes(b"half")
    restarted = open_reader(source=tmp_path / "nowhere")
    assert restarted.release == 1  # the cache still holds the last state that was saved whole


def test_cache_never_moves_backwards_between_processes(repo, keys, tmp_path, open_reader):
    publish(repo, keys, "v1")
    slow = open_reader()  # process A at release 1
    publish(repo, keys, "v2")
    fast = open_reader()  # process B saves release 2
    assert fast.release == 2
    # A now saves what it has (release 1 state, e.g. a root update): it must not win.
    from storage.releases.cache import CachedState
    saved = slow._cache.save(CachedState({}, slow._pointer.data, slow.pointer_version, None), {})
    assert saved is False
    assert open_reader(source=tmp_path / "nowhere").release == 2


READER_SCRIPT = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {root!r})
    from storage.releases import Reader
    pinned = open({pinned!r}, "rb").read()
    seen = []
    deadline = time.monotonic() + 20
    reader = Reader({repo!r}, pinned, cache_dir={cache!r}, clock=lambda: {now})
    while time.monotonic() < deadline:
        reader.refresh()
        seen.append(reader.release)
        if reader.release == {last}:
            break
        # a second reader in the same process family, opened from the shared cache
        again = Reader({repo!r}, pinned, cache_dir={cache!r}, clock=lambda: {now})
        assert again.release >= 1, again.last_error
    print(max(seen), flush=True)
""")


def test_two_reader_processes_at_once(repo, keys, repo_dir, tmp_path, clock):
    """Two processes share one cache folder while releases are published underneath them."""
    publish(repo, keys, "r1")
    pinned = tmp_path / "pinned-root.json"
    pinned.write_bytes(repo.root_bytes())
    script = READER_SCRIPT.format(root=str(ROOT), pinned=str(pinned), repo=str(repo_dir),
                                  cache=str(tmp_path / "cache"), now=clock.now, last=6)
    procs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for i in range(2, 7):
        time.sleep(0.15)  # let the readers refresh between releases
        publish(repo, keys, f"r{i}")
    results = [p.communicate(timeout=60) for p in procs]
    for (out, err), p in zip(results, procs):
        assert p.returncode == 0, err
        assert out.strip() == "6"
    final = Reader(tmp_path / "nowhere", pinned.read_bytes(), cache_dir=tmp_path / "cache",
                   clock=clock)
    assert final.release == 6 and isinstance(final.last_error, SourceUnavailable)
