"""Channels: promote, roll back, and channels that need two signatures (author + reviewer)."""

from __future__ import annotations

import pytest

from storage.releases import (ChannelMoved, MalformedError, NotAuthorized, NothingPending,
                              PublishError, Reader)
from storage.releases.repository import Repository
from tests.releases.conftest import make_root
from tests.releases.helpers import DAY, content, pending_file, pointer_file, prompts


def test_promote_staging_to_production(repo, keys, open_reader):
    repo.publish(prompts("v1"), channel="staging", signer=keys.author)
    result = repo.promote(from_channel="staging", to_channel="production", signer=keys.author)
    assert result.release == 1 and result.pointer_version == 1
    assert open_reader("production").release == 1
    assert repo.promote(signer=keys.author).changed is False  # already there


def test_promote_refuses_a_release_whose_blobs_are_missing(repo, keys, repo_dir):
    from tests.releases.helpers import prompt_blob
    repo.publish(prompts("v1"), channel="staging", signer=keys.author)
    prompt_blob(repo_dir, "support/p0", "staging").unlink()
    with pytest.raises(PublishError, match="missing"):
        repo.promote(signer=keys.author)
    assert not pointer_file(repo_dir).exists()


def test_rollback_points_a_new_higher_version_at_the_older_manifest(repo, keys, open_reader):
    repo.publish(prompts("v1"), channel="production", signer=keys.author)
    repo.publish(prompts("v2"), channel="production", signer=keys.author)
    reader = open_reader()
    assert reader.release == 2
    result = repo.rollback("production", 1, signer=keys.author)
    assert (result.release, result.pointer_version, result.changed) == (1, 3, True)
    assert reader.refresh() is True and reader.release == 1
    assert reader.get("support/p0").render(transcript="x")[1]["content"].startswith("[v1]")
    with pytest.raises(PublishError, match="no release 9"):
        repo.rollback("production", 9, signer=keys.author)


@pytest.fixture
def reviewed(tmp_path, keys, clock):
    """A repository whose production channel needs two signatures."""
    repo = Repository.init(tmp_path / "reviewed", make_root(keys, production_threshold=2),
                           keys.root, clock=clock)
    return repo, tmp_path / "reviewed"


def test_two_signature_channel_does_not_move_until_co_signed(reviewed, keys, clock, tmp_path):
    repo, path = reviewed
    first = repo.publish(prompts("v1"), channel="production", signer=[keys.author, keys.reviewer])
    assert first.pending is False
    reader = Reader(path, repo.root_bytes(), clock=clock, cache_dir=tmp_path / "c")
    result = repo.publish(prompts("v2"), channel="production", signer=keys.author)
    assert result.pending is True and (result.signatures, result.needed) == (1, 2)
    assert pending_file(path).exists()
    assert reader.refresh() is False and reader.release == 1 and reader.last_error is None
    # The reviewer opens it and sees exactly what changes.
    pending = repo.pending("production")
    assert pending.live.release == 1 and pending.pointer.release == 2
    assert set(pending.changes.changed) == {"support/p0", "support/p1", "support/p2"}
    approved = repo.approve("production", signer=keys.reviewer, reviewed=pending)
    assert approved.pending is False and approved.signatures == 2
    assert not pending_file(path).exists()
    assert reader.refresh() is True and reader.release == 2


def test_author_cannot_approve_their_own_release(reviewed, keys):
    repo, path = reviewed
    repo.publish(prompts("v1"), channel="production", signer=keys.author)
    result = repo.approve("production", signer=keys.author)  # the same key again counts once
    assert result.pending is True and result.signatures == 1
    assert not pointer_file(path).exists()
    with pytest.raises(NotAuthorized):
        repo.approve("production", signer=keys.outsider)


def test_pending_diff_lists_added_changed_removed(reviewed, keys):
    repo, _ = reviewed
    repo.publish(prompts("v1"), channel="production", signer=[keys.author, keys.reviewer])
    changed = [("support/p0", prompts("v1")[0][1]), ("support/p1", content("new text")),
               ("support/new", content("added"))]
    repo.publish(changed, channel="production", signer=keys.author)
    changes = repo.pending("production").changes
    assert set(changes.added) == {"support/new"}
    assert set(changes.changed) == {"support/p1"}
    assert set(changes.removed) == {"support/p2"}
    assert changes.unchanged == ("support/p0",)
    assert changes.summary() == "1 added, 1 changed, 1 removed, 1 unchanged"


def test_reject_removes_the_pending_release(reviewed, keys):
    repo, path = reviewed
    repo.publish(prompts("v1"), channel="production", signer=keys.author)
    repo.reject("production")
    assert repo.pending("production") is None and not pointer_file(path).exists()
    with pytest.raises(NothingPending):
        repo.approve("production", signer=keys.reviewer)


def test_approving_a_pending_release_that_changed_since_review(reviewed, keys):
    repo, path = reviewed
    repo.publish(prompts("v1"), channel="production", signer=keys.author)
    seen = repo.pending("production")
    repo.publish(prompts("v1b"), channel="production", signer=keys.author)  # replaced meanwhile
    with pytest.raises(ChannelMoved, match="review it again"):
        repo.approve("production", signer=keys.reviewer, reviewed=seen)
    assert not pointer_file(path).exists()


def test_approving_after_the_channel_moved(reviewed, keys):
    repo, path = reviewed
    repo.publish(prompts("v1"), channel="production", signer=keys.author)
    pending_data = pending_file(path).read_bytes()
    repo.approve("production", signer=keys.reviewer)
    repo.publish(prompts("v2"), channel="production", signer=[keys.author, keys.reviewer])
    pending_file(path).write_bytes(pending_data)  # the old proposal reappears (sync client)
    with pytest.raises(ChannelMoved, match="moved since this release was proposed"):
        repo.approve("production", signer=keys.reviewer)


def test_expired_pending_release_cannot_be_approved(reviewed, keys, clock):
    repo, _ = reviewed
    repo.publish(prompts("v1"), channel="production", signer=keys.author, expires_in=2 * DAY)
    clock.advance(3 * DAY)
    with pytest.raises(PublishError, match="expired"):
        repo.approve("production", signer=keys.reviewer)


def test_republishing_a_pending_release_is_idempotent(reviewed, keys):
    repo, _ = reviewed
    first = repo.publish(prompts("v1"), channel="production", signer=keys.author)
    again = repo.publish(prompts("v1"), channel="production", signer=keys.author)
    assert again.pending and not again.changed and again.release == first.release


def test_another_authors_proposal_is_never_silently_replaced(reviewed, keys):
    repo, path = reviewed
    repo.publish(prompts("ann"), channel="production", signer=keys.author)
    proposal = pending_file(path).read_bytes()
    with pytest.raises(ChannelMoved, match="another author waits for approval"):
        repo.publish(prompts("bob"), channel="production", signer=keys.author2)
    assert pending_file(path).read_bytes() == proposal
    repo.reject("production")
    assert repo.publish(prompts("bob"), channel="production", signer=keys.author2).pending


def test_a_damaged_pending_file_does_not_block_publishing(reviewed, keys):
    repo, path = reviewed
    repo.publish(prompts("v1"), channel="production", signer=keys.author)
    pending_file(path).write_bytes(b"half-synced garbage")
    with pytest.raises(MalformedError):
        repo.pending("production")  # the reviewer is told it is damaged
    result = repo.publish(prompts("v2"), channel="production", signer=keys.author)
    assert result.pending and repo.pending("production").pointer.release == result.release


def test_production_pointers_expire_sooner_than_other_channels(repo, keys, repo_dir, clock):
    from storage.releases.repository import (DEFAULT_POINTER_LIFETIME,
                                             PRODUCTION_POINTER_LIFETIME, pointer_lifetime)
    from tests.releases.helpers import NOW, read_pointer
    assert pointer_lifetime("production") == PRODUCTION_POINTER_LIFETIME == 14 * DAY
    assert pointer_lifetime("staging") == pointer_lifetime("canary") == \
        DEFAULT_POINTER_LIFETIME == 90 * DAY
    repo.publish(prompts("v1"), channel="staging", signer=keys.author)
    assert read_pointer(repo_dir, "staging").expires == NOW + 90 * DAY
    repo.promote(signer=keys.author)
    assert read_pointer(repo_dir).expires == NOW + 14 * DAY
    clock.advance(10 * DAY)  # renew, promote and rollback use the channel's lifetime too
    assert repo.renew("production", signer=keys.author).pointer_version == 2
    assert read_pointer(repo_dir).expires == NOW + 24 * DAY
    repo.publish(prompts("v2"), channel="production", signer=keys.author)
    repo.rollback("production", 1, signer=keys.author)
    assert read_pointer(repo_dir).expires == NOW + 24 * DAY
    repo.renew("production", signer=keys.author, expires_in=30 * DAY)  # unless told otherwise
    assert read_pointer(repo_dir).expires == NOW + 40 * DAY
