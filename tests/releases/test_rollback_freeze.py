"""Rollback (pointer, manifest, root), the root chain, freeze and clock skew."""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from storage.releases import (ExpiredError, Reader, RollbackError, RootChainError, TamperedError,
                              ThresholdError, UntrustedKeyError, WrongProjectError)
from storage.releases.envelope import ROOT_TYPE, sign
from storage.releases.metadata import Root
from storage.releases.verify import DEFAULT_SKEW, MAX_ROOT_ROTATIONS
from tests.releases.conftest import make_root
from tests.releases.helpers import (DAY, NOW, YEAR, manifest_file, pointer_file, prompts,
                                    read_pointer, write_pointer)


def publish(repo, keys, tag, **kw):
    return repo.publish(prompts(tag), channel="production", signer=keys.author, **kw)


# --- rollback --------------------------------------------------------------------------------------


def test_older_pointer_replayed_after_a_newer_was_accepted(repo, keys, repo_dir, open_reader):
    publish(repo, keys, "v1")
    old_pointer = pointer_file(repo_dir).read_bytes()
    publish(repo, keys, "v2")
    reader = open_reader()
    assert reader.release == 2
    pointer_file(repo_dir).write_bytes(old_pointer)  # a week-old, validly signed pointer
    assert reader.refresh() is False
    assert reader.release == 2 and isinstance(reader.last_error, RollbackError)
    again = open_reader()  # a new process: the floor survives in the cache
    assert again.release == 2 and isinstance(again.last_error, RollbackError)


def test_same_pointer_version_with_different_content(repo, keys, repo_dir, open_reader):
    publish(repo, keys, "v1")
    publish(repo, keys, "v2")
    reader = open_reader()
    p = read_pointer(repo_dir)
    write_pointer(repo_dir, dataclasses.replace(p, expires=p.expires + DAY), keys.author)
    assert reader.refresh() is False
    assert isinstance(reader.last_error, RollbackError)
    assert "two different pointers with one version" in str(reader.last_error)


def test_same_pointer_again_is_quietly_unchanged(repo, keys, open_reader):
    publish(repo, keys, "v1")
    reader = open_reader()
    assert reader.refresh() is False and reader.last_error is None


def test_older_manifest_replayed_under_the_new_pointer(repo, keys, repo_dir, open_reader):
    publish(repo, keys, "v1")
    old_manifest = manifest_file(repo_dir).read_bytes()
    reader = open_reader()
    publish(repo, keys, "v2")
    manifest_file(repo_dir).write_bytes(old_manifest)
    assert reader.refresh() is False
    assert reader.release == 1 and isinstance(reader.last_error, (TamperedError,))


def test_legitimate_rollback_is_a_new_higher_pointer_version(repo, keys, repo_dir, open_reader):
    publish(repo, keys, "v1")
    publish(repo, keys, "v2")
    reader = open_reader()
    result = repo.rollback("production", 1, signer=keys.author)
    assert result.pointer_version == 3 and result.release == 1
    assert reader.refresh() is True
    assert reader.release == 1 and reader.pointer_version == 3


# --- root chain -----------------------------------------------------------------------------------


def rotate(repo, keys, *, new_root_keys=None, signers=None, **changes):
    current = repo.root()
    new = make_root(keys, version=current.version + 1)
    if new_root_keys is not None:
        new = Root.create("acme", root=new_root_keys, release=[keys.author, keys.author2],
                          channels={"production": [keys.author, keys.reviewer],
                                    "staging": [keys.author]},
                          expires=NOW + YEAR, version=current.version + 1)
    new = dataclasses.replace(new, **changes) if changes else new
    return repo.rotate_root(new, signers or [keys.root, *(new_root_keys or [])]), new


def test_reader_follows_the_root_chain(repo, keys, repo_dir, open_reader):
    publish(repo, keys, "v1")
    reader = open_reader()
    rotate(repo, keys, new_root_keys=[keys.root2])  # root key rotated: 2 signed by old and new
    root3 = Root.create("acme", root=[keys.root2], release=[keys.author2],
                        channels={"production": [keys.author2]}, expires=NOW + YEAR, version=3)
    stale = repo.rotate_root(root3, [keys.root2])
    assert stale == ["production"]  # its pointer was signed by a key root 3 dropped
    with pytest.raises(UntrustedKeyError):  # nothing root 3 trusts is left to serve
        reader.refresh()
    assert reader.root.version == 3 and reader.release is None
    repo.publish(prompts("v2"), channel="production", signer=keys.author2)
    assert reader.refresh() is True and reader.release == 2 and reader.root.version == 3


def test_key_revoked_in_a_later_root(repo, keys, repo_dir, open_reader):
    publish(repo, keys, "v1")
    reader = open_reader()
    revoked = Root.create("acme", root=[keys.root], release=[keys.author2],
                          channels={"production": [keys.author2]}, expires=NOW + YEAR, version=2)
    repo.rotate_root(revoked, [keys.root])
    with pytest.raises(UntrustedKeyError):  # release 1 itself was signed by the revoked key
        repo.renew("production", signer=keys.author2)
    with pytest.raises(UntrustedKeyError):  # release 1 is no longer served
        reader.refresh()
    assert reader.release is None and isinstance(reader.last_error, UntrustedKeyError)
    with pytest.raises(UntrustedKeyError):
        open_reader(cache=False)


def test_root_signed_only_by_the_new_keys(repo, keys, repo_dir, open_reader):
    publish(repo, keys, "v1")
    reader = open_reader()
    new = dataclasses.replace(make_root(keys, version=2), root=Root.create(
        "acme", root=[keys.root2], release=[keys.author], channels={}, expires=NOW).root,
        keys={**make_root(keys).keys, **Root.create("acme", root=[keys.root2], release=[keys.author],
                                                     channels={}, expires=NOW).keys})
    (repo_dir / "root" / "2.root.json").write_bytes(
        sign(ROOT_TYPE, new.to_payload(), [keys.root2]).to_bytes())
    assert reader.refresh() is False
    assert reader.root.version == 1 and isinstance(reader.last_error, UntrustedKeyError)


def test_root_signed_only_by_the_old_keys(repo, keys, repo_dir, open_reader):
    publish(repo, keys, "v1")
    reader = open_reader()
    new = Root.create("acme", root=[keys.root2], release=[keys.author],
                      channels={"production": [keys.author]}, expires=NOW + YEAR, version=2)
    (repo_dir / "root" / "2.root.json").write_bytes(
        sign(ROOT_TYPE, new.to_payload(), [keys.root]).to_bytes())
    assert reader.refresh() is False
    assert isinstance(reader.last_error, (UntrustedKeyError, ThresholdError))
    assert "own new root keys" in str(reader.last_error)


def test_root_rollback_an_older_root_served_as_the_next(repo, keys, repo_dir, open_reader):
    publish(repo, keys, "v1")
    rotate(repo, keys)
    reader = open_reader()
    assert reader.root.version == 2
    old = (repo_dir / "root" / "2.root.json").read_bytes()
    (repo_dir / "root" / "3.root.json").write_bytes(old)  # root 2 replayed as root 3
    assert reader.refresh() is False and isinstance(reader.last_error, RollbackError)
    assert reader.root.version == 2


def test_root_n_plus_2_without_n_plus_1(repo, keys, repo_dir, open_reader):
    publish(repo, keys, "v1")
    rotate(repo, keys)
    rotate(repo, keys)
    root3 = (repo_dir / "root" / "3.root.json").read_bytes()
    (repo_dir / "root" / "2.root.json").unlink()
    reader = open_reader()
    assert reader.root.version == 1  # never skips to 3 when 2 is missing
    (repo_dir / "root" / "2.root.json").write_bytes(root3)
    assert reader.refresh() is False and isinstance(reader.last_error, RootChainError)


def test_root_rollback_after_restart_is_refused(repo, keys, repo_dir, open_reader):
    publish(repo, keys, "v1")
    rotate(repo, keys)
    assert open_reader().root.version == 2
    shutil.rmtree(repo_dir / "root")  # the source forgets root 2; the cache does not
    (repo_dir / "root").mkdir()
    assert open_reader().root.version == 2


def test_root_of_another_project_in_the_chain(repo, keys, repo_dir, open_reader):
    publish(repo, keys, "v1")
    reader = open_reader()
    other = make_root(keys, project="beta", version=2)
    (repo_dir / "root" / "2.root.json").write_bytes(
        sign(ROOT_TYPE, other.to_payload(), [keys.root]).to_bytes())
    assert reader.refresh() is False and isinstance(reader.last_error, WrongProjectError)


def test_root_chain_walk_is_capped(repo, keys, repo_dir, open_reader):
    publish(repo, keys, "v1")
    reader = open_reader()
    for _ in range(MAX_ROOT_ROTATIONS + 3):
        current = repo.root()
        repo.rotate_root(make_root(keys, version=current.version + 1), [keys.root])
    reader.refresh()
    assert reader.root.version == 1 + MAX_ROOT_ROTATIONS  # one refresh walks at most the cap
    reader.refresh()
    assert reader.root.version == repo.root().version


def test_pinned_root_must_be_signed_by_its_own_keys(keys, tmp_path):
    root = make_root(keys)
    data = sign(ROOT_TYPE, root.to_payload(), [keys.outsider]).to_bytes()
    with pytest.raises(UntrustedKeyError):
        Reader(tmp_path, data)


# --- freeze and clock skew ----------------------------------------------------------------------


def test_stale_pointer_past_expiry_is_refused(repo, keys, clock, open_reader):
    publish(repo, keys, "v1", expires_in=7 * DAY)
    reader = open_reader()
    clock.advance(8 * DAY)  # nobody renewed it: or someone is hiding newer releases
    assert reader.refresh() is False
    assert reader.release == 1 and isinstance(reader.last_error, ExpiredError)
    with pytest.raises(ExpiredError):
        open_reader(cache=False)


def test_pointer_expired_by_one_second_beyond_the_allowed_skew(repo, keys, clock, open_reader):
    publish(repo, keys, "v1", expires_in=DAY)
    clock.advance(DAY + DEFAULT_SKEW + 1)
    with pytest.raises(ExpiredError):
        open_reader(cache=False)


def test_pointer_expired_inside_the_allowed_skew_is_accepted(repo, keys, clock, open_reader):
    publish(repo, keys, "v1", expires_in=DAY)
    clock.advance(DAY + DEFAULT_SKEW)
    assert open_reader(cache=False).release == 1
    clock.advance(-DEFAULT_SKEW + 1)  # expired by 1 s: inside the skew
    assert open_reader(cache=False).release == 1


def test_skew_is_configurable(repo, keys, clock, open_reader):
    publish(repo, keys, "v1", expires_in=DAY)
    clock.advance(DAY + 1)
    with pytest.raises(ExpiredError):
        open_reader(cache=False, clock_skew=0)


def test_local_clock_a_year_ahead(repo, keys, clock, open_reader):
    publish(repo, keys, "v1")
    clock.advance(YEAR)
    with pytest.raises(ExpiredError):
        open_reader(cache=False)


def test_local_clock_a_year_behind_still_refuses_rollback(repo, keys, repo_dir, clock,
                                                           open_reader):
    # A clock behind cannot detect freeze (nothing looks expired); the version floor still holds.
    publish(repo, keys, "v1")
    old = pointer_file(repo_dir).read_bytes()
    publish(repo, keys, "v2")
    clock.advance(-YEAR)
    reader = open_reader()
    assert reader.release == 2
    pointer_file(repo_dir).write_bytes(old)
    assert reader.refresh() is False and isinstance(reader.last_error, RollbackError)


def test_expired_root_is_refused(tmp_path, keys, clock):
    from storage.releases.repository import Repository
    repo = Repository.init(tmp_path / "r", make_root(keys, expires=NOW + 30 * DAY), keys.root,
                           clock=clock)
    repo.publish(prompts(), channel="production", signer=keys.author)
    clock.advance(31 * DAY)
    with pytest.raises(ExpiredError, match="root version 1"):
        Reader(tmp_path / "r", repo.root_bytes(), clock=clock)


def test_publisher_refuses_to_publish_under_an_expired_root(tmp_path, keys, clock):
    from storage.releases import PublishError
    from storage.releases.repository import Repository
    repo = Repository.init(tmp_path / "r", make_root(keys, expires=NOW + DAY), keys.root,
                           clock=clock)
    clock.advance(2 * DAY)
    with pytest.raises(PublishError, match="expired"):
        repo.publish(prompts(), channel="production", signer=keys.author)


def test_cached_release_past_expiry_is_served_with_the_reason(repo, keys, clock, repo_dir,
                                                               open_reader):
    publish(repo, keys, "v1", expires_in=DAY)
    open_reader()
    clock.advance(2 * DAY)
    shutil.rmtree(repo_dir)  # source gone: the cache is all there is
    reader = open_reader()
    assert reader.release == 1
    assert reader.last_error is not None


def test_clock_is_read_once_per_refresh(repo, keys, clock, open_reader):
    publish(repo, keys, "v1")
    reader = open_reader(cache=False)
    publish(repo, keys, "v2")
    before = clock.reads
    assert reader.refresh() is True
    assert clock.reads - before == 1


def test_renew_extends_expiry_with_a_higher_version(repo, keys, clock, open_reader):
    publish(repo, keys, "v1", expires_in=7 * DAY)
    reader = open_reader()
    clock.advance(6 * DAY)
    result = repo.renew("production", signer=keys.author, expires_in=30 * DAY)
    assert result.pointer_version == 2 and result.release == 1
    clock.advance(7 * DAY)
    assert reader.refresh() is True
    assert reader.last_error is None and reader.pointer_version == 2
