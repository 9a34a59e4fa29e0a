"""The reader's interface as engineers use it, and the command-line check."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from storage.releases import (MissingVariables, PromptNotFound, Reader, VerificationError,
                              version_id)
from storage.releases.__main__ import main as reader_cli
from tests.releases.helpers import content, flip, prompt_blob, prompts

ROOT = Path(__file__).resolve().parents[2]


def test_get_returns_a_prepared_prompt(repo, keys, open_reader):
    c = content("Line one\r\nLine two: {{ transcript }}  \n\n", system="Sys\r")
    repo.publish([("support/summarize-call", c)], channel="production", signer=keys.author)
    reader = open_reader()
    prompt = reader.get("support/summarize-call")
    assert prompt is reader.get("support/summarize-call")  # a lookup, nothing built per call
    assert prompt.render(transcript="a\r\nb") == [
        {"role": "system", "content": "Sys\r"},
        {"role": "user", "content": "Line one\r\nLine two: a\r\nb  \n\n"}]
    assert prompt.model == "openai/gpt-4o-mini"
    assert prompt.params == {"temperature": 0.2, "max_tokens": 200}
    prompt.params["temperature"] = 9  # a copy: the release cannot be changed through it
    assert prompt.params["temperature"] == 0.2
    assert prompt.version_id == version_id(c) and prompt.release == 1
    assert prompt.variables == ("transcript",)
    assert "support/summarize-call" in reader and list(reader) == ["support/summarize-call"]


def test_render_takes_any_variable_name_as_a_keyword(repo, keys, open_reader):
    from storage.releases.content import Message, PromptContent
    c = PromptContent(messages=(Message("user", "{{ variables }}"),))
    repo.publish([("p", c)], channel="production", signer=keys.author)
    prompt = open_reader().get("p")
    assert prompt.render(variables="v", self="s") == [{"role": "user", "content": "v"}]


def test_missing_variables_and_unknown_prompts_say_what_to_do(repo, keys, open_reader):
    repo.publish(prompts(), channel="production", signer=keys.author)
    reader = open_reader()
    with pytest.raises(MissingVariables, match="transcript"):
        reader.get("support/p0").render()
    with pytest.raises(PromptNotFound, match="release 1 of 'acme' has no prompt 'nope'"):
        reader.get("nope")
    with pytest.raises(KeyError):  # PromptNotFound is a KeyError
        reader.get("nope")


def test_without_refresh_nothing_is_read_until_asked(repo, keys, open_reader):
    repo.publish(prompts(), channel="production", signer=keys.author)
    reader = open_reader(cache=False, refresh=False)
    with pytest.raises(PromptNotFound, match="no release"):
        reader.get("support/p0")
    assert reader.refresh() is True and reader.release == 1


def test_trusted_root_can_be_a_path(repo, keys, repo_dir, tmp_path):
    repo.publish(prompts(), channel="production", signer=keys.author)
    pinned = tmp_path / "promptpress-root.json"
    pinned.write_bytes(repo.root_bytes())
    from tests.releases.helpers import NOW
    assert Reader(str(repo_dir), str(pinned), clock=lambda: NOW).release == 1


def test_get_is_safe_while_another_thread_refreshes(repo, keys, open_reader):
    repo.publish(prompts("v0"), channel="production", signer=keys.author)
    reader = open_reader(cache=False)
    stop = threading.Event()
    errors: list[BaseException] = []

    def refresher():
        try:
            for i in range(1, 8):
                repo.publish(prompts(f"v{i}"), channel="production", signer=keys.author)
                reader.refresh()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            stop.set()

    t = threading.Thread(target=refresher)
    t.start()
    while not stop.is_set():
        prompt = reader.get("support/p1")
        assert prompt.render(transcript="x")[1]["content"].startswith(f"[v{prompt.release - 1}]")
    t.join()
    assert not errors and reader.release == 8


def test_importing_the_reader_does_not_import_httpx_or_the_app():
    code = ("import sys; import storage.releases as r; r.Reader; "
            "bad = [m for m in ('httpx', 'sqlalchemy', 'PySide6', 'litellm', 'keyring', 'yaml') "
            "if m in sys.modules]; print(bad)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr


def test_release_package_uses_relative_imports_only():
    for path in (ROOT / "storage" / "releases").glob("*.py"):
        text = path.read_text()
        assert "from storage" not in text and "import storage" not in text, path
        assert "import desktop" not in text and "from desktop" not in text, path


def test_verify_command_exits_zero_or_names_the_threat(repo, keys, repo_dir, tmp_path, capsys):
    repo.publish(prompts(), channel="production", signer=keys.author)
    pinned = tmp_path / "root.json"
    pinned.write_bytes(repo.root_bytes())
    # the command uses the real clock; the release was signed at the test's fixed time
    repo.renew("production", signer=keys.author, expires_in=100 * 365 * 86400)
    assert reader_cli(["verify", str(repo_dir), "--root", str(pinned)]) == 0
    assert "release 1" in capsys.readouterr().out
    assert reader_cli(["render", str(repo_dir), "--root", str(pinned), "support/p0",
                       "--var", "transcript=hi"]) == 0
    assert "[v1] prompt 0: hi" in capsys.readouterr().out
    flip(prompt_blob(repo_dir, "support/p0"), 25)
    assert reader_cli(["verify", str(repo_dir), "--root", str(pinned)]) == 1
    err = capsys.readouterr().err
    assert "refused" in err and "tampered" in err
    assert reader_cli(["verify", str(repo_dir), "--root", str(pinned), "--channel", "nope"]) == 1


def test_every_refusal_is_a_verification_error_naming_its_threat():
    import storage.releases.errors as errors
    for name in dir(errors):
        cls = getattr(errors, name)
        if isinstance(cls, type) and issubclass(cls, errors.VerificationError):
            assert cls.threat and (cls is errors.VerificationError
                                   or cls.threat != errors.VerificationError.threat), name
    assert issubclass(errors.ExpiredError, errors.FreezeError)
    assert issubclass(errors.BadSignature, errors.TamperedError)
    assert issubclass(errors.NotYetSynced, VerificationError)
