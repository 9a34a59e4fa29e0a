"""What a deployment can pin: the lowest release it accepts (`min_release=`,
`$PROMPTPRESS_MIN_RELEASE`)."""

from __future__ import annotations

import shutil

import pytest

from storage.releases import RollbackError, SourceUnavailable
from storage.releases.reader import MIN_RELEASE_ENV
from tests.releases.helpers import pointer_file, prompts


def publish(repo, keys, tag, **kw):
    return repo.publish(prompts(tag), channel="production", signer=keys.author, **kw)


@pytest.fixture
def replayed(repo, keys, repo_dir):
    """Releases 1 and 2 published; then release 1's (unexpired) pointer served again."""
    publish(repo, keys, "v1")
    old = pointer_file(repo_dir).read_bytes()
    publish(repo, keys, "v2")
    pointer_file(repo_dir).write_bytes(old)
    return old


# --- min_release ------------------------------------------------------------------------------


def test_without_saved_state_an_older_unexpired_pointer_is_accepted(replayed, open_reader):
    # The trade-off documented in the reader's README: nothing to compare with, so a replay of
    # any unexpired pointer looks valid. min_release (and short lifetimes) bound it.
    assert open_reader(cache=False).release == 1


def test_min_release_refuses_an_older_pointer_to_a_reader_without_state(replayed, open_reader):
    with pytest.raises(RollbackError, match="older than release 2, the lowest this reader"):
        open_reader(cache=False, min_release=2)


def test_min_release_from_the_environment(replayed, open_reader, monkeypatch):
    monkeypatch.setenv(MIN_RELEASE_ENV, "2")
    with pytest.raises(RollbackError, match=MIN_RELEASE_ENV):
        open_reader(cache=False)
    assert open_reader(cache=False, min_release=0).release == 1  # the argument wins


@pytest.mark.parametrize("text", ["two", "-1", "1.5"])
def test_min_release_in_the_environment_must_be_a_number(repo, open_reader, monkeypatch, text):
    monkeypatch.setenv(MIN_RELEASE_ENV, text)
    with pytest.raises(ValueError, match=MIN_RELEASE_ENV):
        open_reader(cache=False)


def test_min_release_refuses_a_cached_release_below_it(repo, keys, repo_dir, open_reader):
    publish(repo, keys, "v1")
    open_reader()
    shutil.rmtree(repo_dir)
    with pytest.raises(SourceUnavailable):  # the cache holds release 1 only: not served
        open_reader(min_release=2)


def test_min_release_refuses_a_rollback_below_it_and_keeps_serving(repo, keys, open_reader):
    publish(repo, keys, "v1")
    publish(repo, keys, "v2")
    reader = open_reader(min_release=2)
    repo.rollback("production", 1, signer=keys.author)  # a real rollback: a newer pointer
    assert reader.refresh() is False
    assert reader.release == 2 and isinstance(reader.last_error, RollbackError)
