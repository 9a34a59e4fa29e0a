"""The self-contained app (packaging/app): it starts, shows its window, runs a prompt, and never
calls out for litellm's price table."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading

import pytest

from desktop import __version__
from tests.support.fake_provider import FakeProvider

from .conftest import app_env, run_app

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]


class ConnectionRecorder:
    """A loopback port that accepts and records every connection, then drops it: set as the
    proxy, it sees any outbound HTTP(S) call a process tries."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.seen: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    self.seen.append(conn.recv(4096))
                except OSError:
                    self.seen.append(b"")

    def proxy_env(self) -> dict[str, str]:
        url = f"http://127.0.0.1:{self.port}"
        return {"HTTP_PROXY": url, "HTTPS_PROXY": url, "ALL_PROXY": url, "http_proxy": url,
                "https_proxy": url, "all_proxy": url, "NO_PROXY": "127.0.0.1,localhost",
                "no_proxy": "127.0.0.1,localhost"}

    def __enter__(self) -> ConnectionRecorder:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.sock.close()


def test_built_app_reports_its_version(built_app, tmp_path):
    result = run_app(built_app, "--version", env=app_env(), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"promptpress {__version__}"


def test_smoke_test_shows_the_window_and_runs_a_prompt_without_calling_home(built_app, tmp_path):
    with FakeProvider() as server, ConnectionRecorder() as outside:
        env = app_env(PROMPTPRESS_SMOKE_BASE_URL=server.base_url, **outside.proxy_env())
        result = run_app(built_app, "--smoke-test", env=env, cwd=tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
        chats = [r for r in server.requests if r.path.rstrip("/").endswith("/chat/completions")]
        assert len(chats) == 1, server.requests
        assert chats[0].body["messages"][-1]["content"] == "Say hello to the smoke test."
        assert "smoke test passed" in result.stdout
        assert "Echo: Say hello to the smoke test." in result.stdout
        assert outside.seen == [], f"the app called out: {outside.seen!r}"


def test_recorder_sees_litellm_fetch_its_price_table_when_allowed():
    """The check above can fail: litellm told it may fetch its table goes through the proxy."""
    with ConnectionRecorder() as outside:
        env = app_env(LITELLM_LOCAL_MODEL_COST_MAP="False", **outside.proxy_env())
        subprocess.run([sys.executable, "-c", "import litellm"], env=env, capture_output=True,
                       timeout=300, check=True)
    assert outside.seen, "litellm made no outbound call: the no-call-home check proves nothing"
    assert any(b"CONNECT" in seen or b"GET" in seen for seen in outside.seen), outside.seen


def test_smoke_test_fails_with_a_message_when_the_provider_refuses(built_app, tmp_path):
    with FakeProvider() as server:
        env = app_env(PROMPTPRESS_SMOKE_BASE_URL=server.base_url,
                      PROMPTPRESS_SMOKE_MODEL="openai/fault-401")
        result = run_app(built_app, "--smoke-test", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "smoke test failed: running 'smoke/hello'" in result.stderr


def test_smoke_test_without_a_provider_says_what_to_set(built_app, tmp_path):
    result = run_app(built_app, "--smoke-test", env=app_env(), cwd=tmp_path)
    assert result.returncode == 1
    assert "PROMPTPRESS_SMOKE_BASE_URL" in result.stderr


def test_built_app_carries_the_price_table_and_resources(built_app):
    internal = built_app.parent / "_internal"
    assert (internal / "litellm" / "model_prices_and_context_window_backup.json").stat().st_size > 100_000
    assert (internal / "resources" / "model_prices.json").is_file()
    assert (internal / "resources" / "help" / "prompt-file-format.md").is_file()
    assert (internal / "resources" / "icons" / "promptpress.svg").is_file()
    assert list((internal / "storage" / "workspace" / "migrations" / "versions").glob("*.py"))
