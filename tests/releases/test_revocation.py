"""A key revoked by a root rotation: what it signed is never served again.

After any root change `refresh()` accepts, the release being served is verified again under the
new root: its pointer (the channel's keys) and its manifest (the release keys). If either no
longer verifies, the release is dropped — `refresh()` raises unless the source has a release the
new root trusts — in the running reader, in a restarted one, and over HTTP with ETags.
"""

from __future__ import annotations

import shutil

import pytest

from storage.releases import (PromptNotFound, Root, SourceUnavailable, UntrustedKeyError,
                              WrongChannelError)
from tests.releases.conftest import make_root
from tests.releases.faulty_http import FaultyServer
from tests.releases.helpers import NOW, YEAR, pointer_file, prompts


def publish(repo, keys, tag, signer=None, **kw):
    return repo.publish(prompts(tag), channel="production", signer=signer or keys.author, **kw)


def revoke_author(repo, keys, *, channel_too: bool = True):
    """Root 2: `author` no longer signs releases (and, with channel_too, production pointers)."""
    production = [keys.author2, keys.reviewer] if channel_too else \
        [keys.author, keys.author2, keys.reviewer]
    root = Root.create("acme", root=[keys.root], release=[keys.author2],
                       channels={"production": production, "staging": [keys.author2]},
                       expires=NOW + YEAR, version=repo.root().version + 1)
    return repo.rotate_root(root, [keys.root])


def assert_not_served(reader, error=UntrustedKeyError):
    with pytest.raises(error):
        reader.refresh()
    assert reader.release is None and reader.prompts == {}
    assert isinstance(reader.last_error, error)
    with pytest.raises(PromptNotFound, match="no release"):
        reader.get("support/p0")


def test_running_reader_drops_a_release_whose_channel_key_was_revoked(repo, keys,
                                                                      open_reader, caplog):
    publish(repo, keys, "v1")
    reader = open_reader()
    assert revoke_author(repo, keys) == ["production"]
    assert_not_served(reader)
    assert reader.root.version == 2
    assert any("root 2 no longer trusts" in r.getMessage() for r in caplog.records)
    # The owner publishes again with a key root 2 trusts: served at once.
    publish(repo, keys, "v2", signer=keys.author2)
    assert reader.refresh() is True and reader.release == 2 and reader.last_error is None


def test_running_reader_drops_a_release_whose_manifest_key_was_revoked(repo, keys,
                                                                       open_reader):
    # The pointer's key is still trusted, so the live pointer stays unchanged and verifies:
    # only the manifest (signed by the revoked release key) shows the release is untrusted.
    publish(repo, keys, "v1")
    reader = open_reader()
    assert revoke_author(repo, keys, channel_too=False) == []
    assert_not_served(reader)
    assert reader.pointer_version == 1  # still the version floor
    publish(repo, keys, "v2", signer=keys.author2)
    assert reader.refresh() is True and reader.release == 2


def test_restarted_reader_never_serves_the_revoked_release_from_its_cache(
        repo, keys, repo_dir, open_reader):
    publish(repo, keys, "v1")
    reader = open_reader()
    old_pointer = pointer_file(repo_dir).read_bytes()
    revoke_author(repo, keys)
    with pytest.raises(UntrustedKeyError):
        reader.refresh()  # root 2 is now in the cache
    # A mirror that lost root 2 and serves the old pointer: the cached roots still hold.
    (repo_dir / "root" / "2.root.json").unlink()
    pointer_file(repo_dir).write_bytes(old_pointer)
    with pytest.raises(UntrustedKeyError):
        open_reader()
    shutil.rmtree(repo_dir)  # and with the source gone, nothing is served either
    with pytest.raises(SourceUnavailable):
        open_reader()


def test_restarted_reader_with_the_source_down_does_not_serve_a_revoked_release(
        repo, keys, repo_dir, open_reader):
    publish(repo, keys, "v1")
    reader = open_reader()
    revoke_author(repo, keys, channel_too=False)
    with pytest.raises(UntrustedKeyError):
        reader.refresh()
    shutil.rmtree(repo_dir)
    with pytest.raises(SourceUnavailable):
        open_reader()


def test_root_that_drops_the_channel_stops_its_release(repo, keys, open_reader):
    publish(repo, keys, "v1")
    reader = open_reader()
    root = Root.create("acme", root=[keys.root], release=[keys.author, keys.author2],
                       channels={"staging": [keys.author]}, expires=NOW + YEAR, version=2)
    repo.rotate_root(root, [keys.root])
    assert_not_served(reader, WrongChannelError)


def test_rotation_that_keeps_the_keys_keeps_serving(repo, keys, open_reader):
    publish(repo, keys, "v1")
    reader = open_reader()
    repo.rotate_root(make_root(keys, version=2), [keys.root])
    assert reader.refresh() is False
    assert reader.root.version == 2 and reader.release == 1 and reader.last_error is None


def test_revoked_release_is_dropped_over_http_when_the_server_says_not_modified(
        repo, keys, repo_dir, open_reader):
    """The pointer is unchanged (304 Not Modified): the manifest must still be checked again."""
    publish(repo, keys, "v1")
    with FaultyServer(repo_dir) as server:
        reader = open_reader(source=server.url)
        revoke_author(repo, keys, channel_too=False)
        assert_not_served(reader)
        assert server.not_modified == 1  # the ETag was still used for the pointer
        publish(repo, keys, "v2", signer=keys.author2)
        assert reader.refresh() is True and reader.release == 2
