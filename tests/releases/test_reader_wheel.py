"""The reader distribution: built from storage/releases, installed alone, reading real releases."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from storage.releases import Reader
from storage.releases.content import Message, PromptContent, Variable
from storage.releases.repository import Repository
from tests.releases.conftest import make_root
from tests.releases.helpers import flip, prompt_blob

ROOT = Path(__file__).resolve().parents[2]

CONSUMER = textwrap.dedent("""
    import importlib.util, json, sys
    import promptpress_reader
    from promptpress_reader import Reader, VerificationError
    missing = [m for m in ("PySide6", "sqlalchemy", "litellm", "keyring", "yaml", "storage",
                           "desktop") if importlib.util.find_spec(m) is not None]
    assert not missing, f"installed alongside the reader: {missing}"
    assert issubclass(promptpress_reader.TamperedError, VerificationError)
    pinned = open(sys.argv[1], "rb").read()
    out = {}
    for source in sys.argv[2:]:
        reader = Reader(source, pinned, channel="production")
        prompt = reader.get("support/greet")
        out[source] = {"messages": prompt.render(name="Ann"), "model": prompt.model,
                       "params": prompt.params, "release": prompt.release,
                       "version_id": prompt.version_id}
    print(json.dumps(out))
""")


def run(*args: object, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600,
                          **kw)


@pytest.mark.slow
def test_reader_wheel_installs_alone_and_reads_from_a_folder_and_nginx(tmp_path, nginx, keys):
    done = run(sys.executable, ROOT / "packaging" / "reader" / "build.py", tmp_path / "dist")
    assert done.returncode == 0, done.stderr
    wheel = Path(done.stdout.strip().splitlines()[-1])
    assert wheel.name.startswith("promptpress_reader-")

    venv = tmp_path / "venv"
    assert run(sys.executable, "-m", "venv", venv).returncode == 0
    py = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    for args in (["--no-deps", wheel], ["cryptography", "jinja2", "httpx"]):
        done = run(py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args)
        assert done.returncode == 0, done.stderr

    # An author publishes one release to a folder and the same to nginx (real clock).
    greet = PromptContent(messages=(Message("system", "Be kind.\r\n"),
                                    Message("user", "Hello {{ name }}!  \n")),
                          model="openai/gpt-4o-mini", parameters={"temperature": 0.5},
                          variables=(Variable("name"),))
    root = make_root(keys)
    folder = tmp_path / "shared-folder"
    for destination in (folder, nginx.url + "acme"):
        repo = Repository.init(destination, root, keys.root)
        repo.publish([("support/greet", greet)], channel="production", signer=keys.author)
    pinned = tmp_path / "promptpress-root.json"
    pinned.write_bytes(repo.root_bytes())

    script = tmp_path / "consumer.py"
    script.write_text(CONSUMER)
    done = run(py, "-I", script, pinned, folder, nginx.url + "acme", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    expected = Reader(folder, pinned.read_bytes()).get("support/greet")
    for source, got in results.items():
        assert got["messages"] == [{"role": "system", "content": "Be kind.\r\n"},
                                   {"role": "user", "content": "Hello Ann!  \n"}], source
        assert got["version_id"] == expected.version_id and got["release"] == 1
        assert got["model"] == "openai/gpt-4o-mini" and got["params"] == {"temperature": 0.5}

    # The command-line check exits non-zero with the reason once a byte is flipped.
    verify = [py, "-I", "-m", "promptpress_reader", "verify", folder, "--root", pinned]
    ok = run(*verify, cwd=tmp_path)
    assert ok.returncode == 0 and "release 1" in ok.stdout, ok.stderr
    flip(prompt_blob(folder, "support/greet"), 20)
    refused = run(*verify, cwd=tmp_path)
    assert refused.returncode == 1 and "tampered" in refused.stderr
