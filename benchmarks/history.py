"""History panel and diff speed on a large workspace.

Builds a workspace of 500 prompts with 10,000 versions (bulk inserts), with runs, scores and
releases that refer to them, then prints, each as the median of several runs in this process:

- opening a history panel (`desktop.core.version_history.version_history`: versions, events, releases, latest
  scores) for a typical prompt (20 versions) and for the longest-lived one (1,000 versions);
  target 100 ms;
- diffing two 20 KB versions that differ by one trailing space and a few words
  (`diff_contents` + `render_terminal`); target 50 ms;
- the history of one prompt with 10,000 versions (benchmarks/big_versions.py): the first page
  the panel shows (`limit=256`) against the whole list it read before paging (today); target
  100 ms to first rows;
- and, for information, searching all 10,000 versions and exporting the longest-lived prompt.

    .venv/bin/python benchmarks/history.py [--runs 7] [--keep DIR]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _timing import median_ms  # noqa: E402
from big_versions import WORDS, build_versions, content_for, paragraph  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from desktop.core import version_history  # noqa: E402
from desktop.core.diff import diff_contents, render_terminal  # noqa: E402
from desktop.core.exchange import export_prompts  # noqa: E402
from storage.releases.content import PromptContent, canonical_bytes, version_id  # noqa: E402
from storage.workspace import prompts as repo  # noqa: E402
from storage.workspace.db import Workspace  # noqa: E402
from storage.workspace.models import Prompt, Release, Result, Run, Version  # noqa: E402

FIRST_PAGE = 256  # desktop.ui.versions.history_panel.FIRST_PAGE (the model's BATCH)

PROMPTS = 500
VERSIONS = 10_000
BIG = 1_000  # versions of the longest-lived prompt


def mutate(rng: random.Random, text: str) -> str:
    # Not big_versions.mutate: that one draws the line after its words, which would change
    # the workspace (and so the figures) this benchmark has always measured.
    lines = text.split("\n")
    i = rng.randrange(len(lines))
    lines[i] = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 16)))
    return "\n".join(lines)


def build(path: Path) -> dict:
    rng = random.Random(20261126)
    ws = Workspace.open(path)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    counts = [BIG] + [0] * (PROMPTS - 1)
    for i in range(VERSIONS - BIG):
        counts[1 + i % (PROMPTS - 1)] += 1
    prompts, versions, pk = [], [], 0
    for p, n in enumerate(counts, 1):
        name = "support/long-lived" if p == 1 else f"team{p % 12}/prompt-{p:03d}"
        prompts.append({"id": p, "name": name, "description": "", "created_at": start,
                        "updated_at": start})
        text = paragraph(rng, rng.randint(800, 3000))
        parent = None
        for _ in range(n):
            text = mutate(rng, text)
            content = content_for(text)
            pk += 1
            versions.append({
                "pk": pk, "prompt_id": p, "version_id": version_id(content),
                "content": canonical_bytes(content).decode(), "parent_pk": parent,
                "author": rng.choice(["ann", "bob", "chen", "dana"]),
                "message": rng.choice(["", "warmer tone", "fix typo", "shorter", "add rule"]),
                "created_at": start + timedelta(minutes=pk),
            })
            parent = pk
    runs = [{"id": r, "settings": {}, "status": "finished", "test_set_hash": "",
             "created_at": start} for r in range(1, 21)]
    results = [{"run_id": 1 + i % 20, "version_pk": 1 + (i * 7) % BIG, "provider": f"m{i}",
                "model": "x", "score": rng.random(), "created_at": start}
               for i in range(20_000)]
    big_ids = [v["version_id"] for v in versions[:BIG]]
    releases = [{"project": "demo", "number": n, "channel": "production", "destination": "dir",
                 "manifest_sha256": "0" * 64, "author": "ann", "published_at": start,
                 "prompts": {"support/long-lived": big_ids[n * 40]}} for n in range(1, 21)]
    began = time.perf_counter()
    with ws.session() as s:
        s.execute(insert(Prompt), prompts)
        s.execute(insert(Version), versions)
        s.execute(insert(Run), runs)
        s.execute(insert(Result), results)
        s.execute(insert(Release), releases)
    built = time.perf_counter() - began
    ws.close()
    return {"insert_seconds": built, "typical": "team2/prompt-002"}


def twenty_kb_pair() -> tuple[PromptContent, PromptContent]:
    rng = random.Random(7)
    text = paragraph(rng, 20_000)
    lines = text.split("\n")
    lines[len(lines) // 2] += " "  # one trailing space
    lines[10] = lines[10].replace(" ", "  ", 1)
    lines[-5] = "Never promise a refund date."
    changed = "\n".join(lines)
    return content_for(text), content_for(changed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="build the workspace in this folder")
    parser.add_argument("--long", type=int, default=10_000,
                        help="versions of the one long prompt for the paging figure")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="promptpress-bench-"))
    path = folder / "history-bench.promptpress"
    if path.exists():
        path.unlink()
    info = build(path)
    print(f"workspace: {PROMPTS} prompts, {VERSIONS} versions, 20,000 scored results "
          f"(bulk insert {info['insert_seconds']:.1f} s) at {path}")

    ws = Workspace.open(path)
    try:
        def panel(name):
            def run():
                with ws.session() as s:
                    return version_history.version_history(s, name)
            return run

        rows = panel(info["typical"])()
        typical = median_ms(panel(info["typical"]), args.runs)
        big_rows = panel("support/long-lived")()
        big = median_ms(panel("support/long-lived"), args.runs)
        a, b = twenty_kb_pair()
        size = len(a.messages[0].content.encode())
        diff_ms = median_ms(lambda: render_terminal(diff_contents(a, b), True), args.runs)
        result = diff_contents(a, b)

        def search():
            with ws.session() as s:
                return repo.search(s, "escalate refund")
        hits = search()
        search_ms = median_ms(search, max(3, args.runs // 2))
        out = folder / "export"

        def export():
            with ws.session() as s:
                export_prompts(s, out, ["support/long-lived"], overwrite=True)
        export_ms = median_ms(export, 3)
    finally:
        ws.close()

    def line(label, ms, target=None):
        ratio = f"  ({ms / target:.2f}x of the {target} ms target)" if target else ""
        print(f"{label:<52} {ms:8.1f} ms{ratio}")

    line(f"history panel, typical prompt ({len(rows)} rows)", typical, 100)
    line(f"history panel, long-lived prompt ({len(big_rows)} rows)", big, 100)
    line(f"diff two {size // 1000} KB versions ({len(result.notes)} whitespace notes)",
         diff_ms, 50)
    long_path = folder / "history-long.promptpress"
    if long_path.exists():
        long_path.unlink()
    long_info = build_versions(long_path, prompts=0, versions_per_prompt=0, long_lived=args.long,
                               text_size=(300, 1500))
    ws = Workspace.open(long_path)
    try:
        def long_history(limit):
            def run():
                with ws.session() as s:
                    return version_history.version_history(s, long_info["long_lived"],
                                                           limit=limit)
            return run
        first = len(long_history(FIRST_PAGE)())
        paged = median_ms(long_history(FIRST_PAGE), args.runs)
        whole = median_ms(long_history(None), max(3, args.runs // 2))
    finally:
        ws.close()
    line(f"history of one prompt, {args.long:,} versions: first {first} rows", paged, 100)
    line(f"history of one prompt, {args.long:,} versions: all (today)", whole, 100)
    print(f"{'  first rows vs today':<52} {whole / paged:8.1f}x faster")
    line(f"search 10,000 versions ({len(hits)} hits)", search_ms)
    line(f"export the long-lived prompt ({BIG} versions)", export_ms)


if __name__ == "__main__":
    main()
