"""Build a workspace with many prompt versions, fast (bulk inserts), for the benchmarks.

`build_versions(path, prompts=..., versions_per_prompt=...)` writes `prompts` prompts with
`versions_per_prompt` versions each (a chain of small edits to a 0.8-3 KB system message with
Latin, Arabic, Hebrew, CJK words and the odd trailing double space), plus one
"support/long-lived" prompt with `long_lived` versions when asked. Rows go in through bulk
INSERTs, so the search index's triggers (migration 0008_search) fill it as a real save would.
benchmarks/history.py, benchmarks/search.py and benchmarks/make_big_workspace.py import it.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from storage.releases.content import (  # noqa: E402
    Message,
    PromptContent,
    Variable,
    canonical_bytes,
    version_id,
)
from storage.workspace.db import Workspace  # noqa: E402
from storage.workspace.models import Prompt, Version  # noqa: E402

WORDS = ("the customer call summary agent policy refund delivery tone warm brief answer "
         "always never include exclude language context order account ticket escalate "
         "مرحبا שלום données Kunde 顧客 review check step first then finally").split()
NOTES = ("", "warmer tone", "fix typo", "shorter", "add rule", "שלום: RTL greeting", "emoji 🎉")
LONG_LIVED = "support/long-lived"
START = datetime(2026, 1, 1, tzinfo=timezone.utc)


def paragraph(rng: random.Random, size: int) -> str:
    out, n = [], 0
    while n < size:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 16)))
        out.append(line + ("  " if rng.random() < 0.05 else ""))
        n += len(line) + 1
    return "\n".join(out)


def content_for(text: str) -> PromptContent:
    return PromptContent(
        messages=[Message("system", text), Message("user", "{{ transcript }}")],
        model="openai/gpt-4o-mini", parameters={"temperature": 0.2, "max_tokens": 400},
        variables=[Variable("transcript", "The call transcript")],
    )


def mutate(rng: random.Random, text: str) -> str:
    lines = text.split("\n")
    lines[rng.randrange(len(lines))] = " ".join(rng.choice(WORDS)
                                                for _ in range(rng.randint(6, 16)))
    return "\n".join(lines)


def prompt_name(p: int) -> str:
    return f"team{p % 12}/prompt-{p:05d}"


def build_versions(path: Path, *, prompts: int, versions_per_prompt: int, long_lived: int = 0,
                   text_size: tuple[int, int] = (800, 3000), seed: int = 20261126,
                   first_prompt_id: int = 1, first_pk: int = 1, chunk: int = 5_000) -> dict:
    """Write the prompts and versions into the workspace file at `path` (created or opened).

    Returns {"prompts", "versions", "seconds", "long_lived": name or None, "typical": a name,
    "version_pks": (first, last)}. Ids start at `first_prompt_id` / `first_pk` so a caller can
    add to a workspace it already filled.
    """
    rng = random.Random(seed)
    counts = ([long_lived] if long_lived else []) + [versions_per_prompt] * prompts
    ws = Workspace.open(path)
    began = time.perf_counter()
    pk = first_pk
    try:
        prompt_rows, version_rows = [], []
        for i, n in enumerate(counts):
            pid = first_prompt_id + i
            name = LONG_LIVED if long_lived and i == 0 else prompt_name(pid)
            prompt_rows.append({"id": pid, "name": name, "description": "", "created_at": START,
                                "updated_at": START})
            text, parent = paragraph(rng, rng.randint(*text_size)), None
            for _ in range(n):
                text = mutate(rng, text)
                content = content_for(text)
                version_rows.append({
                    "pk": pk, "prompt_id": pid, "version_id": version_id(content),
                    "content": canonical_bytes(content).decode(), "parent_pk": parent,
                    "author": rng.choice(("ann", "bob", "chen", "dana")),
                    "message": rng.choice(NOTES), "created_at": START + timedelta(seconds=pk),
                })
                parent, pk = pk, pk + 1
            if len(version_rows) >= chunk:
                _flush(ws, prompt_rows, version_rows)
        _flush(ws, prompt_rows, version_rows)
    finally:
        ws.close()
    return {"prompts": len(counts), "versions": pk - first_pk,
            "seconds": time.perf_counter() - began,
            "long_lived": LONG_LIVED if long_lived else None,
            "typical": prompt_name(first_prompt_id + (1 if long_lived else 0)),
            "version_pks": (first_pk, pk - 1)}


def _flush(ws: Workspace, prompt_rows: list, version_rows: list) -> None:
    with ws.session() as s:
        if prompt_rows:
            s.execute(insert(Prompt), prompt_rows)
        if version_rows:
            s.execute(insert(Version), version_rows)
    prompt_rows.clear()
    version_rows.clear()
