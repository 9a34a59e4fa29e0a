"""Fine-tuning data: chat-format JSONL, one example a line, from logged calls or a test set.

    {"messages": [{"role": "system", "content": ...}, {"role": "user", "content": ...},
                  {"role": "assistant", "content": <the answer>}]}

The system and user turns are the call's version rendered with its logged variables (a test
set's: its prompt's latest version with each case's variables); the answer is the corrected
output feedback gave when there is one (else the output), or the case's expected output. Text
is written exactly: JSON escapes only what it must (no ASCII escaping), nothing is trimmed.
Identical examples are counted and written once. Tokens are estimated at 4 characters a token.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storage.workspace import logs as repo
from storage.workspace import monitors as monitor_repo
from storage.workspace import prompts as prompt_repo
from storage.workspace import testsets
from storage.workspace.db import Workspace
from storage.workspace.logs import CallFilter

from .errors import LogsError
from .views import _version, render

CHARS_PER_TOKEN = 4
SOURCES = ("positive", "corrected", "monitor", "selected", "test-set")


@dataclass(frozen=True)
class Export:
    rows: tuple[dict[str, Any], ...]  # distinct examples, in order
    considered: int
    duplicates: int  # examples identical to an earlier one, written once
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count
    tokens: int = 0  # estimated, over the rows written

    def lines(self) -> list[str]:
        return [_line(row) for row in self.rows]

    def summary(self) -> str:
        text = (f"{len(self.rows)} example{'s' if len(self.rows) != 1 else ''} of "
                f"{self.considered}, about {self.tokens:,} tokens")
        if self.duplicates:
            text += f"; {self.duplicates} duplicate{'s' if self.duplicates != 1 else ''} left out"
        for reason, count in self.skipped.items():
            text += f"; {count} {reason}"
        return text + "."


def _line(row: dict[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False, separators=(", ", ": "))


def _tokens(row: dict[str, Any]) -> int:
    chars = sum(len(m["content"]) for m in row["messages"])
    return -(-chars // CHARS_PER_TOKEN)


def _collect(examples: list[dict[str, Any] | str], considered: int) -> Export:
    skipped: Counter[str] = Counter()
    seen: set[str] = set()
    rows: list[dict[str, Any]] = []
    duplicates = 0
    for example in examples:
        if isinstance(example, str):
            skipped[example] += 1
            continue
        line = _line(example)
        if line in seen:
            duplicates += 1
            continue
        seen.add(line)
        rows.append(example)
    return Export(tuple(rows), considered, duplicates, dict(skipped),
                  sum(_tokens(r) for r in rows))


def _example(messages: list[dict[str, str]], answer: str) -> dict[str, Any]:
    turns = [{"role": m["role"], "content": m["content"]} for m in messages]
    return {"messages": [*turns, {"role": "assistant", "content": answer}]}


def from_logs(workspace: Workspace, source: str, *, prompt: str | None = None,
              monitor: str | None = None, pks: Sequence[int] | None = None,
              limit: int | None = None) -> Export:
    """Examples from logged calls: with positive feedback, with a corrected output (the
    correction is the answer), that a monitor passed, or the calls `pks` ("selected")."""
    if source not in SOURCES[:4]:
        raise LogsError(f"Choose the calls: {', '.join(SOURCES[:4])}.")
    with workspace.session() as session:
        if source == "monitor":
            found = monitor_repo.get_monitor(session, monitor or "")
            if found is None:
                raise LogsError(f"There is no monitor named {monitor}.")
            chosen = monitor_repo.passing_call_pks(session, found.id, found.threshold)
            calls = repo.calls_for_testset(session, pks=chosen)
        elif source == "selected":
            if not pks:
                raise LogsError("Select the logged calls to export.")
            calls = repo.calls_for_testset(session, pks=list(pks))
        else:
            calls = repo.calls_for_testset(session, CallFilter(prompt=prompt, feedback=source))
            calls.reverse()  # oldest first
        if prompt is not None and source in ("monitor", "selected"):
            calls = [c for c in calls if c.prompt == prompt]
        if limit is not None:
            calls = calls[:limit]
        contents: dict[tuple[str, str], Any] = {}
        for c in calls:
            key = (c.prompt, c.version_id)
            if key not in contents:
                version = _version(session, c.prompt, c.version_id)
                contents[key] = prompt_repo.content_of(version) if version is not None else None
    examples: list[dict[str, Any] | str] = []
    for c in calls:
        answer = c.corrected_output if c.corrected_output is not None else c.output
        content = contents[(c.prompt, c.version_id)]
        if answer is None:
            examples.append("without an output")
        elif content is None:
            examples.append("whose version is not in this workspace")
        else:
            messages, problem = render(content, c.variables)
            examples.append("that do not render" if messages is None else
                            _example(messages, answer))
    return _collect(examples, len(calls))


def from_test_set(workspace: Workspace, name: str) -> Export:
    """Examples from a test set's cases with an expected output, rendered with its prompt."""
    with workspace.session() as session:
        test_set = testsets.get_test_set(session, name)
        if test_set is None:
            raise LogsError(f"There is no test set named {name}.")
        owner = testsets.owner_name(session, test_set)
        prompt = prompt_repo.get_prompt(session, owner) if owner is not None else None
        version = prompt_repo.latest_version(session, prompt) if prompt is not None else None
        if version is None:
            raise LogsError(f"The test set {name} belongs to no prompt with a saved version: "
                            "its cases cannot be rendered.")
        content = prompt_repo.content_of(version)
        rows = testsets.case_rows(session, test_set)
    examples: list[dict[str, Any] | str] = []
    for _, case in rows:
        if case.expected is None or case.expected == "":
            examples.append("without an expected output")
            continue
        messages, problem = render(content, dict(case.variables))
        examples.append("that do not render" if messages is None else
                        _example(messages, case.expected))
    return _collect(examples, len(rows))


def write(export: Export, path: str | os.PathLike[str]) -> Path:
    """Write the examples as UTF-8 JSONL (LF line ends), replacing `path` only when whole."""
    target = Path(path)
    if not export.rows:
        raise LogsError("Nothing to export: no example matched.")
    data = "".join(line + "\n" for line in export.lines()).encode("utf-8", "surrogatepass")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target
