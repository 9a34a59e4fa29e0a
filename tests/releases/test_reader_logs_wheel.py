"""An application using the built promptpress_reader wheel logs to a folder and to nginx, is
killed with -9 in the middle of it, and the author pulls: every record that was flushed
arrives once, byte-exact, and nothing half-written is accepted."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from desktop.core.logs import CallFilter, views
from desktop.core.ops import logs as ops
from storage.releases.content import Message, PromptContent, Variable
from storage.releases.repository import Repository
from storage.workspace import prompts as prompt_repo
from storage.workspace.db import Workspace
from tests.releases.conftest import make_root

ROOT = Path(__file__).resolve().parents[2]

# The text of call i: right-to-left scripts, emoji, CRLF, a lone CR and trailing spaces.
TEXTS = """
def text(i):
    return f"call {i}: مرحبا بالعالم שלום 👩🏽‍💻\\r\\nline two\\r  word{i}x  \\n\\t "
def output(i):
    return f"answer {i} — ok ✅\\r\\n  "
"""

APP = TEXTS + textwrap.dedent("""
    import sys, time
    import promptpress_reader
    from promptpress_reader import Reader
    source, root, log_to = sys.argv[1:4]
    assert "storage" not in sys.modules and promptpress_reader.__file__.find("site-packages") > 0
    reader = Reader(source, open(root, "rb").read(), log_to=log_to, log_flush_interval=0.2)
    prompt = reader.get("support/greet")
    i = 0
    while True:
        messages = prompt.render(name=text(i))
        log_id = reader.log(messages, output=output(i), model="openai/gpt-4o-mini",
                            latency_ms=i % 997, tokens={"input": 40, "output": 9},
                            metadata={"seq": i})
        if i % 7 == 0:
            reader.feedback(log_id, rating=-1, comment=f"wrong {i}")
        i += 1
        if i % 150 == 0:
            reader.flush_logs(10)
            stats = reader.log_stats
            print(json.dumps({"written": stats.written, "dropped": stats.dropped,
                              "failed": stats.failed}), flush=True)
        time.sleep(0.0005)
""").replace("import sys, time", "import json, sys, time")

FEEDBACK = textwrap.dedent("""
    import sys
    from promptpress_reader import Reader
    source, root, log_to, *ids = sys.argv[1:]
    reader = Reader(source, open(root, "rb").read(), log_to=log_to)
    for log_id in ids:
        reader.feedback(log_id, rating="good", corrected_output="Better\\r\\n  ")
    reader.close()
    print(reader.log_stats.written)
""")


def run(*args: object, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600,
                          **kw)


@pytest.fixture(scope="module")
def reader_python(tmp_path_factory) -> Path:
    """A fresh venv with only the built reader wheel and its dependencies."""
    tmp = tmp_path_factory.mktemp("reader-wheel")
    done = run(sys.executable, ROOT / "packaging" / "reader" / "build.py", tmp / "dist")
    assert done.returncode == 0, done.stderr
    wheel = Path(done.stdout.strip().splitlines()[-1])
    venv = tmp / "venv"
    assert run(sys.executable, "-m", "venv", venv).returncode == 0
    py = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    for args in (["--no-deps", wheel], ["cryptography", "jinja2", "httpx"]):
        done = run(py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args)
        assert done.returncode == 0, done.stderr
    return py


def text(i: int) -> str:
    namespace: dict = {}
    exec(TEXTS, namespace)  # the same definitions the application uses
    return namespace["text"](i)


def output(i: int) -> str:
    namespace: dict = {}
    exec(TEXTS, namespace)
    return namespace["output"](i)


def on_disk(sink: Path) -> tuple[int, int]:
    """(calls, feedback) in the finished segments, read straight from the files."""
    calls = feedback = 0
    for path in sink.rglob("*.jsonl"):
        if path.name.startswith("."):
            continue
        for line in path.read_bytes().splitlines()[1:-1]:
            kind = json.loads(line)["kind"]
            calls += kind == "call"
            feedback += kind == "feedback"
    return calls, feedback


@pytest.mark.slow
@pytest.mark.parametrize("where", ["folder", "http"])
def test_killed_application_loses_only_its_unflushed_tail(reader_python, nginx, keys, tmp_path,
                                                          where):
    greet = PromptContent(messages=(Message("system", "Be kind.\r\n"),
                                    Message("user", "Hello {{ name }}!  \n")),
                          model="openai/gpt-4o-mini", variables=(Variable("name"),))
    if where == "folder":
        source, log_to = tmp_path / "releases", tmp_path / "logs"
        sink_files = log_to
    else:
        source, log_to = nginx.url + "acme", nginx.url + "logs"
        sink_files = nginx.root / "logs"
    repo = Repository.init(source, make_root(keys), keys.root)
    repo.publish([("support/greet", greet)], channel="production", signer=keys.author)
    pinned = tmp_path / "promptpress-root.json"
    pinned.write_bytes(repo.root_bytes())
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")

    app = subprocess.Popen([str(reader_python), "-I", str(tmp_path / "app.py"), str(source),
                            str(pinned), str(log_to)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    reported = {"written": 0}
    try:
        assert app.stdout is not None
        for line in app.stdout:
            reported = json.loads(line)
            if reported["written"] >= 1500:
                break
        time.sleep(0.15)  # mid-stream: more calls queued, a segment maybe half-written
    finally:
        app.send_signal(signal.SIGKILL)
        app.wait(10)
    assert reported["written"] >= 1500, app.stderr.read() if app.stderr else ""
    assert reported["dropped"] == 0 and reported["failed"] == 0

    calls, feedback = on_disk(sink_files)
    assert calls + feedback >= reported["written"]  # what was flushed is there
    with Workspace.open(tmp_path / "w.promptpress") as workspace:
        first = ops.pull(workspace, str(log_to)).value
        assert first.problems == [] and first.skipped == 0 and first.partial == 0
        assert (first.calls, first.feedback) == (calls, feedback)
        page = views.calls(workspace, limit=calls + 10)
        assert page.total == calls
        seqs = []
        for row in page.rows:
            call = views.call(workspace, row.pk).call
            seq = call.metadata["seq"]
            seqs.append(seq)
            assert call.variables == {"name": text(seq)} and call.output == output(seq)
        assert sorted(seqs) == list(range(calls))  # each once, none missing before the tail
        assert views.call(workspace, page.rows[0].pk).messages is None  # version not here yet
        with workspace.session() as session:  # the author has the version the release holds
            prompt_repo.save_version(session, "support/greet", greet, author="ann")
        assert views.call(workspace, page.rows[0].pk).messages[1]["content"] == \
            f"Hello {text(max(seqs))}!  \n"
        again = ops.pull(workspace, str(log_to)).value
        assert (again.calls, again.feedback, again.segments) == (0, 0, 0)

        # Feedback from another process, on calls the first one logged.
        wanted = [row.log_id for row in page.rows[:3]]
        done = run(reader_python, "-I", "-c", TEXTS + FEEDBACK, source, pinned, log_to, *wanted,
                   cwd=tmp_path)
        assert done.returncode == 0 and done.stdout.strip() == "3", done.stderr
        assert ops.pull(workspace, str(log_to)).value.feedback == 3
        corrected = views.calls(workspace, CallFilter(feedback="corrected"))
        assert {r.log_id for r in corrected.rows} == set(wanted)
        word = f"word{seqs[len(seqs) // 2]}x"
        (found,) = views.calls(workspace, CallFilter(text=word)).rows
        assert views.call(workspace, found.pk).call.variables["name"] == \
            text(seqs[len(seqs) // 2])
        negative = views.calls(workspace, CallFilter(feedback="negative"))
        assert negative.total == feedback
    if where == "folder":
        leftovers = [p.name for p in sink_files.rglob(".*")]
        assert all(name.endswith(".tmp") for name in leftovers)  # at most a temp file
