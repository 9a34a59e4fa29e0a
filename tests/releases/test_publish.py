"""Publishing to a folder: order of writes, idempotence, concurrent publishers, listing, pull."""

from __future__ import annotations

import pytest

from storage.releases import (ChannelMoved, NotAuthorized, PublishError, Reader, RepositoryExists,
                              Root, version_id)
from storage.releases.repository import Repository
from storage.releases.targets import FolderTarget
from tests.releases.conftest import make_root
from tests.releases.helpers import NOW, YEAR, blob_file, content, pointer_file, prompts


class RecordingTarget(FolderTarget):
    def __init__(self, folder):
        super().__init__(folder)
        self.writes: list[str] = []

    def write(self, path, data):
        self.writes.append(path)
        super().write(path, data)


def test_init_writes_a_signed_first_root_and_refuses_to_overwrite(repo_dir, keys, clock):
    root = make_root(keys)
    repo = Repository.init(repo_dir, root, keys.root, clock=clock)
    assert (repo_dir / "root" / "1.root.json").read_bytes() == repo.root_bytes()
    assert Repository.init(repo_dir, root, keys.root).root() == repo.root()  # same: fine
    other = make_root(keys, project="other")
    with pytest.raises(RepositoryExists):
        Repository.init(repo_dir, other, keys.root)
    with pytest.raises(NotAuthorized):
        Repository.init(repo_dir.with_name("x"), root, keys.author)


def test_publish_writes_blobs_then_manifest_then_index_then_pointer(repo, keys, repo_dir, clock):
    target = RecordingTarget(repo_dir)
    result = Repository(target, clock=clock).publish(prompts("v1"), channel="production",
                                                     signer=keys.author, author="Ann")
    assert target.writes[-1] == "channels/production.json"
    assert target.writes[-2] == "releases/index.json"
    assert target.writes[-3] == f"blobs/sha256/{result.manifest.sha256}"
    assert all(w.startswith("blobs/sha256/") for w in target.writes[:-2])
    assert result.release == 1 and result.pointer_version == 1 and result.blobs_written == 3


def test_prompt_blob_is_the_canonical_version_and_its_hash_the_version_id(repo, keys, repo_dir):
    from storage.releases.content import canonical_bytes
    c = content("exact\r\n  bytes  \n")
    repo.publish([("a", c)], channel="production", signer=keys.author)
    assert blob_file(repo_dir, version_id(c)).read_bytes() == canonical_bytes(c)


def test_idempotent_republish_of_identical_content(repo, keys, repo_dir):
    first = repo.publish(prompts("v1"), channel="production", signer=keys.author)
    before = pointer_file(repo_dir).read_bytes()
    again = repo.publish(prompts("v1"), channel="production", signer=keys.author)
    assert again.changed is False and again.release == first.release
    assert pointer_file(repo_dir).read_bytes() == before
    assert len(repo.index().releases) == 1


def test_republish_after_a_crash_rewrites_a_damaged_blob(repo, keys, repo_dir):
    c = content("will be damaged")
    path = blob_file(repo_dir, version_id(c))
    path.parent.mkdir(parents=True)
    path.write_bytes(b"half")  # a previous publish died half-way (non-atomic copy)
    result = repo.publish([("a", c)], channel="production", signer=keys.author)
    assert result.blobs_written == 1
    assert Reader(repo_dir, repo.root_bytes(), clock=lambda: NOW).get("a").version_id == \
        version_id(c)


def test_republish_replaces_a_blob_that_grew(repo, keys, repo_dir):
    c = content("will grow")
    repo.publish([("a", c)], channel="production", signer=keys.author)
    with open(blob_file(repo_dir, version_id(c)), "r+b") as f:
        f.truncate(64 * 1024 ** 2)  # sparse: a sync client's garbage, 64 MB
    assert repo.publish([("a", c)], channel="production", signer=keys.author).blobs_written == 1


def test_same_prompts_on_another_channel_reuse_that_release(repo, keys):
    staged = repo.publish(prompts("v1"), channel="staging", signer=keys.author)
    live = repo.publish(prompts("v1"), channel="production", signer=keys.author)
    assert live.release == staged.release and live.manifest == staged.manifest


def test_concurrent_publish_raises_channel_moved(repo, keys, repo_dir, clock):
    repo.publish(prompts("v1"), channel="production", signer=keys.author)
    ann = Repository(repo_dir, clock=clock)
    bob = Repository(repo_dir, clock=clock)
    seen_by_ann = ann.channel("production")  # Ann opens the publish dialog
    bob.publish(prompts("bob"), channel="production", signer=keys.author2)
    before = pointer_file(repo_dir).read_bytes()
    with pytest.raises(ChannelMoved, match="someone else published") as err:
        ann.publish(prompts("ann"), channel="production", signer=keys.author, base=seen_by_ann)
    assert err.value.expected == 1 and err.value.found == 2
    assert pointer_file(repo_dir).read_bytes() == before  # nothing overwritten
    # Rebase: Ann publishes on top of what she now sees.
    result = ann.publish(prompts("ann"), channel="production", signer=keys.author,
                         base=ann.channel("production"))
    assert result.pointer_version == 3


def test_pointer_swap_detects_a_publisher_that_slipped_in(repo, keys, repo_dir, clock):
    """The race inside one publish: the channel moves between reading it and writing it."""
    repo.publish(prompts("v1"), channel="production", signer=keys.author)

    class Interleaved(FolderTarget):
        def write(self, path, data):
            if b"manifest+json" in data and not getattr(self, "done", False):
                self.done = True  # Bob publishes while Ann is half-way through
                Repository(repo_dir, clock=clock).publish(prompts("bob"), channel="production",
                                                          signer=keys.author2)
            super().write(path, data)

    ann = Repository(Interleaved(repo_dir), clock=clock)
    with pytest.raises(ChannelMoved):
        ann.publish(prompts("ann"), channel="production", signer=keys.author)
    reader = Reader(repo_dir, repo.root_bytes(), clock=clock)
    assert reader.get("support/p0").render(transcript="")[1]["content"].startswith("[bob]")
    numbers = [e.release for e in repo.index().releases]
    assert numbers == sorted(set(numbers))  # release numbers stay unique


def test_publish_needs_a_release_key_and_a_channel_key(repo, keys):
    with pytest.raises(NotAuthorized):
        repo.publish(prompts(), channel="production", signer=keys.outsider)
    with pytest.raises(NotAuthorized):
        repo.publish(prompts(), channel="production", signer=keys.reviewer)  # no release role
    with pytest.raises(PublishError, match="at least one"):
        repo.publish([], channel="production", signer=keys.author)
    with pytest.raises(ValueError, match="twice"):
        repo.publish(prompts() + prompts()[:1], channel="production", signer=keys.author)


def test_listing_releases_shows_who_when_and_which_channels(repo, keys, clock):
    repo.publish(prompts("v1"), channel="staging", signer=keys.author, author="Ann")
    clock.advance(60)
    repo.publish(prompts("v2"), channel="staging", signer=keys.author2, author="Bob")
    repo.promote(1, from_channel="staging", to_channel="production", signer=keys.author)
    listing = repo.releases()
    assert [(r.release, r.author, r.channels) for r in listing] == [
        (2, "Bob", ("staging",)), (1, "Ann", ("production",))]
    assert listing[0].created == NOW + 60 and listing[0].prompts == 3


def test_load_release_for_import_into_history(repo, keys):
    repo.publish(prompts("v1"), channel="production", signer=keys.author)
    repo.publish(prompts("v2"), channel="production", signer=keys.author)
    release = repo.load_release(1)
    assert release.number == 1
    assert dict(prompts("v1")) == dict(release.prompts)
    assert release.manifest.version_ids() == {n: version_id(c) for n, c in prompts("v1")}


def test_root_rotation_then_renew_brings_readers_along(repo, keys, repo_dir, clock):
    repo.publish(prompts("v1"), channel="production", signer=keys.author)
    reader = Reader(repo_dir, repo.root_bytes(), clock=clock)
    new = Root.create("acme", root=[keys.root2], release=[keys.author, keys.author2],
                      channels={"production": [keys.author2]}, expires=NOW + YEAR, version=2)
    with pytest.raises(NotAuthorized):
        repo.rotate_root(new, [keys.root2])  # the old root key must sign too
    assert repo.rotate_root(new, [keys.root, keys.root2]) == ["production"]
    repo.renew("production", signer=keys.author2)
    assert reader.refresh() is True and reader.root.version == 2 and reader.pointer_version == 2
