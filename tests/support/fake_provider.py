"""A real OpenAI-compatible chat server on loopback, for tests and benchmarks.

Tests run it in a background thread::

    with FakeProvider(latency=0.05) as server:
        server.script("echo", ["Hello", Reply(fault="429", retry_after=3)])
        ... call server.base_url ...
        server.requests[-1].body["messages"]

Benchmarks run it in a subprocess; it prints its base URL on the first stdout line::

    python -m tests.support.fake_provider --port 0 --latency 0.1

Routes: ``POST /v1/chat/completions`` (whole or SSE-streamed), ``GET /v1/models``, OpenAI's batch
API (``POST /v1/files`` multipart upload, ``POST /v1/batches``, ``GET /v1/batches/{id}``,
``POST /v1/batches/{id}/cancel``, ``GET /v1/files/{id}/content``), Anthropic's Message Batches
(``POST /v1/messages/batches``, ``GET /v1/messages/batches/{id}`` and ``.../results``), and Ollama's
``POST /api/chat`` and ``/api/generate`` (for litellm's ``ollama_chat/`` and ``ollama/`` models, at
``ollama_url``). Behaviour is chosen per request by the next reply scripted for the request's
``model`` (in-process), else by the model name itself (works across processes):

    fault-429[:N]    429 with ``Retry-After: N`` (default 1) and an OpenAI error body
    fault-500        500 server_error
    fault-401        401 invalid_api_key
    fault-404        404 model_not_found
    fault-context    400 context_length_exceeded
    fault-malformed  200 with a body that is not JSON (streaming: events that are not JSON)
    fault-drop       the connection closes half way through the answer
    fault-hang       the request is read and never answered, until the client leaves or we stop
    anything else    "Echo: <last user message>"

Quality: ``set_quality(share, model=...)`` (or ``--model-quality m=share``) makes a model answer
only that share of requests right: a request whose last user message hashes (sha256) to a
number in [share, 1) gets ``WRONG_ANSWER`` instead of the echo. The hash depends on the message
alone, so the same cases go wrong for every model of the same quality, every time.

Tokens are whitespace-delimited pieces (``count_tokens``), so usage is deterministic; ``max_tokens``
cuts the reply and sets ``finish_reason="length"``. Each streamed chunk carries one piece.

Batches answer each request as a chat request for its model would be answered (faults
included: a faulty request is a failed line), without the latency; a batch completes
``batch_latency`` seconds after it was created (0: at once), its counts growing in between.
``batch_outcome = "expired"`` makes batches end expired, with only the first half answered.

Latency: an answer (headers included) starts ``latency`` seconds after its request arrived;
server-wide, or per model with ``set_latency(seconds, model=...)`` / ``--model-latency m=s``.
Streamed pieces after the first are spaced by ``chunk_interval`` seconds. ``api_key`` makes the
OpenAI routes require ``Authorization: Bearer <key>``.

Only the standard library: asyncio streams with just enough HTTP/1.1 (Content-Length or chunked
request bodies, keep-alive, chunked responses for streams).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any

FAULTS = ("429", "500", "401", "404", "context", "malformed", "drop", "hang")
_TOKEN = re.compile(r"\s*\S+\s*|\s+")
_MAX_HEAD = 64 * 1024
WRONG_ANSWER = "Sorry, I am not sure."
_OPENAI_ROUTES = ("/v1/chat/completions", "/v1/models", "/chat/completions", "/models")


def count_tokens(text: str) -> int:
    """The fake tokenizer: one token per whitespace-delimited piece."""
    return len(_TOKEN.findall(text))


def split_tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def answer_share(text: str) -> float:
    """Where a message falls in [0, 1) for ``set_quality`` (deterministic)."""
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16) / 2 ** 32


@dataclass(frozen=True)
class Reply:
    """One scripted answer. ``text=None`` echoes; ``fault`` is one of FAULTS."""

    text: str | None = None
    fault: str | None = None
    finish_reason: str | None = None
    retry_after: float | None = None
    latency: float | None = None

    def __post_init__(self) -> None:
        if self.fault is not None and self.fault not in FAULTS:
            raise ValueError(f"unknown fault {self.fault!r}; expected one of {FAULTS}")


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: Any  # parsed JSON, or None
    received_at: float = field(default_factory=time.monotonic)

    @property
    def model(self) -> str | None:
        return self.body.get("model") if isinstance(self.body, dict) else None


@dataclass
class _Request:
    method: str
    path: str
    version: str
    headers: dict[str, str]
    body: bytes

    @property
    def keep_alive(self) -> bool:
        conn = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return conn == "keep-alive"
        return conn != "close"


@dataclass
class _Answer:
    """What to send for one chat request, whatever the wire format."""

    model: str
    pieces: list[str]
    finish: str
    prompt_tokens: int
    fault: str | None

    @property
    def text(self) -> str:
        return "".join(self.pieces)


class _BadRequest(Exception):
    pass


class _Connection:
    """One client connection: buffered reads, and a watch for the client going away."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.buf = bytearray()
        self.eof = False
        self._watch: asyncio.Task[None] | None = None

    async def _fill(self) -> bool:
        data = await self.reader.read(65536)
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    async def read_request(self) -> _Request | None:
        while (end := self.buf.find(b"\r\n\r\n")) < 0:
            if len(self.buf) > _MAX_HEAD:
                raise _BadRequest("request head too large")
            if self.eof or not await self._fill():
                return None
        head = bytes(self.buf[:end]).decode("latin-1")
        del self.buf[: end + 4]
        request_line, *header_lines = head.split("\r\n")
        try:
            method, path, version = request_line.split(" ", 2)
        except ValueError:
            raise _BadRequest(f"bad request line {request_line!r}") from None
        headers: dict[str, str] = {}
        for line in header_lines:
            name, sep, value = line.partition(":")
            if not sep:
                raise _BadRequest(f"bad header line {line!r}")
            headers[name.strip().lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = await self._read_chunked()
        else:
            body = await self._read_exactly(int(headers.get("content-length", "0") or 0))
        return _Request(method, path, version, headers, body)

    async def _read_exactly(self, n: int) -> bytes:
        while len(self.buf) < n:
            if self.eof or not await self._fill():
                raise _BadRequest("body shorter than Content-Length")
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    async def _read_line(self) -> bytes:
        while (end := self.buf.find(b"\r\n")) < 0:
            if self.eof or not await self._fill():
                raise _BadRequest("truncated chunked body")
        line = bytes(self.buf[:end])
        del self.buf[: end + 2]
        return line

    async def _read_chunked(self) -> bytes:
        body = bytearray()
        while True:
            size = int((await self._read_line()).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while await self._read_line():  # trailers
                    pass
                return bytes(body)
            body += await self._read_exactly(size)
            await self._read_line()

    # While we answer, the client sends nothing (httpx and aiohttp do not pipeline), so a read that
    # returns EOF means the client gave up. Anything read is kept for the next request.
    def _watch_start(self) -> None:
        if self._watch is None and not self.eof:
            self._watch = asyncio.ensure_future(self._watch_loop())

    async def _watch_loop(self) -> None:
        while await self._fill():
            pass

    async def watch_stop(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            try:
                await self._watch
            except asyncio.CancelledError:
                pass
            self._watch = None

    async def wait_gone(self, timeout: float | None = None) -> bool:
        """Wait until the client closes (True) or ``timeout`` passes (False)."""
        if self.eof:
            return True
        self._watch_start()
        assert self._watch is not None
        done, _ = await asyncio.wait({self._watch}, timeout=timeout)
        return bool(done) or self.eof

    async def send(self, status: int, data: bytes, content_type: str, keep_alive: bool,
                   headers: dict[str, str] | None = None) -> bool:
        self.writer.write(_head(status, {"content-type": content_type, "content-length": str(len(data)),
                                         **(headers or {})}, keep_alive) + data)
        await self.writer.drain()
        return keep_alive

    async def send_json(self, status: int, payload: Any, keep_alive: bool,
                        headers: dict[str, str] | None = None) -> bool:
        return await self.send(status, json.dumps(payload).encode(), "application/json", keep_alive, headers)

    async def send_half_and_drop(self, payload: Any) -> bool:
        """Promise the whole JSON body, send half of it, and cut the connection."""
        data = json.dumps(payload).encode()
        self.writer.write(_head(200, {"content-type": "application/json", "content-length": str(len(data))},
                                True) + data[: len(data) // 2])
        await self.writer.drain()
        self.writer.transport.abort()
        return False


class FakeProvider:
    """An OpenAI-compatible chat server on 127.0.0.1, in its own thread and event loop."""

    def __init__(self, *, port: int = 0, latency: float = 0.0, chunk_interval: float = 0.0,
                 api_key: str | None = None, record: bool = True) -> None:
        self.host = "127.0.0.1"
        self.port = port
        self.latency = latency
        self.chunk_interval = chunk_interval
        self.api_key = api_key
        self.record = record
        self.abandoned = 0  # answers the client walked away from before they were complete
        self.connections = 0  # TCP connections accepted (keep-alive means few)
        self._model_latency: dict[str, float] = {}
        self._quality: dict[str, float] = {}
        self._scripts: dict[str, deque[Reply]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.batch_latency = 0.0
        self.batch_outcome = "completed"
        self._files: dict[str, bytes] = {}
        self._batches: dict[str, dict[str, Any]] = {}

    # ---- configuration (thread-safe) -----------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    @property
    def ollama_url(self) -> str:
        """The base URL for litellm's ``ollama/`` and ``ollama_chat/`` models."""
        return f"http://{self.host}:{self.port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def script(self, model: str, replies: Iterable[str | Reply]) -> None:
        """Queue replies for ``model``; each request for it takes the next one."""
        with self._lock:
            self._scripts[model].extend(r if isinstance(r, Reply) else Reply(text=r) for r in replies)

    def set_quality(self, share: float, model: str) -> None:
        """Answer only `share` (0..1) of `model`'s requests right (see the module)."""
        with self._lock:
            self._quality[model] = share

    def set_latency(self, seconds: float, model: str | None = None) -> None:
        with self._lock:
            if model is None:
                self.latency = seconds
            else:
                self._model_latency[model] = seconds

    # ---- lifecycle -----------------------------------------------------------------------------

    def start(self) -> FakeProvider:
        if self._thread is not None:
            raise RuntimeError("already started")
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._open())
            except BaseException as exc:  # reported to start()'s caller
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._thread = threading.Thread(target=run, name=f"FakeProvider:{self.port}", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            self._thread = None
            raise failure[0]
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Close the listener and every connection, then end the thread."""
        if self._thread is None or self._loop is None:
            return
        loop = self._loop
        asyncio.run_coroutine_threadsafe(self._close(), loop).result(timeout)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise RuntimeError("fake provider thread did not stop")
        self._thread = None
        self._loop = None

    def __enter__(self) -> FakeProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def serve_forever(self, on_ready: Callable[[str], None] | None = None) -> None:
        """Serve in the running loop until cancelled (the standalone mode)."""
        await self._open()
        try:
            if on_ready is not None:
                on_ready(self.base_url)
            await asyncio.Event().wait()
        finally:
            await self._close()

    async def _open(self) -> None:
        self._server = await asyncio.start_server(self._handle, self.host, self.port, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close(self) -> None:
        assert self._server is not None
        self._server.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._server.wait_closed()

    # ---- HTTP ----------------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        conn = _Connection(reader, writer)
        try:
            while True:
                try:
                    request = await conn.read_request()
                except _BadRequest as exc:
                    await conn.send_json(400, _error(str(exc)), False)
                    break
                if request is None or not await self._respond(conn, request):
                    break
                await conn.watch_stop()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            await conn.watch_stop()
            writer.close()
            self._tasks.discard(task)

    async def _respond(self, conn: _Connection, request: _Request) -> bool:
        """Answer one request; False when the connection must close afterwards."""
        keep = request.keep_alive
        body: Any = None
        path = request.path.split("?", 1)[0].rstrip("/")
        if path.startswith("/v1/files") or path.startswith("/v1/batches") or \
                path.startswith("/v1/messages/batches"):
            return await self._batch_route(conn, request, path)
        if request.body:
            try:
                body = json.loads(request.body)
            except ValueError:
                return await conn.send_json(400, _error("body is not JSON"), keep)
        if self.record:
            with self._lock:
                self._requests.append(RecordedRequest(request.method, request.path, request.headers, body))
        path = request.path.split("?", 1)[0].rstrip("/")
        if path.startswith("/api/"):
            return await self._ollama(conn, request, path, body)
        if path not in _OPENAI_ROUTES:
            return await conn.send_json(404, _error(f"no route {path}"), keep)
        if self.api_key is not None and request.headers.get("authorization") != f"Bearer {self.api_key}":
            return await conn.send_json(401, _invalid_key(request.headers.get("authorization")), keep)
        if path.endswith("/models"):
            if request.method != "GET":
                return await conn.send_json(405, _error("use GET"), keep)
            models = [{"id": m, "object": "model", "created": 0, "owned_by": "promptpress-fake"}
                      for m in ["echo", *(f"fault-{f}" for f in FAULTS)]]
            return await conn.send_json(200, {"object": "list", "data": models}, keep)
        if request.method != "POST":
            return await conn.send_json(405, _error("use POST"), keep)
        if not (isinstance(body, dict) and isinstance(body.get("model"), str)
                and isinstance(body.get("messages"), list)):
            return await conn.send_json(400, _error("model and messages are required"), keep)
        return await self._openai_chat(conn, request, body)

    def _plan(self, model: str) -> tuple[Reply, float]:
        with self._lock:
            queue = self._scripts.get(model)
            reply = queue.popleft() if queue else None
            latency = self._model_latency.get(model, self.latency)
        if reply is None:
            reply = Reply()
            if model.startswith("fault-"):
                kind, _, arg = model.removeprefix("fault-").partition(":")
                if kind in FAULTS:
                    reply = Reply(fault=kind, retry_after=float(arg) if kind == "429" and arg else None)
        return reply, reply.latency if reply.latency is not None else latency

    async def _arrive(self, conn: _Connection, reply: Reply, latency: float) -> bool:
        """Wait out the latency (or forever, for a hang); False when the client left meanwhile."""
        if reply.fault == "hang" or latency > 0:
            if await conn.wait_gone(None if reply.fault == "hang" else latency):
                self.abandoned += 1
                return False
        return True

    def _answer(self, model: str, reply: Reply, echo: str, prompt_tokens: int, limit: Any) -> _Answer:
        text = reply.text
        if text is None:
            with self._lock:
                quality = self._quality.get(model, 1.0)
            text = WRONG_ANSWER if answer_share(echo) >= quality else "Echo: " + echo
        pieces = split_tokens(text)
        finish = reply.finish_reason or "stop"
        if isinstance(limit, int) and 0 < limit < len(pieces):
            pieces, finish = pieces[:limit], reply.finish_reason or "length"
        return _Answer(model, pieces, finish, prompt_tokens, reply.fault)

    async def _stream(self, conn: _Connection, events: list[bytes], *, first: int = 0,
                      drop: bool = False) -> bool:
        """Send ``events`` as HTTP chunks (after the head), spaced by chunk_interval from the
        ``first``-th on; with ``drop``, cut the connection after a couple of them."""
        w = conn.writer
        for i, event in enumerate(events):
            if drop and i == min(first + 2, len(events) - 1):
                await w.drain()
                w.transport.abort()
                return False
            if i > first and self.chunk_interval > 0:
                await w.drain()
                if await conn.wait_gone(self.chunk_interval):
                    self.abandoned += 1
                    return False
            w.write(b"%x\r\n%s\r\n" % (len(event), event))
        w.write(b"0\r\n\r\n")
        await w.drain()
        return True

    # ---- OpenAI chat completions ---------------------------------------------------------------

    async def _openai_chat(self, conn: _Connection, request: _Request, body: dict[str, Any]) -> bool:
        keep, model, messages = request.keep_alive, body["model"], body["messages"]
        reply, latency = self._plan(model)
        if not await self._arrive(conn, reply, latency):
            return False
        if reply.fault in ("429", "500", "401", "404", "context"):
            status, payload, headers = _openai_fault(reply, model, messages, request.headers)
            return await conn.send_json(status, payload, keep, headers)
        answer = self._answer(model, reply, _last_user_text(messages), _prompt_tokens(messages),
                              body.get("max_completion_tokens") or body.get("max_tokens"))
        usage = {"prompt_tokens": answer.prompt_tokens, "completion_tokens": len(answer.pieces),
                 "total_tokens": answer.prompt_tokens + len(answer.pieces)}
        ident, created = f"chatcmpl-fake{next(self._ids)}", int(time.time())
        common = {"id": ident, "created": created, "model": model, "system_fingerprint": "fp_fake"}
        if body.get("stream"):
            conn.writer.write(_head(200, {"content-type": "text/event-stream", "cache-control": "no-cache",
                                          "transfer-encoding": "chunked"}, True))
            if answer.fault == "malformed":
                broken = '{"id": "' + ident + '", "choices": [{"delta": {"content": "Hel'
                return await self._stream(conn, [_sse(broken), _sse("this is not json"), _sse("[DONE]")])

            def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
                choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
                return _sse(json.dumps({**common, "object": "chat.completion.chunk", "choices": [choice]}))

            events = [chunk({"role": "assistant", "content": ""})]
            events += [chunk({"content": piece}) for piece in answer.pieces]
            events.append(chunk({}, answer.finish))
            if (body.get("stream_options") or {}).get("include_usage"):
                tail = {**common, "object": "chat.completion.chunk", "choices": [], "usage": usage}
                events.append(_sse(json.dumps(tail)))
            events.append(_sse("[DONE]"))
            return await self._stream(conn, events, first=1, drop=answer.fault == "drop")
        if answer.fault == "malformed":
            return await conn.send(200, b'{"id": "%s", "choices": [{"message": ' % ident.encode(),
                                   "application/json", keep)
        payload = {**common, "object": "chat.completion", "usage": usage, "choices": [{
            "index": 0, "message": {"role": "assistant", "content": answer.text}, "logprobs": None,
            "finish_reason": answer.finish}]}
        if answer.fault == "drop":
            return await conn.send_half_and_drop(payload)
        return await conn.send_json(200, payload, keep)

    # ---- batch APIs: OpenAI Batch and Anthropic Message Batches ---------------------------------

    async def _batch_route(self, conn: _Connection, request: _Request, path: str) -> bool:
        keep = request.keep_alive
        body: Any = None
        if request.body and "multipart/" not in request.headers.get("content-type", ""):
            try:
                body = json.loads(request.body)
            except ValueError:
                return await conn.send_json(400, _error("body is not JSON"), keep)
        if self.record:
            with self._lock:
                self._requests.append(RecordedRequest(request.method, path, request.headers, body))
        if self.api_key is not None and request.headers.get("authorization") != f"Bearer {self.api_key}" \
                and request.headers.get("x-api-key") != self.api_key:
            return await conn.send_json(401, _invalid_key(request.headers.get("authorization")), keep)
        parts = path.split("/")[2:]  # after "/v1"
        method = request.method
        if parts == ["files"] and method == "POST":
            content = _multipart_file(request.headers.get("content-type", ""), request.body)
            if content is None:
                return await conn.send_json(400, _error("expected a multipart upload with a file"), keep)
            ident = f"file-fake{next(self._ids)}"
            with self._lock:
                self._files[ident] = content
            return await conn.send_json(200, _file_object(ident, len(content), "batch"), keep)
        if len(parts) == 3 and parts[0] == "files" and parts[2] == "content" and method == "GET":
            with self._lock:
                content = self._files.get(parts[1])
            if content is None:
                return await conn.send_json(404, _error(f"No such File object: {parts[1]}"), keep)
            return await conn.send(200, content, "application/octet-stream", keep)
        if parts == ["batches"] and method == "POST":
            return await self._openai_batch_create(conn, keep, body)
        if len(parts) >= 2 and parts[0] == "batches":
            batch = self._batches.get(parts[1])
            if batch is None or batch["api"] != "openai":
                return await conn.send_json(404, _error(f"No such batch: {parts[1]}"), keep)
            if len(parts) == 3 and parts[2] == "cancel" and method == "POST":
                batch["cancelled"] = True
            return await conn.send_json(200, self._openai_batch_view(batch), keep)
        if parts == ["messages", "batches"] and method == "POST":
            return await self._anthropic_batch_create(conn, keep, body)
        if len(parts) >= 3 and parts[:2] == ["messages", "batches"]:
            batch = self._batches.get(parts[2])
            if batch is None or batch["api"] != "anthropic":
                return await conn.send_json(404, {"type": "error", "error": {
                    "type": "not_found_error", "message": f"No batch {parts[2]}"}}, keep)
            if len(parts) == 4 and parts[3] == "results":
                lines = [json.dumps(line).encode() for line in self._settled(batch)[0]]
                return await conn.send(200, b"\n".join(lines) + b"\n", "application/x-jsonl", keep)
            return await conn.send_json(200, self._anthropic_batch_view(batch), keep)
        return await conn.send_json(404, _error(f"no route {method} {path}"), keep)

    def _chat_line(self, model: str, messages: list[Any], limit: Any) -> tuple[int, dict[str, Any]]:
        """(HTTP status, body) that a chat request would get, at once."""
        reply, _ = self._plan(model)
        if reply.fault in ("429", "500", "401", "404", "context", "malformed", "drop", "hang"):
            if reply.fault in ("malformed", "drop", "hang"):
                return 500, _error("The server had an error while processing your request.", "server_error")
            status, payload, _ = _openai_fault(reply, model, messages, {})
            return status, payload
        answer = self._answer(model, reply, _last_user_text(messages), _prompt_tokens(messages), limit)
        return 200, {"id": f"chatcmpl-fake{next(self._ids)}", "object": "chat.completion",
                     "created": int(time.time()), "model": model,
                     "usage": {"prompt_tokens": answer.prompt_tokens,
                               "completion_tokens": len(answer.pieces),
                               "total_tokens": answer.prompt_tokens + len(answer.pieces)},
                     "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.text},
                                  "logprobs": None, "finish_reason": answer.finish}]}

    async def _openai_batch_create(self, conn: _Connection, keep: bool, body: Any) -> bool:
        if not isinstance(body, dict) or body.get("endpoint") != "/v1/chat/completions":
            return await conn.send_json(400, _error("input_file_id and endpoint /v1/chat/completions "
                                                    "are required"), keep)
        with self._lock:
            content = self._files.get(str(body.get("input_file_id")))
        if content is None:
            return await conn.send_json(400, _error(f"No such File object: {body.get('input_file_id')}"), keep)
        lines = []
        for raw in content.splitlines():
            if not raw.strip():
                continue
            item = json.loads(raw)
            request = item.get("body") or {}
            status, answer = self._chat_line(str(request.get("model")), request.get("messages") or [],
                                             request.get("max_completion_tokens") or request.get("max_tokens"))
            lines.append((item.get("custom_id"), status, answer))
        ident = f"batch_fake{next(self._ids)}"
        self._batches[ident] = {"api": "openai", "id": ident, "created": time.monotonic(),
                                "created_at": int(time.time()), "input_file_id": body["input_file_id"],
                                "lines": lines, "cancelled": False, "files": None}
        return await conn.send_json(200, self._openai_batch_view(self._batches[ident]), keep)

    def _settled(self, batch: dict[str, Any]) -> tuple[list[Any], int, str]:
        """(answer lines so far, how many are done, status) of a batch, by the clock."""
        total = len(batch["lines"])
        elapsed = time.monotonic() - batch["created"]
        share = 1.0 if self.batch_latency <= 0 else min(1.0, elapsed / self.batch_latency)
        done = int(total * share)
        status = "in_progress" if share < 1 and not batch["cancelled"] else \
            ("cancelled" if batch["cancelled"] else self.batch_outcome)
        if status == "expired":
            done = total // 2
        if batch["api"] == "anthropic":
            out = []
            for custom_id, status_code, answer in batch["lines"][:done]:
                if status_code == 200:
                    out.append({"custom_id": custom_id, "result": {"type": "succeeded", "message": answer}})
                else:
                    out.append({"custom_id": custom_id, "result": {"type": "errored", "error": {
                        "type": "error", "error": answer.get("error", {})}}})
            if status in ("expired", "cancelled") and share >= 1:
                out += [{"custom_id": c, "result": {"type": "expired" if status == "expired" else "canceled"}}
                        for c, _, _ in batch["lines"][done:]]
            return out, done, status
        return batch["lines"][:done], done, status

    def _openai_batch_view(self, batch: dict[str, Any]) -> dict[str, Any]:
        lines, done, status = self._settled(batch)
        failed = sum(1 for _, code, _ in lines if code != 200)
        view = {"id": batch["id"], "object": "batch", "endpoint": "/v1/chat/completions",
                "errors": None, "input_file_id": batch["input_file_id"], "completion_window": "24h",
                "status": status, "output_file_id": None, "error_file_id": None,
                "created_at": batch["created_at"], "metadata": {},
                "request_counts": {"total": len(batch["lines"]), "completed": done - failed,
                                   "failed": failed}}
        if status in ("completed", "expired", "cancelled"):
            if batch["files"] is None:
                good = [json.dumps({"id": f"batch_req_{i}", "custom_id": c, "error": None,
                                    "response": {"status_code": code, "request_id": f"req_{i}", "body": a}})
                        for i, (c, code, a) in enumerate(lines) if code == 200]
                bad = [json.dumps({"id": f"batch_req_e{i}", "custom_id": c, "error": None,
                                   "response": {"status_code": code, "request_id": f"req_e{i}", "body": a}})
                       for i, (c, code, a) in enumerate(lines) if code != 200]
                files = []
                for rows in (good, bad):
                    ident = f"file-fake{next(self._ids)}" if rows else None
                    if ident:
                        with self._lock:
                            self._files[ident] = ("\n".join(rows) + "\n").encode()
                    files.append(ident)
                batch["files"] = files
            view["output_file_id"], view["error_file_id"] = batch["files"]
        return view

    async def _anthropic_batch_create(self, conn: _Connection, keep: bool, body: Any) -> bool:
        requests = body.get("requests") if isinstance(body, dict) else None
        if not isinstance(requests, list) or not requests:
            return await conn.send_json(400, {"type": "error", "error": {
                "type": "invalid_request_error", "message": "requests: a non-empty list is required"}}, keep)
        lines = []
        for item in requests:
            params = item.get("params") or {}
            if not isinstance(params.get("max_tokens"), int):
                lines.append((item.get("custom_id"), 400, {"error": {
                    "type": "invalid_request_error", "message": "max_tokens: Field required"}}))
                continue
            model = str(params.get("model"))
            status, answer = self._chat_line(model, params.get("messages") or [], params.get("max_tokens"))
            if status == 200:
                choice = answer["choices"][0]
                answer = {"id": f"msg_fake{next(self._ids)}", "type": "message", "role": "assistant",
                          "model": model, "content": [{"type": "text", "text": choice["message"]["content"]}],
                          "stop_reason": "max_tokens" if choice["finish_reason"] == "length" else "end_turn",
                          "usage": {"input_tokens": answer["usage"]["prompt_tokens"],
                                    "output_tokens": answer["usage"]["completion_tokens"]}}
            else:
                err = answer.get("error") or {}
                answer = {"error": {"type": "api_error" if status >= 500 else "invalid_request_error",
                                    "message": err.get("message", "error")}}
            lines.append((item.get("custom_id"), status, answer))
        ident = f"msgbatch_fake{next(self._ids)}"
        self._batches[ident] = {"api": "anthropic", "id": ident, "created": time.monotonic(),
                                "lines": lines, "cancelled": False}
        return await conn.send_json(200, self._anthropic_batch_view(self._batches[ident]), keep)

    def _anthropic_batch_view(self, batch: dict[str, Any]) -> dict[str, Any]:
        lines, done, status = self._settled(batch)
        ended = status != "in_progress"
        kinds = [line["result"]["type"] for line in lines]
        counts = {"processing": 0 if ended else len(batch["lines"]) - done,
                  "succeeded": kinds.count("succeeded"), "errored": kinds.count("errored"),
                  "canceled": kinds.count("canceled"), "expired": kinds.count("expired")}
        return {"id": batch["id"], "type": "message_batch",
                "processing_status": "ended" if ended else "in_progress", "request_counts": counts,
                "results_url": f"http://{self.host}:{self.port}/v1/messages/batches/{batch['id']}/results"
                if ended else None}

    # ---- Ollama's native API, enough for litellm's ollama/ and ollama_chat/ providers ------------

    async def _ollama(self, conn: _Connection, request: _Request, path: str, body: Any) -> bool:
        keep = request.keep_alive
        if path == "/api/tags":
            return await conn.send_json(200, {"models": [{"name": "echo", "model": "echo"}]}, keep)
        if path == "/api/show":
            return await conn.send_json(200, {"template": "{{ .Prompt }}", "details": {}, "model_info": {},
                                              "capabilities": ["completion"]}, keep)
        if path not in ("/api/generate", "/api/chat") or request.method != "POST":
            return await conn.send_json(404, {"error": f"no route {path}"}, keep)
        if not isinstance(body, dict) or not isinstance(body.get("model"), str):
            return await conn.send_json(400, {"error": "model is required"}, keep)
        model = body["model"]
        reply, latency = self._plan(model)
        if not await self._arrive(conn, reply, latency):
            return False
        errors = {"429": (429, "rate limited"), "500": (500, "internal error"), "401": (401, "unauthorized"),
                  "404": (404, f"model '{model}' not found, try pulling it first"),
                  "context": (400, "input length exceeds the context length")}
        if reply.fault in errors:
            status, message = errors[reply.fault]
            return await conn.send_json(status, {"error": message}, keep)
        chat = path == "/api/chat"
        messages = body.get("messages") or []
        prompt = str(body.get("prompt", ""))
        answer = self._answer(model, reply, _last_user_text(messages) if chat else prompt,
                              _prompt_tokens(messages) if chat else count_tokens(prompt),
                              (body.get("options") or {}).get("num_predict"))
        created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

        def part(text: str, done: bool) -> dict[str, Any]:
            event: dict[str, Any] = {"model": model, "created_at": created, "done": done}
            event.update({"message": {"role": "assistant", "content": text}} if chat else {"response": text})
            if done:
                event.update(done_reason=answer.finish, prompt_eval_count=answer.prompt_tokens,
                             eval_count=len(answer.pieces))
            return event

        if body.get("stream", True) is False:
            if answer.fault == "malformed":
                return await conn.send(200, b'{"model": "%s", "respo' % model.encode(), "application/json",
                                       keep)
            if answer.fault == "drop":
                return await conn.send_half_and_drop(part(answer.text, True))
            return await conn.send_json(200, part(answer.text, True), keep)
        conn.writer.write(_head(200, {"content-type": "application/x-ndjson", "transfer-encoding": "chunked"},
                                True))
        lines = [b"{not json\n" if answer.fault == "malformed" else json.dumps(part(p, False)).encode() + b"\n"
                 for p in answer.pieces]
        lines.append(json.dumps(part("", True)).encode() + b"\n")
        return await self._stream(conn, lines, drop=answer.fault == "drop")


def _openai_fault(reply: Reply, model: str, messages: list[Any],
                  headers: dict[str, str]) -> tuple[int, dict[str, Any], dict[str, str] | None]:
    """Status, OpenAI-shaped error body and extra headers for an error fault."""
    if reply.fault == "429":
        retry = reply.retry_after if reply.retry_after is not None else 1
        shown = str(int(retry)) if float(retry).is_integer() else str(retry)
        body = _error("Rate limit reached for requests. Please try again later.", "requests",
                      code="rate_limit_exceeded")
        return 429, body, {"retry-after": shown}
    if reply.fault == "500":
        return 500, _error("The server had an error while processing your request.", "server_error"), None
    if reply.fault == "401":
        return 401, _invalid_key(headers.get("authorization")), None
    if reply.fault == "404":
        message = f"The model `{model}` does not exist or you do not have access to it."
        return 404, _error(message, code="model_not_found", param="model"), None
    used = max(_prompt_tokens(messages), 8193)
    message = (f"This model's maximum context length is 8192 tokens. However, your messages resulted in "
               f"{used} tokens. Please reduce the length of the messages.")
    return 400, _error(message, code="context_length_exceeded", param="messages"), None


def _multipart_file(content_type: str, body: bytes) -> bytes | None:
    """The content of the `file` part of a multipart/form-data body."""
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode("latin-1") + body)
    if not message.is_multipart():
        return None
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "file":
            return part.get_payload(decode=True)
    return None


def _file_object(ident: str, size: int, purpose: str) -> dict[str, Any]:
    return {"id": ident, "object": "file", "bytes": size, "created_at": int(time.time()),
            "filename": "requests.jsonl", "purpose": purpose, "status": "processed"}


def _head(status: int, headers: dict[str, str], keep_alive: bool) -> bytes:
    lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}", "server: promptpress-fake",
             f"connection: {'keep-alive' if keep_alive else 'close'}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _sse(data: str) -> bytes:
    return f"data: {data}\n\n".encode()


def _error(message: str, type_: str = "invalid_request_error", *, code: str | None = None,
           param: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def _invalid_key(authorization: str | None) -> dict[str, Any]:
    shown = (authorization or "").removeprefix("Bearer ")
    shown = shown[:3] + "*" * (len(shown) - 7) + shown[-4:] if len(shown) > 7 else "***"
    return _error(f"Incorrect API key provided: {shown}. You can find your API key at "
                  "https://platform.openai.com/account/api-keys.", code="invalid_api_key")


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def _prompt_tokens(messages: list[Any]) -> int:
    return sum(count_tokens(_content_text(m.get("content"))) for m in messages if isinstance(m, dict))


def _last_user_text(messages: list[Any]) -> str:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return _content_text(message.get("content"))
    return ""


@contextlib.contextmanager
def in_subprocess(*options: str) -> Iterator[str]:
    """Run the server in a process of its own (benchmarks: it must not share the measured
    process's GIL) with command-line `options`; yields its base URL, stops it afterwards."""
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.fake_provider", "--port", "0", *options],
        cwd=root, stdout=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONPATH=str(root)))
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http"):
            raise SystemExit("the fake provider did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer starts")
    parser.add_argument("--chunk-interval", type=float, default=0.0, help="seconds between streamed pieces")
    parser.add_argument("--api-key", default=None, help="require Authorization: Bearer KEY")
    parser.add_argument("--model-latency", action="append", default=[], metavar="MODEL=SECONDS")
    parser.add_argument("--model-quality", action="append", default=[], metavar="MODEL=SHARE")
    args = parser.parse_args(argv)
    server = FakeProvider(port=args.port, latency=args.latency, chunk_interval=args.chunk_interval,
                          api_key=args.api_key, record=False)
    for item in args.model_latency:
        model, _, seconds = item.rpartition("=")
        server.set_latency(float(seconds), model=model)
    for item in args.model_quality:
        model, _, share = item.rpartition("=")
        server.set_quality(float(share), model=model)

    async def run() -> None:
        task = asyncio.current_task()
        assert task is not None
        for sig in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(sig, task.cancel)
        await server.serve_forever(on_ready=lambda url: print(url, flush=True))

    try:
        asyncio.run(run())
    except asyncio.CancelledError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
