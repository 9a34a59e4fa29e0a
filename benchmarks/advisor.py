"""The advisor's own overhead over the runs it makes: proposing (estimates, cache look-ups,
diffs), storing suggestions, reading the results back, the statistics and the verdicts.

Starts the fake provider in a subprocess (100 ms per answer by default) with three stub
models: the current one, a cheap one as good, a cheap one 5 points worse. Then, as
`promptpress advise` does: a baseline run, the proposal (two models, fewer examples, a lower
max_tokens, their combinations), and the search. Overhead = (wall time - time inside the runs,
preparing and running them) / wall time. Target: <= 5%.

    .venv/bin/python benchmarks/advisor.py [--cases 300] [--concurrency 16] [--latency 0.1]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import _loopback  # noqa: E402,F401  (sets the environment first)

from desktop.core.gateway import preload  # noqa: E402
from tests.support.fake_provider import in_subprocess  # noqa: E402

TARGET = 0.05


def build(path: Path, base_url: str, cases: int):
    from storage.releases.content import Message, PromptContent
    from storage.workspace import prompts, testsets
    from storage.workspace.db import Workspace

    from desktop.core.providers import add_provider

    workspace = Workspace.open(path)
    for name, model in (("current", "gpt-4o"), ("mini", "gpt-4o-mini"), ("nano", "gpt-4.1-nano")):
        add_provider(workspace, name, f"openai/{model}", base_url=base_url)
    content = PromptContent(messages=(
        Message("system", "Repeat the user's message after 'Echo: '."),
        Message("user", "Hi Ann"), Message("assistant", "Echo: Hi Ann"),
        Message("user", "Hi Bob"), Message("assistant", "Echo: Hi Bob"),
        Message("user", "Hi {{ name }}")), model="openai/gpt-4o")
    with workspace.session() as session:
        prompts.save_version(session, "bench/greet", content)
        test_set = testsets.create_test_set(session, "gold", evaluators=["equals:{{ expected }}"])
        testsets.append_cases(session, test_set, [
            testsets.CaseData({"name": f"customer {i}"}, expected=f"Echo: Hi customer {i}")
            for i in range(cases)])
    return workspace


async def advise(workspace, concurrency: int):
    from desktop.core.advisor import AdviceRequest, Search, propose

    request = AdviceRequest("bench/greet", "gold", concurrency=concurrency)
    started = time.perf_counter()
    proposal = await propose(workspace, request)
    baseline = await Search(workspace, proposal, baseline_only=True).run()
    proposal = await propose(workspace, request)
    advice = await Search(workspace, proposal).run()
    wall = time.perf_counter() - started
    return advice, wall, baseline.run_seconds + advice.run_seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.1)
    args = parser.parse_args()
    preload()
    with in_subprocess("--latency", str(args.latency),
                       "--model-quality", "gpt-4.1-nano=0.95") as url, \
            tempfile.TemporaryDirectory() as tmp:
        workspace = build(Path(tmp) / "bench.promptpress", url, args.cases)
        try:
            advice, wall, runs = asyncio.run(advise(workspace, args.concurrency))
        finally:
            workspace.close()
    overhead = (wall - runs) / wall
    cells = args.cases * (1 + len(advice.verdicts))
    print(f"advisor: {len(advice.verdicts)} candidates + baseline, {cells} cells in "
          f"{len(advice.runs) + 1} runs; wall {wall:.2f} s, inside the runs {runs:.2f} s")
    for sentence in advice.sentences():
        print("  " + sentence)
    print(f"advisor overhead: {overhead:.1%} of wall time (target <= {TARGET:.0%}) -> "
          f"{'ok' if overhead <= TARGET else 'OVER'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
