"""The first CLI verbs: providers and prompts, end to end in a subprocess."""

from __future__ import annotations

import subprocess
import sys

from tests.cli.conftest import ROOT

PROMPT = """\
---
description: Greet a customer
model: openai/gpt-4o-mini
variables:
  name:
    description: Customer name
  tone:
    default: warm
---
{{role "system"}}
You write {{ tone }} greetings.\t
{{role "user"}}
Greet {{ name }}.
"""


def test_help_and_version_import_neither_qt_nor_litellm():
    for flag in ("--help", "--version"):
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "desktop.main", flag],
            capture_output=True, text=True, cwd=ROOT, timeout=60,
        )
        assert proc.returncode == 0
        imported = {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.splitlines()
                    if line.startswith("import time:")}
        assert "PySide6" not in imported and "litellm" not in imported
        assert "sqlalchemy" not in imported
    assert "promptpress" in proc.stdout


def test_prompt_save_list_show_history(cli, tmp_path):
    f = tmp_path / "greet.prompt"
    f.write_bytes(PROMPT.encode())
    saved = cli("prompt", "save", "support/greet", "--file", str(f), "-m", "first draft")
    assert saved.code == 0, saved.err
    vid = saved.out.strip()
    assert len(vid) == 64

    again = cli("prompt", "save", "support/greet", "--file", str(f))
    assert again.code == 0 and again.out.strip() == vid
    assert "Unchanged" in again.err

    listed = cli("prompt", "list")
    assert "support/greet" in listed.out and vid[:12] in listed.out

    shown = cli("prompt", "show", f"support/greet@{vid[:8]}")
    assert shown.code == 0
    f2 = tmp_path / "roundtrip.prompt"
    f2.write_text(shown.out, encoding="utf-8", newline="")
    assert cli("prompt", "save", "support/greet", "--file", str(f2)).out.strip() == vid

    f.write_bytes(PROMPT.replace("Greet {{ name }}.", "Greet {{ name }} kindly.").encode())
    second = cli("prompt", "save", "support/greet", "--file", str(f), "-m", "kinder")
    history = cli("prompt", "history", "support/greet")
    lines = history.out.splitlines()
    assert second.out.strip()[:12] in lines[1] and "kinder" in lines[1] and vid[:12] in lines[1]
    assert "Test Author" in lines[1]


def test_bad_prompt_file_is_one_clear_line(cli, tmp_path):
    f = tmp_path / "bad.prompt"
    f.write_text('---\n---\n{{role "user"}}\nHello {{ name \n')
    result = cli("prompt", "save", "x", "--file", str(f))
    assert result.code == 1
    assert "Traceback" not in result.err
    assert "bad.prompt" in result.err and "user message (message 1)" in result.err


def test_unknown_prompt(cli):
    result = cli("prompt", "show", "nope")
    assert result.code == 1 and "no prompt named 'nope'" in result.err


def test_provider_add_with_env_key_list_remove(cli):
    added = cli("provider", "add", "fast", "--model", "openai/gpt-4o-mini",
                "--base-url", "http://127.0.0.1:9/v1", "--api-key-env", "FAST_KEY",
                "--param", "temperature=0.3")
    assert added.code == 0, added.err
    listed = cli("provider", "list", env={"FAST_KEY": "x"})
    assert "fast" in listed.out and "$FAST_KEY (set)" in listed.out
    assert cli("provider", "add", "fast", "--model", "x/y").code == 1
    assert cli("provider", "remove", "fast").code == 0
    assert "No providers" in cli("provider", "list").out


def test_provider_key_goes_to_the_keychain_only(cli, tmp_path):
    result = cli("provider", "add", "secret", "--model", "openai/gpt-4o-mini",
                 "--api-key-stdin", input="sk-test-123\n")
    assert result.code == 0, result.err
    assert "keychain" in cli("provider", "list").out
    keyring_file = tmp_path / "test-keyring.json"
    assert "sk-test-123" in keyring_file.read_text()
    assert b"sk-test-123" not in cli.workspace.read_bytes()
    for extra in cli.workspace.parent.glob("cli.promptpress*"):
        assert b"sk-test-123" not in extra.read_bytes()
    cli("provider", "remove", "secret")
    assert "sk-test-123" not in keyring_file.read_text()


def test_no_keychain_says_so_and_offers_env(cli):
    result = cli("provider", "add", "k", "--model", "openai/gpt-4o-mini", "--api-key-stdin",
                 input="sk-nowhere\n", env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    assert result.code == 1
    assert "has no keychain Promptpress can use" in result.err and "environment variable" in result.err
    assert "Traceback" not in result.err
    assert "No providers" in cli("provider", "list").out
    assert b"sk-nowhere" not in cli.workspace.read_bytes()


def test_workspace_problems_are_one_line(cli, tmp_path):
    bad = tmp_path / "not-a-workspace.txt"
    bad.write_text("hello")
    proc = subprocess.run([sys.executable, "-m", "desktop.main", "--workspace", str(bad),
                           "prompt", "list"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 1
    assert "not a Promptpress workspace" in proc.stderr and "Traceback" not in proc.stderr
    assert bad.read_text() == "hello"


def test_provider_test_says_whether_the_model_answers(cli):
    from tests.support.fake_provider import FakeProvider

    with FakeProvider(api_key="sk-loopback") as server:
        assert cli("provider", "add", "good", "--model", "openai/echo", "--base-url",
                   server.base_url, "--api-key-stdin", input="sk-loopback\n").code == 0
        assert cli("provider", "add", "wrong-key", "--model", "openai/echo", "--base-url",
                   server.base_url, "--api-key-stdin", input="sk-nope\n").code == 0
        ok = cli("provider", "test", "good")
        assert ok.code == 0 and "good (" in ok.out and "answered in" in ok.out, ok.err
        assert server.requests[-1].body["messages"][0]["content"] == \
            "Reply with the single word OK."
        refused = cli("provider", "test", "wrong-key")
        assert refused.code == 1 and "did not answer" in refused.err
        assert "sk-nope" not in refused.err + refused.out  # a key is never printed
