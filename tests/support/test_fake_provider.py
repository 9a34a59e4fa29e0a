"""The loopback OpenAI-compatible server the gateway tests and benchmarks talk to."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.support.fake_provider import FakeProvider, Reply, count_tokens

ROOT = Path(__file__).resolve().parents[2]
CHAT = {"model": "echo", "messages": [{"role": "user", "content": "hi there"}]}


def test_stop_leaves_no_thread_and_frees_the_port():
    before = set(threading.enumerate())
    server = FakeProvider().start()
    port = server.port
    assert httpx.get(f"{server.base_url}/models").status_code == 200
    server.stop()
    assert set(threading.enumerate()) <= before
    with socket.socket() as s, pytest.raises(ConnectionRefusedError):
        s.connect(("127.0.0.1", port))


def test_stop_releases_a_hanging_request():
    with FakeProvider() as server:
        outcome: list[BaseException] = []

        def hang() -> None:
            try:
                httpx.post(f"{server.base_url}/chat/completions", json={**CHAT, "model": "fault-hang"}, timeout=10)
            except httpx.HTTPError as exc:
                outcome.append(exc)

        client = threading.Thread(target=hang)
        client.start()
        while not server.requests:
            time.sleep(0.01)
        start = time.perf_counter()
    assert time.perf_counter() - start < 2
    client.join(5)
    assert outcome and isinstance(outcome[0], httpx.RemoteProtocolError | httpx.ReadError)


def test_answers_keep_the_connection_alive_and_are_logged():
    with FakeProvider() as server, httpx.Client(base_url=server.base_url) as client:
        for _ in range(5):
            answer = client.post("/chat/completions", json=CHAT, headers={"X-Probe": "1"}).json()
        # A chunked request body is read too.
        client.post("/chat/completions", content=iter([b'{"model": "echo", ', b'"messages": []}']))
        assert server.connections == 1
        assert answer["choices"][0]["message"]["content"] == "Echo: hi there"
        assert answer["usage"] == {"prompt_tokens": 2, "completion_tokens": 3, "total_tokens": 5}
        assert server.requests[0].headers["x-probe"] == "1"
        assert server.requests[0].body == CHAT
        assert server.requests[-1].body == {"model": "echo", "messages": []}


def test_scripted_replies_come_first_then_the_model_name_decides():
    with FakeProvider() as server, httpx.Client(base_url=server.base_url) as client:
        server.script("echo", ["one", Reply(fault="500")])
        texts = [client.post("/chat/completions", json=CHAT) for _ in range(3)]
        assert texts[0].json()["choices"][0]["message"]["content"] == "one"
        assert texts[1].status_code == 500
        assert texts[2].json()["choices"][0]["message"]["content"] == "Echo: hi there"
        limited = client.post("/chat/completions", json={**CHAT, "model": "fault-429:4"})
        assert limited.status_code == 429 and limited.headers["retry-after"] == "4"
        assert limited.json()["error"]["code"] == "rate_limit_exceeded"


def test_streaming_sends_sse_chunks_usage_and_done():
    with FakeProvider() as server, httpx.Client(base_url=server.base_url) as client:
        body = {**CHAT, "stream": True, "stream_options": {"include_usage": True}}
        with client.stream("POST", "/chat/completions", json=body) as response:
            assert response.headers["content-type"] == "text/event-stream"
            events = [line.removeprefix("data: ") for line in response.iter_lines() if line]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"]) == "Echo: hi there"
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["usage"]["completion_tokens"] == count_tokens("Echo: hi there")


def test_thirty_two_calls_at_once_overlap():
    async def burst(url: str) -> float:
        limits = httpx.Limits(max_connections=32)
        async with httpx.AsyncClient(base_url=url, limits=limits) as client:
            start = time.perf_counter()
            answers = await asyncio.gather(*(client.post("/chat/completions", json=CHAT) for _ in range(32)))
            assert all(a.status_code == 200 for a in answers)
            return time.perf_counter() - start

    with FakeProvider(latency=0.2) as server:
        assert asyncio.run(burst(server.base_url)) < 3.2  # one after another would take 6.4 s


def test_latency_per_model_and_api_key():
    with FakeProvider(api_key="sk-1") as server, httpx.Client(base_url=server.base_url) as client:
        server.set_latency(0.2, model="slow")
        assert client.post("/chat/completions", json=CHAT).status_code == 401
        auth = {"Authorization": "Bearer sk-1"}
        start = time.perf_counter()
        assert client.post("/chat/completions", json={**CHAT, "model": "slow"}, headers=auth).status_code == 200
        assert time.perf_counter() - start >= 0.2
        start = time.perf_counter()
        assert client.post("/chat/completions", json=CHAT, headers=auth).status_code == 200
        assert time.perf_counter() - start < 0.2


def test_standalone_prints_its_url_and_stops_on_sigterm():
    proc = subprocess.Popen([sys.executable, "-m", "tests.support.fake_provider", "--port", "0", "--latency", "0",
                             "--api-key", "k"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
        assert httpx.get(f"{url}/models", headers={"Authorization": "Bearer k"}).status_code == 200
        assert httpx.get(f"{url}/models").status_code == 401
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
