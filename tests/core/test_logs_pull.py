"""Pulling logs: bad files and lines reported and skipped, the rest imported; incremental,
idempotent and resumable; folders, nginx's JSON index and a plain HTML index."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest

from desktop.core.logs import CallFilter, LogsError, views
from desktop.core.logs.pull import pull
from storage.releases.content import Message, PromptContent, Variable
from storage.workspace import logs as repo
from storage.workspace import prompts as prompt_repo
from storage.workspace.db import Workspace
from tests.support import log_segments as seg
from tests.support.nginx import nginx  # noqa: F401  (a pytest fixture)


@pytest.fixture
def workspace(tmp_path: Path):
    with Workspace.open(tmp_path / "w.promptpress") as ws:
        yield ws


@pytest.fixture
def sink(tmp_path: Path) -> Path:
    path = tmp_path / "logs"
    path.mkdir()
    return path


def problems_of(report) -> list[tuple[str, int | None, str]]:
    return [(Path(p.path).name, p.line, p.message) for p in report.problems]


def test_bad_lines_are_reported_with_file_and_line_and_the_rest_imported(workspace, sink):
    huge = seg.call(9, output="x" * (2 << 20))
    records = [
        seg.call(1),                                                     # line 2
        b"{not json",                                                    # 3
        seg.call(2, release="one"),                                      # 4: wrong type
        b'["a", "list"]',                                                # 5
        b'{"kind":"call","latency_ms":NaN}',                             # 6
        seg.call(3, project="globex"),                                   # 7: another project
        b"\xff\xfe not utf-8",                                           # 8
        huge,                                                            # 9: over 1 MiB
        {"kind": "launch", "id": "0123456789abcdef-8"},                  # 10
        seg.call(4, version="../../etc/passwd"),                         # 11
        seg.feedback(10, seg.call_id(1), comment="wrong"),               # 12
        seg.line(seg.call(5, output="X")).replace(b'"X"', b'"\\udc80"'),  # 13: half a pair
        seg.line(seg.call(6, output="Y")).replace(b'"Y"', b'"\\ud83d\\ude00"'),  # 14: fine
    ]
    path = seg.write(sink, seg.segment(records))
    report = pull(workspace, str(sink))
    found = {line: message for _, line, message in problems_of(report)}
    assert sorted(found) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 13]
    assert "half of a surrogate pair" in found[13]
    assert "not valid JSON" in found[3] and "'release' must be an integer" in found[4]
    assert "not a JSON object" in found[5] and "NaN" in found[6]
    assert "project 'globex'" in found[7] and "UTF-8" in found[8]
    assert "over the 1,048,576-byte limit" in found[9] and "unknown record kind" in found[10]
    assert "'version' is not valid" in found[11]
    assert all(p.path == f"acme/{seg.DAY}/{path.name}" for p in report.problems)
    assert (report.calls, report.feedback, report.skipped) == (2, 1, 0)
    with workspace.session() as session:
        smiley, call = repo.list_calls(session, oldest_first=True)[::-1]
        assert call.log_id == seg.call_id(1) and call.negative == 1
        assert smiley.output_preview == "\U0001f600"
        assert repo.known_segments(session, str(sink))[f"acme/{seg.DAY}/{path.name}"].status \
            == "done"


def test_foreign_damaged_and_newer_segments_are_skipped_whole_and_reported_once(workspace,
                                                                                 sink):
    seg.write(sink, seg.segment([seg.call(1, project="globex")], project="globex"))
    seg.write(sink, seg.segment([seg.call(2)], tamper=True))
    seg.write(sink, seg.segment([seg.call(3)], fmt="promptpress-logs/2"))
    seg.write(sink, b"id,output\n1,hello\n")
    seg.write(sink, seg.segment([seg.call(4)]))
    report = pull(workspace, str(sink), project="acme")
    messages = " | ".join(m for _, _, m in problems_of(report))
    assert "a segment of the project 'globex' in the logs of 'acme'" in messages
    assert "changed after it was written" in messages
    assert "newer promptpress-reader" in messages
    assert "not a Promptpress log segment (the first line is not valid JSON" in messages
    assert (report.calls, report.skipped) == (1, 4)
    again = pull(workspace, str(sink), project="acme")
    assert again.problems == [] and again.segments == 0 and again.known == 5


def test_names_that_are_not_segments_are_reported_and_temporary_files_ignored(workspace, sink):
    seg.write(sink, seg.segment([seg.call(1)]))
    seg.write(sink, seg.segment([seg.call(2)]), filename=".20261202T100000000009Z-x.jsonl.tmp")
    seg.write(sink, b"notes", filename="README.txt")
    seg.write(sink, seg.segment([seg.call(3)]), day="december")
    (sink / "Not A Project").mkdir()
    report = pull(workspace, str(sink))
    assert report.calls == 1
    assert sorted((p.path, p.message) for p in report.problems) == [
        ("Not A Project", "not a project's log folder: skipped"),
        ("acme/2026-12-02/README.txt", "not a log segment name: skipped"),
        ("acme/december", "not a day folder (YYYY-MM-DD) of log segments: skipped"),
    ]


def test_a_segment_still_syncing_is_imported_so_far_then_completed(workspace, sink):
    records = [seg.call(i) for i in range(1, 6)]
    full = seg.segment(records)
    path = seg.write(sink, full[: full.index(b"answer 4")])  # cut inside line 5 (call 4)
    report = pull(workspace, str(sink))
    assert (report.calls, report.partial) == (3, 1)
    messages = [m for _, _, m in problems_of(report)]
    assert "the last line is cut off: skipped" in messages
    assert any("no end line yet" in m for m in messages)
    assert pull(workspace, str(sink)).segments == 0  # unchanged: not read again
    path.write_bytes(full)  # the sync client finished
    done = pull(workspace, str(sink))
    assert (done.calls, done.duplicates, done.partial, done.problems) == (2, 3, 0, [])
    with workspace.session() as session:
        assert repo.count_calls(session) == 5
        assert repo.known_segments(session, str(sink))[
            f"acme/{seg.DAY}/{path.name}"].status == "done"


def test_pulls_are_incremental_and_store_each_record_once(workspace, sink):
    first = seg.segment([seg.call(1), seg.call(2), seg.feedback(3, seg.call_id(2))])
    seg.write(sink, first)
    seg.write(sink, seg.segment([seg.call(4)], seq=2))
    assert (pull(workspace, str(sink)).calls, pull(workspace, str(sink)).calls) == (3, 0)
    seg.write(sink, first)  # the same records again, under another name (a copied file)
    seg.write(sink, seg.segment([seg.feedback(5, seg.call_id(9), rating=True),  # call not yet
                                 seg.call(6)], seq=3))
    report = pull(workspace, str(sink))
    assert (report.segments, report.known, report.calls, report.feedback,
            report.duplicates) == (2, 2, 1, 1, 3)
    seg.write(sink, seg.segment([seg.call(9)], seq=4))  # the call the feedback was about
    pull(workspace, str(sink))
    with workspace.session() as session:
        assert repo.count_calls(session) == 5
        assert repo.count_calls(session, CallFilter(feedback="positive")) == 1
        repo.integrity_check(session)


def test_a_pull_that_stops_goes_on_from_where_it_stopped(workspace, sink):
    for n in range(1, 6):
        seg.write(sink, seg.segment([seg.call(10 * n + i) for i in range(3)], seq=n))
    calls: list[int] = []
    stopped = pull(workspace, str(sink), should_stop=lambda: len(calls) >= 2,
                   progress=lambda what, done, total: calls.append(done))
    assert stopped.stopped and stopped.calls == 6 and "Stopped before the end" in \
        stopped.summary()
    rest = pull(workspace, str(sink))
    assert (rest.known, rest.segments, rest.calls) == (2, 3, 9)


def test_a_sink_that_cannot_be_read_says_so(workspace, tmp_path):
    with pytest.raises(LogsError, match="There is no log folder"):
        pull(workspace, str(tmp_path / "missing"))
    with pytest.raises(LogsError, match="Cannot reach"):
        pull(workspace, "http://127.0.0.1:9/logs")
    with pytest.raises(LogsError, match="neither a folder nor"):
        pull(workspace, "ftp://example.com/logs")


def test_pull_from_nginx_reads_its_json_index(workspace, nginx):
    sink = nginx.root / "logs"
    seg.write(sink, seg.segment([seg.call(1), seg.call(2)]))
    seg.write(sink, seg.segment([seg.call(3, project="globex")], project="globex"),
              project="globex")
    report = pull(workspace, nginx.url + "logs")
    assert (report.projects, report.calls) == (["acme", "globex"], 3)
    assert pull(workspace, nginx.url + "logs/").known == 2


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def test_pull_from_a_plain_html_index(workspace, sink):
    seg.write(sink, seg.segment([seg.call(1), seg.call(2)]))
    handler = functools.partial(_Quiet, directory=str(sink.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/{sink.name}"
        report = pull(workspace, url)
        assert (report.calls, report.problems) == (2, [])
        assert pull(workspace, url).known == 1
    finally:
        server.shutdown()
        server.server_close()


def test_logged_text_is_data_never_a_template_or_markup(workspace, sink):
    content = PromptContent(messages=(Message("user", "Hello {{ name }}!"),),
                            model="openai/gpt-4o-mini", variables=(Variable("name"),))
    with workspace.session() as session:
        version = prompt_repo.save_version(session, "support/greet", content).version.version_id
    sly = "{{ 7 * 7 }} {% for x in [1] %}loop{% endfor %} <b>bold</b> \x1b[2J"
    seg.write(sink, seg.segment([seg.call(1, version=version, variables={"name": sly},
                                          output="<script>alert(1)</script>")]))
    pull(workspace, str(sink))
    (row,) = views.calls(workspace).rows
    view = views.call(workspace, row.pk)
    assert view.messages == [{"role": "user", "content": f"Hello {sly}!"}]
    assert view.call.output == "<script>alert(1)</script>"
