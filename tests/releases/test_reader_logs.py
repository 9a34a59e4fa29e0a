"""The reader's call log: records, segments, and a hot path that never gets in the way.

Real folders, a real nginx and real processes; nothing is mocked.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from storage.releases import LogStats, Rendered
from storage.releases.logformat import SEGMENT_NAME, check_header, check_record

ROOT = Path(__file__).resolve().parents[2]
TRICKY = "مرحبا שלום 👋🏽 e\u0301\r\nline two\u2028 with trailing spaces   \n\ttab "


def segments(sink: Path) -> list[Path]:
    return sorted(p for p in sink.rglob("*") if p.is_file() and not p.name.startswith("."))


def read_records(sink: Path) -> list[dict]:
    """Every record of every finished segment, checking each segment's frame on the way."""
    out = []
    for path in segments(sink):
        assert SEGMENT_NAME.match(path.name), path
        lines = path.read_bytes().split(b"\n")
        assert lines[-1] == b""  # ends with a newline
        header, *body, end = (json.loads(line) for line in lines[:-1])
        check_header(header)
        assert path.parent.parent.name == header["project"]
        assert end == {"kind": "end", "records": len(body),
                       "sha256": hashlib.sha256(b"".join(
                           line + b"\n" for line in lines[1:-2])).hexdigest()}
        out += [check_record(record) for record in body]
    return out


@pytest.fixture
def sink(tmp_path: Path) -> Path:
    return tmp_path / "logs"


@pytest.fixture(autouse=True)
def published(request):
    """Release 1 of three prompts on production, for the tests that read the folder repo."""
    if "repo" in request.fixturenames:
        from tests.releases.helpers import prompts

        keys = request.getfixturevalue("keys")
        request.getfixturevalue("repo").publish(prompts("v1"), channel="production",
                                                signer=keys.author)


def test_logging_is_off_unless_a_sink_is_given(open_reader):
    reader = open_reader()
    messages = reader.get("support/p0").render(transcript="x")
    assert reader.log(messages, output="y") is None
    assert reader.feedback("0123456789abcdef-1", rating=True) is None
    assert reader.log_stats == LogStats() and not reader.log_stats.enabled
    assert reader.flush_logs() is True


def test_a_logged_call_names_what_produced_it_and_keeps_text_exactly(open_reader, sink):
    reader = open_reader(log_to=sink)
    prompt = reader.get("support/p1")
    messages = prompt.render(transcript=TRICKY)
    assert isinstance(messages, Rendered) and messages == list(messages)
    assert messages.prompt is prompt and messages.variables == {"transcript": TRICKY}
    log_id = reader.log(messages, output=TRICKY + " ", model="openai/gpt-4o-mini",
                        latency_ms=812.5, tokens={"prompt_tokens": 120, "completion_tokens": 9},
                        metadata={"user": "u-7", "nested": {"a": [1, 2]}})
    failed = reader.log(prompt, {"transcript": "t"}, error=TimeoutError("took too long"))
    by_name = reader.log("support/p1", {"transcript": "n"}, output="ok")
    feedback = reader.feedback(log_id, rating=False, label="made up", comment=TRICKY,
                               corrected_output="Fixed\r\n")
    assert reader.flush_logs(10)
    records = {r["id"]: r for r in read_records(sink)}
    assert set(records) == {log_id, failed, by_name, feedback}
    call = records[log_id]
    assert (call["project"], call["channel"], call["release"], call["prompt"], call["version"]) \
        == ("acme", "production", 1, "support/p1", prompt.version_id)
    assert call["variables"] == {"transcript": TRICKY} and call["output"] == TRICKY + " "
    assert call["tokens"] == {"prompt_tokens": 120, "completion_tokens": 9}
    assert call["latency_ms"] == 812.5 and call["metadata"]["nested"] == {"a": [1, 2]}
    assert records[failed]["error"] == "TimeoutError: took too long"
    assert records[failed]["output"] is None
    assert records[by_name]["variables"] == {"transcript": "n"}
    assert records[feedback]["log"] == log_id and records[feedback]["rating"] is False
    assert records[feedback]["comment"] == TRICKY
    assert records[feedback]["corrected_output"] == "Fixed\r\n"
    stats = reader.log_stats
    assert (stats.logged, stats.written, stats.pending, stats.segments) == (4, 4, 0, 1)
    assert not [p for p in sink.rglob(".*")]  # no temporary file left behind


def test_log_never_raises_into_the_application(open_reader, sink):
    def redact(record):
        if record.get("output") == "boom":
            raise RuntimeError("redactor bug")
        return record

    class Unprintable:
        def __str__(self):
            raise ValueError("no")

    reader = open_reader(log_to=sink, redact=redact)
    assert reader.log(object(), output="x") is None  # not a prompt
    assert reader.log("no/such-prompt", output="x") is None
    prompt = reader.get("support/p0")
    assert reader.log(prompt, {"transcript": "t"}, output="boom")  # queued; redact fails later
    assert reader.log(prompt, {"transcript": Unprintable()}, output="x")
    assert reader.log(prompt, {"transcript": "x" * (2 << 20)}, output="too big")
    assert reader.log(prompt, variables=42) is None  # not a mapping
    good = reader.log(prompt, {"transcript": "fine"}, output="ok", latency_ms=float("nan"))
    assert reader.flush_logs(10)
    stats = reader.log_stats
    assert stats.written == 1 and stats.rejected == 6 and stats.last_error
    (only,) = read_records(sink)
    assert only["id"] == good and only["latency_ms"] is None


def test_redact_changes_or_skips_records_before_they_are_written(open_reader, sink):
    def redact(record):
        if record["kind"] == "call" and record["variables"].get("transcript") == "secret":
            return None
        record["variables"] = {k: "[redacted]" for k in record.get("variables", {})}
        return record

    reader = open_reader(log_to=sink, redact=redact)
    prompt = reader.get("support/p0")
    reader.log(prompt, {"transcript": "secret"}, output="x")
    kept = reader.log(prompt, {"transcript": "card 4111"}, output="y")
    reader.flush_logs(10)
    (record,) = read_records(sink)
    assert record["id"] == kept and record["variables"] == {"transcript": "[redacted]"}
    assert reader.log_stats.skipped == 1


def test_sample_rate_logs_a_share_of_calls(open_reader, sink):
    none = open_reader(log_to=sink, sample_rate=0.0)
    prompt = none.get("support/p0")
    assert all(none.log(prompt, {"transcript": "t"}) is None for _ in range(50))
    assert none.log_stats.sampled_out == 50 and none.log_stats.logged == 0
    some = open_reader(log_to=sink, sample_rate=0.5)
    logged = sum(some.log(prompt, {"transcript": "t"}) is not None for _ in range(2000))
    assert 800 < logged < 1200
    with pytest.raises(ValueError, match="sample_rate"):
        open_reader(log_to=sink, sample_rate=1.5)


def test_a_full_queue_drops_and_counts_instead_of_waiting(open_reader, sink):
    entered, release = threading.Event(), threading.Event()

    def slow_redact(record):  # holds the writer thread, so the queue fills up
        entered.set()
        release.wait(10)
        return record

    reader = open_reader(log_to=sink, redact=slow_redact, log_queue_size=10)
    prompt = reader.get("support/p0")
    first = reader.log(prompt, {"transcript": "0"})
    assert entered.wait(10)
    ids = [reader.log(prompt, {"transcript": str(i)}) for i in range(1, 31)]
    assert first and sum(i is not None for i in ids) == 10 and ids[10:] == [None] * 20
    assert reader.log_stats.dropped == 20
    release.set()
    assert reader.flush_logs(10)
    assert reader.log_stats.written == 11 and len(read_records(sink)) == 11


def test_a_sink_that_cannot_be_written_is_counted_not_raised(open_reader, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    reader = open_reader(log_to=blocker / "logs")
    reader.log(reader.get("support/p0"), {"transcript": "t"})
    assert reader.flush_logs(2) is False  # kept, and tried again later
    assert "cannot write the call log" in (reader.log_stats.last_error or "")
    reader.close()
    assert reader.log_stats.failed == 1 and reader.log_stats.written == 0
    assert reader.log(reader.get("support/p0"), {"transcript": "t"}) is None  # closed


def test_logs_never_go_inside_the_release_tree(open_reader, repo_dir, tmp_path):
    for inside in (repo_dir, repo_dir / "logs", repo_dir / "blobs" / "x"):
        with pytest.raises(ValueError, match="inside the release repository"):
            open_reader(log_to=inside)
    open_reader(log_to=tmp_path / "beside")  # a sibling is fine


def test_each_process_and_segment_gets_its_own_name(open_reader, sink):
    readers = [open_reader(log_to=sink, log_flush_interval=0.05) for _ in range(3)]
    for reader in readers:
        for i in range(5):
            reader.log(reader.get("support/p0"), {"transcript": str(i)})
            reader.flush_logs(10)
    files = segments(sink)
    assert len(files) == 15 and len({p.name for p in files}) == 15
    writers = {SEGMENT_NAME.match(p.name).group(2) for p in files}
    assert len(writers) == 3
    assert len({r["id"] for r in read_records(sink)}) == 15


APP = textwrap.dedent("""
    import os, sys
    sys.path.insert(0, sys.argv[1])
    from storage.releases import Reader
    reader = Reader(sys.argv[2], open(sys.argv[3], "rb").read(), log_to=sys.argv[4],
                    log_flush_interval=60)
    prompt = reader.get("support/p0")
    for i in range(250):
        reader.log(prompt.render(transcript=f"exit {i}"), output="o")
    if sys.argv[5] == "fork":
        pid = os.fork()
        if pid == 0:
            for i in range(7):
                reader.log(prompt.render(transcript=f"child {i}"), output="c")
            os._exit(0 if reader.flush_logs(10) else 1)
        assert os.waitpid(pid, 0)[1] == 0
    print(reader.log_stats.written)  # 0: nothing flushed yet; atexit writes the rest
""")


@pytest.mark.parametrize("mode", ["exit", pytest.param("fork", marks=pytest.mark.skipif(
    not hasattr(os, "fork"), reason="no fork here"))])
def test_what_is_queued_is_written_at_exit_and_a_forked_child_starts_afresh(keys, sink, tmp_path,
                                                                            mode):
    from storage.releases.repository import Repository
    from tests.releases.conftest import make_root
    from tests.releases.helpers import prompts

    live = Repository.init(tmp_path / "live", make_root(keys), keys.root)  # the real clock
    live.publish(prompts("v1"), channel="production", signer=keys.author)
    root = tmp_path / "root.json"
    root.write_bytes(live.root_bytes())
    done = subprocess.run([sys.executable, "-c", APP, str(ROOT), str(tmp_path / "live"),
                           str(root), str(sink), mode], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"
    records = read_records(sink)
    texts = sorted(r["variables"]["transcript"] for r in records)
    child = [f"child {i}" for i in range(7)] if mode == "fork" else []
    assert texts == sorted([f"exit {i}" for i in range(250)] + child)  # no record twice
    assert len({r["id"] for r in records}) == len(records)


def test_log_to_an_http_server_puts_finished_segments(nginx, keys, tmp_path):
    from storage.releases import Reader
    from storage.releases.repository import Repository
    from tests.releases.conftest import make_root
    from tests.releases.helpers import prompts

    repo = Repository.init(nginx.url + "acme", make_root(keys), keys.root)
    repo.publish(prompts("v1"), channel="staging", signer=keys.author)
    with pytest.raises(ValueError, match="inside the release repository"):
        Reader(nginx.url + "acme", repo.root_bytes(), channel="staging",
               log_to=nginx.url + "acme/logs")
    reader = Reader(nginx.url + "acme", repo.root_bytes(), channel="staging",
                    log_to=nginx.url + "logs")
    ids = [reader.log(reader.get("support/p2").render(transcript=TRICKY), output=str(i))
           for i in range(40)]
    assert reader.flush_logs(10), reader.log_stats
    records = read_records(nginx.root / "logs")
    assert [r["id"] for r in records] == ids
    assert {r["channel"] for r in records} == {"staging"}
    assert records[0]["variables"]["transcript"] == TRICKY
    reader.close()
