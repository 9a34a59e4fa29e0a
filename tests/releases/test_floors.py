"""What a deployment can pin: the lowest release it accepts (`min_release=`,
`$PROMPTPRESS_MIN_RELEASE`) and how long an expired release is still served (`max_stale=`)."""

from __future__ import annotations

import logging
import shutil
from datetime import timedelta

import pytest

from storage.releases import (ExpiredError, FreezeError, PromptNotFound, RollbackError,
                              SourceUnavailable)
from storage.releases.reader import MIN_RELEASE_ENV
from tests.releases.faulty_http import FaultyServer
from tests.releases.helpers import DAY, pointer_file, prompts


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


# --- max_stale --------------------------------------------------------------------------------


def expired_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelno == logging.WARNING and "which expired at" in r.getMessage()]


def test_expired_release_is_served_with_a_warning_on_each_refresh(repo, keys, clock,
                                                                  open_reader, caplog):
    publish(repo, keys, "v1", expires_in=DAY)
    reader = open_reader()
    clock.advance(2 * DAY)  # nobody renewed it, or the source is frozen
    caplog.clear()
    for _ in range(3):
        assert reader.refresh() is False
        assert reader.release == 1 and isinstance(reader.last_error, ExpiredError)
    warnings = expired_warnings(caplog)
    assert len(warnings) == 3
    assert "release 1 of acme/production" in warnings[0] and "1 day ago" in warnings[0]
    assert "set max_stale=" in warnings[0]


def test_max_stale_stops_serving_an_expired_release(repo, keys, clock, open_reader, caplog):
    publish(repo, keys, "v1", expires_in=DAY)
    reader = open_reader(max_stale=3 * DAY)
    clock.advance(3 * DAY)  # 2 days past expiry: still served
    assert reader.refresh() is False and reader.release == 1
    assert "stop being served 3 days after its expiry" in expired_warnings(caplog)[-1]
    clock.advance(2 * DAY)  # 4 days past expiry
    with pytest.raises(FreezeError, match="no longer served"):
        reader.refresh()
    assert reader.release is None and isinstance(reader.last_error, FreezeError)
    with pytest.raises(PromptNotFound, match="max_stale"):
        reader.get("support/p0")
    publish(repo, keys, "v2")  # the author publishes again: served at once
    assert reader.refresh() is True and reader.release == 2 and reader.last_error is None


def test_max_stale_applies_when_the_source_is_down(repo, keys, clock, repo_dir, open_reader):
    publish(repo, keys, "v1", expires_in=DAY)
    reader = open_reader(max_stale=timedelta(days=1))
    shutil.rmtree(repo_dir)
    clock.advance(DAY + DAY // 2)
    assert reader.refresh() is False
    assert reader.release == 1 and isinstance(reader.last_error, SourceUnavailable)
    clock.advance(DAY)
    with pytest.raises(FreezeError) as raised:
        reader.refresh()
    assert isinstance(raised.value.__cause__, SourceUnavailable)


def test_max_stale_applies_to_a_restarted_reader(repo, keys, clock, repo_dir, open_reader):
    publish(repo, keys, "v1", expires_in=DAY)
    open_reader()
    shutil.rmtree(repo_dir)
    clock.advance(5 * DAY)
    assert open_reader(max_stale=7 * DAY).release == 1  # within the bound: served
    stopped = open_reader(max_stale=2 * DAY, refresh=False)
    assert stopped.release is None and isinstance(stopped.last_error, FreezeError)
    with pytest.raises(SourceUnavailable):
        open_reader(max_stale=2 * DAY)


def test_max_stale_over_http_with_a_proxy_answering_not_modified(repo, keys, clock, repo_dir,
                                                                 open_reader):
    publish(repo, keys, "v1", expires_in=7 * DAY)
    with FaultyServer(repo_dir) as server:
        reader = open_reader(source=server.url, max_stale=DAY)
        server.faults["channels/production.json"] = "stale304"
        publish(repo, keys, "v2")
        clock.advance(7 * DAY + DAY // 2)
        assert reader.refresh() is False and reader.release == 1
        clock.advance(DAY)
        with pytest.raises(FreezeError):
            reader.refresh()
        assert server.not_modified >= 2


@pytest.mark.parametrize("value", [-1, "1 day", True])
def test_max_stale_must_be_a_duration(repo, open_reader, value):
    with pytest.raises(ValueError, match="max_stale"):
        open_reader(cache=False, max_stale=value)
