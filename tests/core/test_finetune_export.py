"""Fine-tuning export: rendered turns and the answer, byte-exact (RTL, trailing whitespace,
emoji, CR LF), duplicates written once, counts and the token estimate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.core.logs import LogsError, finetune
from desktop.core.ops import logs as log_ops
from desktop.core.ops import monitors as monitor_ops
from storage.releases.content import Message, PromptContent, Variable
from storage.workspace import prompts as prompt_repo
from storage.workspace import testsets
from storage.workspace.db import Workspace
from tests.support import log_segments as seg

SYSTEM = "Answer in the customer's language.  \r\n"
CONTENT = PromptContent(messages=(Message("system", SYSTEM),
                                  Message("user", "Hello {{ name }}!\t")),
                        model="openai/gpt-4o-mini", variables=(Variable("name"),))
NAMES = ["שלום עולם ", "Zoë 👩‍💻\n", "  Ann"]
ANSWERS = ["תשובה: כן\u200f  ", "Sure 🎉 \r\n", '{"a": "\\u00e9"}']


@pytest.fixture
def workspace(tmp_path: Path):
    with Workspace.open(tmp_path / "w.promptpress") as ws:
        with ws.session() as session:
            ws.version_id = prompt_repo.save_version(session, "support/greet",
                                                     CONTENT).version.version_id
        yield ws


def pull(workspace, tmp_path, records):
    sink = tmp_path / "logs"
    seg.write(sink, seg.segment(records))
    log_ops.pull(workspace, str(sink))


def test_positive_calls_export_exactly_with_duplicates_once(workspace, tmp_path):
    records = [seg.call(i, version=workspace.version_id, variables={"name": NAMES[i]},
                        output=ANSWERS[i], time=f"{seg.DAY}T10:00:0{i}.000000Z")
               for i in range(3)]
    records.append(seg.call(3, version=workspace.version_id, variables={"name": NAMES[0]},
                            output=ANSWERS[0], time=f"{seg.DAY}T10:00:05.000000Z"))
    records.append(seg.call(4, version="cd" * 32, output="x"))  # version not here
    records += [seg.feedback(10 + i, seg.call_id(i), rating=True) for i in range(5)]
    pull(workspace, tmp_path, records)
    export = finetune.from_logs(workspace, "positive")
    assert export.considered == 5 and export.duplicates == 1
    assert export.skipped == {"whose version is not in this workspace": 1}
    out = finetune.write(export, tmp_path / "ft.jsonl")
    lines = out.read_bytes().decode("utf-8").split("\n")
    assert lines[-1] == "" and len(lines) == 4
    for i, line in enumerate(lines[:3]):
        row = json.loads(line)
        assert row == {"messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"Hello {NAMES[i]}!\t"},
            {"role": "assistant", "content": ANSWERS[i]}]}
    assert "שלום" in lines[0] and "🎉" in lines[1]  # not ASCII-escaped
    chars = sum(len(m["content"]) for r in export.rows for m in r["messages"])
    assert export.tokens >= chars / 4 and export.tokens <= chars / 4 + len(export.rows)


def test_corrected_outputs_are_the_answer(workspace, tmp_path):
    pull(workspace, tmp_path, [
        seg.call(1, version=workspace.version_id, output="wrong"),
        seg.call(2, version=workspace.version_id, output="fine"),
        seg.feedback(3, seg.call_id(1), rating=False, corrected="Right  \n🙂")])
    export = finetune.from_logs(workspace, "corrected")
    assert [r["messages"][-1]["content"] for r in export.rows] == ["Right  \n🙂"]


def test_a_monitors_passes(workspace, tmp_path):
    pull(workspace, tmp_path, [seg.call(i, version=workspace.version_id,
                                        output="{}" if i % 2 else "no") for i in range(6)])
    monitor_ops.add(workspace, "json", "support/greet", "is-json", min_samples=1)
    monitor_ops.check(workspace)
    export = finetune.from_logs(workspace, "monitor", monitor="json")
    assert export.considered == 3 and export.duplicates == 0
    assert [r["messages"][-1]["content"] for r in export.rows] == ["{}"] * 3
    assert [r["messages"][1]["content"] for r in export.rows] == [
        f"Hello customer {i}!\t" for i in (1, 3, 5)]


def test_from_a_test_set(workspace, tmp_path):
    with workspace.session() as session:
        prompt = prompt_repo.get_prompt(session, "support/greet")
        ts = testsets.create_test_set(session, "greet", prompt=prompt)
        testsets.append_cases(session, ts, [testsets.CaseData({"name": NAMES[0]}, ANSWERS[0]),
                                            testsets.CaseData({"name": "x"}, None)])
    export = finetune.from_test_set(workspace, "greet")
    assert export.skipped == {"without an expected output": 1}
    assert export.rows[0]["messages"][-1]["content"] == ANSWERS[0]
    with pytest.raises(LogsError, match="Nothing to export"):
        finetune.write(finetune.from_logs(workspace, "positive"), tmp_path / "none.jsonl")
    assert not (tmp_path / "none.jsonl").exists()
