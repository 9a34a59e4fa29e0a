"""The reader over HTTP: ETags, 404, 500, dropped connections, stale proxies, endless bodies."""

from __future__ import annotations

import pytest

from storage.releases import (ExpiredError, NotFoundError, OversizedError, RollbackError,
                              SourceUnavailable)
from tests.releases.faulty_http import FaultyServer
from tests.releases.helpers import DAY, manifest_file, pointer_file, prompt_blob, prompts

POINTER = "channels/production.json"


@pytest.fixture
def server(repo_dir, repo):
    with FaultyServer(repo_dir) as s:
        yield s


def publish(repo, keys, tag, **kw):
    return repo.publish(prompts(tag), channel="production", signer=keys.author, **kw)


def test_reads_a_release_over_http_and_uses_etags(repo, keys, server, open_reader):
    publish(repo, keys, "v1")
    reader = open_reader(source=server.url)
    assert reader.release == 1
    assert reader.refresh() is False and server.not_modified == 1  # If-None-Match answered 304
    publish(repo, keys, "v2")
    assert reader.refresh() is True and reader.release == 2
    unchanged_blobs = [p for p, n in server.requests.items() if p.startswith("blobs/")]
    assert all(server.requests[p] == 1 for p in unchanged_blobs)  # nothing fetched twice


def test_http_404_on_the_pointer(repo, keys, server, open_reader):
    publish(repo, keys, "v1")
    reader = open_reader(source=server.url)
    server.faults[POINTER] = "404"
    assert reader.refresh() is False
    assert reader.release == 1 and isinstance(reader.last_error, NotFoundError)
    with pytest.raises(NotFoundError, match="no release"):
        open_reader(source=server.url, cache=False)


def test_http_500(repo, keys, server, open_reader):
    publish(repo, keys, "v1")
    reader = open_reader(source=server.url)
    publish(repo, keys, "v2")
    server.faults[POINTER] = "500"
    assert reader.refresh() is False
    assert reader.release == 1 and isinstance(reader.last_error, SourceUnavailable)
    assert "HTTP 500" in str(reader.last_error)
    del server.faults[POINTER]
    assert reader.refresh() is True and reader.release == 2


def test_http_connection_dropped_mid_body(repo, keys, repo_dir, server, open_reader):
    publish(repo, keys, "v1")
    reader = open_reader(source=server.url)
    publish(repo, keys, "v2")
    blob = prompt_blob(repo_dir, "support/p1").relative_to(repo_dir).as_posix()
    server.faults[blob] = "drop"
    assert reader.refresh() is False
    assert reader.release == 1 and isinstance(reader.last_error, SourceUnavailable)
    with pytest.raises(SourceUnavailable):
        open_reader(source=server.url, cache=False)


def test_http_stale_304_from_a_proxy_is_caught_by_expiry(repo, keys, server, clock,
                                                         open_reader):
    publish(repo, keys, "v1", expires_in=7 * DAY)
    reader = open_reader(source=server.url)
    server.faults[POINTER] = "stale304"  # a proxy that never revalidates
    publish(repo, keys, "v2", expires_in=7 * DAY)
    assert reader.refresh() is False and reader.last_error is None  # cannot tell yet
    clock.advance(8 * DAY)
    assert reader.refresh() is False
    assert isinstance(reader.last_error, ExpiredError)  # the freeze shows as expiry


def test_http_stale_200_from_a_proxy_is_a_rollback(repo, keys, repo_dir, server, open_reader):
    publish(repo, keys, "v1")
    old = pointer_file(repo_dir).read_bytes()
    publish(repo, keys, "v2")
    reader = open_reader(source=server.url)
    server.faults[POINTER] = old
    assert reader.refresh() is False
    assert reader.release == 2 and isinstance(reader.last_error, RollbackError)


def test_http_endless_pointer_is_cut_off(repo, keys, server, open_reader):
    publish(repo, keys, "v1")
    server.faults[POINTER] = "endless"
    with pytest.raises(OversizedError):
        open_reader(source=server.url, cache=False)


def test_http_huge_content_length_is_refused_before_reading(repo, keys, repo_dir, server,
                                                            open_reader):
    publish(repo, keys, "v1")
    server.faults[manifest_file(repo_dir).relative_to(repo_dir).as_posix()] = "huge-length"
    with pytest.raises(OversizedError):
        open_reader(source=server.url, cache=False)


def test_http_server_down(repo, keys, server, open_reader):
    publish(repo, keys, "v1")
    open_reader(source=server.url)
    url = server.url
    server.__exit__(None, None, None)
    reader = open_reader(source=url, timeout=2)
    assert reader.release == 1 and isinstance(reader.last_error, SourceUnavailable)


def test_http_403_for_a_missing_root_file_means_not_found(repo, keys, server, open_reader):
    """S3-style stores answer 403 for a key that does not exist (as python-tuf also allows)."""
    publish(repo, keys, "v1")
    server.faults["root/2.root.json"] = "403"
    reader = open_reader(source=server.url, cache=False)
    assert reader.release == 1 and reader.root.version == 1


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
@pytest.mark.parametrize("which", ["pointer", "manifest"])
def test_http_content_encoding_the_reader_did_not_ask_for_is_refused(
        repo, keys, repo_dir, server, open_reader, encoding, which):
    """It asks for identity; a compressed answer is refused, never decoded (no second parser
    between the signed bytes and the reader, no decompression bomb)."""
    publish(repo, keys, "v1")
    reader = open_reader(source=server.url)
    publish(repo, keys, "v2")
    path = POINTER if which == "pointer" else \
        manifest_file(repo_dir).relative_to(repo_dir).as_posix()
    server.faults[path] = encoding
    assert reader.refresh() is False
    assert reader.release == 1 and isinstance(reader.last_error, SourceUnavailable)
    assert f"Content-Encoding {encoding!r}" in str(reader.last_error)
    with pytest.raises(SourceUnavailable, match="did not ask for"):
        open_reader(source=server.url, cache=False)
    del server.faults[path]
    assert reader.refresh() is True and reader.release == 2
