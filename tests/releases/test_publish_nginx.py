"""Publishing to a real nginx (WebDAV PUT/DELETE on loopback) and reading back over HTTP."""

from __future__ import annotations

import time

import httpx
import pytest

from storage.releases import ChannelMoved, NotYetSynced, Reader, TamperedError
from storage.releases.repository import Repository
from tests.releases.conftest import make_root
from tests.releases.helpers import flip, pending_file, pointer_file, prompt_blob, prompts


@pytest.fixture
def http_repo(nginx, keys, clock):
    url = nginx.url + "acme/"
    return Repository.init(url, make_root(keys, production_threshold=2), keys.root, clock=clock)


def next_wall_second() -> None:
    """nginx's ETag is mtime (1 s) + size: make the next write land in a new second."""
    time.sleep(1.05 - (time.time() % 1.0))


def test_publish_to_nginx_and_read_over_http(nginx, http_repo, keys, clock, tmp_path):
    result = http_repo.publish(prompts("v1"), channel="staging", signer=keys.author)
    assert result.release == 1 and result.blobs_written == 3
    served = nginx.root / "acme"
    assert (served / "channels" / "staging.json").exists()
    assert (served / "releases" / "index.json").exists()
    reader = Reader(nginx.url + "acme", http_repo.root_bytes(), channel="staging",
                    cache_dir=tmp_path / "cache", clock=clock)
    prompt = reader.get("support/p1")
    assert prompt.render(transcript="call")[1] == {"role": "user", "content": "[v1] prompt 1: call"}
    assert prompt.model == "openai/gpt-4o-mini" and prompt.params["temperature"] == 0.2
    # the same files read as a folder give the same release
    assert Reader(served, http_repo.root_bytes(), channel="staging", clock=clock).release == 1


def test_blobs_are_immutable_and_pointers_revalidated(nginx, http_repo, keys):
    result = http_repo.publish(prompts("v1"), channel="staging", signer=keys.author)
    with httpx.Client(trust_env=False) as client:
        blob = client.get(f"{nginx.url}acme/blobs/sha256/{result.manifest.sha256}")
        pointer = client.get(f"{nginx.url}acme/channels/staging.json")
    assert "immutable" in blob.headers["cache-control"]
    assert pointer.headers["cache-control"] == "no-cache" and pointer.headers["etag"]


def test_idempotent_republish_to_nginx(nginx, http_repo, keys):
    http_repo.publish(prompts("v1"), channel="staging", signer=keys.author)
    pointer = (nginx.root / "acme" / "channels" / "staging.json").read_bytes()
    again = http_repo.publish(prompts("v1"), channel="staging", signer=keys.author)
    assert again.changed is False and again.blobs_written == 0
    assert (nginx.root / "acme" / "channels" / "staging.json").read_bytes() == pointer


def test_concurrent_publish_to_nginx_raises_channel_moved(nginx, http_repo, keys, clock):
    http_repo.publish(prompts("v1"), channel="staging", signer=keys.author)
    ann = Repository(nginx.url + "acme", clock=clock)
    seen = ann.channel("staging")
    Repository(nginx.url + "acme", clock=clock).publish(prompts("bob"), channel="staging",
                                                        signer=keys.author2)
    with pytest.raises(ChannelMoved):
        ann.publish(prompts("ann"), channel="staging", signer=keys.author, base=seen)


def test_two_signature_channel_over_http(nginx, http_repo, keys, clock):
    http_repo.publish(prompts("v1"), channel="production", signer=keys.author)
    served = nginx.root / "acme"
    assert pending_file(served).exists() and not pointer_file(served).exists()
    reviewer = Repository(nginx.url + "acme", clock=clock)
    pending = reviewer.pending("production")
    assert set(pending.changes.added) == {"support/p0", "support/p1", "support/p2"}
    reviewer.approve("production", signer=keys.reviewer, reviewed=pending)
    assert pointer_file(served).exists() and not pending_file(served).exists()  # DELETE worked
    assert Reader(nginx.url + "acme", http_repo.root_bytes(), clock=clock).release == 1


def test_refresh_over_nginx_uses_etags_and_refuses_tampering(nginx, http_repo, keys, clock,
                                                             tmp_path):
    http_repo.publish(prompts("v1"), channel="staging", signer=keys.author)
    reader = Reader(nginx.url + "acme", http_repo.root_bytes(), channel="staging",
                    cache_dir=tmp_path / "cache", clock=clock)
    assert reader.refresh() is False and reader.last_error is None  # 304 Not Modified
    next_wall_second()
    http_repo.publish(prompts("v2"), channel="staging", signer=keys.author)
    served = nginx.root / "acme"
    flip(prompt_blob(served, "support/p0", "staging"), 30)
    assert reader.refresh() is False and isinstance(reader.last_error, TamperedError)
    assert reader.release == 1
    prompt_blob(served, "support/p0", "staging").unlink()
    assert reader.refresh() is False and isinstance(reader.last_error, NotYetSynced)
    http_repo.publish(prompts("v2"), channel="staging", signer=keys.author)  # repairs the blob
    assert reader.refresh() is True and reader.release == 2


def test_server_refusing_put_gives_a_clear_message(keys, clock, tmp_path):
    from storage.releases import TargetError
    from tests.releases.faulty_http import FaultyServer
    with FaultyServer(tmp_path) as read_only:  # answers GET only, like a plain web server
        with pytest.raises(TargetError, match="dav_methods PUT DELETE"):
            Repository.init(read_only.url + "acme", make_root(keys), keys.root, clock=clock)
