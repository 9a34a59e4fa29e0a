"""The logs operations the Logs view and the CLI run: sinks of a repository, pull, add to a
test set, open in the playground, and the reads beside them."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.logs import CallFilter, LogsError, views
from desktop.core.ops import Changes
from desktop.core.ops import logs as ops
from storage.releases.content import Message, PromptContent, Variable
from storage.workspace import prompts as prompt_repo
from storage.workspace import testsets
from storage.workspace.db import Workspace
from storage.workspace.release_log import record_release
from tests.support import log_segments as seg

GREET = PromptContent(messages=(Message("system", "Be kind.\r\n"),
                                Message("user", "Hello {{ name }}!  ")),
                      model="openai/gpt-4o-mini", variables=(Variable("name"),))


@pytest.fixture
def workspace(tmp_path: Path):
    with Workspace.open(tmp_path / "w.promptpress") as ws:
        yield ws


@pytest.fixture
def version(workspace) -> str:
    with workspace.session() as session:
        return prompt_repo.save_version(session, "support/greet", GREET).version.version_id


@pytest.fixture
def sink(tmp_path: Path, version: str) -> Path:
    """Five calls of release 3 (two with negative feedback, one corrected) and one of globex."""
    path = tmp_path / "logs"
    calls = [seg.call(i, version=version, release=3, variables={"name": f"Ann {i}\r\n"},
                      output=f"Hi Ann {i}  ") for i in range(1, 6)]
    feedback = [seg.feedback(11, seg.call_id(1), rating=False, corrected="Hello, Ann 1."),
                seg.feedback(12, seg.call_id(2), rating="bad", comment="cold")]
    seg.write(path, seg.segment([*calls, *feedback]))
    seg.write(path, seg.segment([seg.call(9, project="globex")], project="globex"),
              project="globex")
    return path


def test_sinks_belong_to_a_release_repository(workspace, sink, tmp_path):
    releases = tmp_path / "releases"
    with workspace.session() as session:
        record_release(session, destination=str(releases), project="acme", number=3,
                       channels=["production"], manifest_sha256="0" * 64, prompts={},
                       author="ann")
    added = ops.add_sink(workspace, str(releases), str(sink))
    assert isinstance(added, Changes) and added.logs and added.value.project == "acme"
    assert "project acme" in added.message
    assert [s.location for s in views.sinks(workspace, str(releases))] == [str(sink)]
    with pytest.raises(LogsError, match="inside the release repository"):
        ops.add_sink(workspace, str(releases), str(releases / "logs"))

    pulled = ops.pull_repository(workspace, str(releases))
    (report,) = pulled.value
    assert pulled.logs and report.projects == ["acme"] and report.calls == 5
    assert views.calls(workspace).total == 5  # globex's call is not this repository's
    assert views.sinks(workspace)[0].pulled_at is not None

    removed = ops.remove_sink(workspace, str(releases), str(sink))
    assert removed.logs and views.sinks(workspace) == []
    assert views.calls(workspace).total == 5  # what was pulled stays
    with pytest.raises(LogsError, match="not a log sink"):
        ops.remove_sink(workspace, str(releases), str(sink))
    with pytest.raises(LogsError, match="No log sink is set"):
        ops.pull_repository(workspace, str(releases))


def test_pull_says_what_it_did(workspace, sink):
    changes = ops.pull(workspace, str(sink))
    assert changes.logs and changes.value.calls == 6 and changes.value.feedback == 2
    assert changes.message.startswith("Pulled 6 new calls and 2 new feedback from")
    assert ops.pull(workspace, str(sink)).message.startswith("Pulled 0 new calls")


def test_negative_feedback_to_a_test_set(workspace, sink):
    ops.pull(workspace, str(sink), project="acme")
    negative = CallFilter(prompt="support/greet", feedback="negative")
    changes = ops.to_testset(workspace, "regressions", filter=negative)
    added = changes.value
    assert changes.test_sets == {"regressions"} and added.created and added.added == 2
    assert added.log_ids == (seg.call_id(2), seg.call_id(1))  # newest first
    with workspace.session() as session:
        test_set = testsets.require_test_set(session, "regressions")
        assert test_set.prompt_id is not None
        cases = [case for _, case in testsets.case_rows(session, test_set)]
    assert [(c.variables, c.expected) for c in cases] == [
        ({"name": "Ann 2\r\n"}, "Hi Ann 2  "), ({"name": "Ann 1\r\n"}, "Hello, Ann 1.")]
    assert seg.call_id(1) in cases[1].notes and "corrected" in cases[1].tags
    assert "from-logs" in cases[0].tags and "release 3" in cases[0].notes

    again = ops.to_testset(workspace, "regressions", filter=negative, expected="output")
    assert (again.value.added, again.value.duplicates) == (1, 1)  # call 1 with its own output
    only = ops.to_testset(workspace, "fixes", pks=[1, 2, 3], expected="corrected-only")
    assert (only.value.added, only.value.without_correction) == (1, 2)
    with pytest.raises(LogsError, match="No logged call matches"):
        ops.to_testset(workspace, "x", filter=CallFilter(prompt="nope"))
    with pytest.raises(LogsError, match="Choose the logged calls"):
        ops.to_testset(workspace, "x")


def test_open_a_logged_call_in_the_playground(workspace, sink, version):
    ops.pull(workspace, str(sink), project="acme")
    row = views.calls(workspace, CallFilter(feedback="corrected")).rows[0]
    changes = ops.open_in_playground(workspace, row.pk)
    seed = changes.value
    assert seed.draft.prompt_name == "support/greet" and seed.draft.content == GREET
    assert seed.draft.base_version_id == version and seed.variables == {"name": "Ann 1\r\n"}
    assert seed.output == "Hi Ann 1  " and seed.release == 3
    view = views.call(workspace, row.pk)
    assert view.messages == [{"role": "system", "content": "Be kind.\r\n"},
                             {"role": "user", "content": "Hello Ann 1\r\n!  "}]


def test_a_call_whose_version_is_not_here_says_what_to_pull(workspace, tmp_path):
    sink = tmp_path / "logs"
    seg.write(sink, seg.segment([seg.call(1, release=7)]))
    ops.pull(workspace, str(sink))
    row = views.calls(workspace).rows[0]
    assert "pull that release" in views.call(workspace, row.pk).note
    with pytest.raises(LogsError, match="release 7.*pull that release to open it"):
        ops.open_in_playground(workspace, row.pk)


def test_rates_and_comparisons_for_the_view(workspace, tmp_path, version):
    sink = tmp_path / "logs"
    records = []
    for day, release in (("2026-12-01", 1), ("2026-12-05", 2)):
        for i in range(4):
            n = release * 10 + i
            records.append(seg.call(n, release=release, version=version,
                                    time=f"{day}T1{i}:00:00.000000Z",
                                    variables={"name": f"v{i}"}, output=f"r{release} {i}",
                                    error="boom" if i == 0 else None))
        records.append(seg.feedback(release * 10 + 9, seg.call_id(release * 10 + 1),
                                    rating=release == 2))
    seg.write(sink, seg.segment(records))
    ops.pull(workspace, str(sink))
    points = views.rates(workspace, CallFilter(prompt="support/greet"))
    assert [(p.release, p.start.day, p.calls, p.error_rate, p.negative_rate)
            for p in points] == [(1, 1, 4, 0.25, 1.0), (2, 5, 4, 0.25, 0.0)]  # per day
    assert len(views.rates(workspace, CallFilter(release=1))) == 4  # one day: per hour
    comparison = views.compare(workspace, "support/greet", 1, 2)
    assert [(p.a.output_preview, p.b.output_preview) for p in comparison.pairs][-1] == \
        ("r1 0", "r2 0")
    assert len(comparison.pairs) == 4
    page = views.calls(workspace, CallFilter(text="r2"), limit=2)
    assert page.total == 4 and len(page.rows) == 2
    assert views.facets(workspace).releases == [1, 2]
