"""Runner throughput: a whole test-set run against a loopback server with fixed latency.

Starts the fake OpenAI-compatible provider in a subprocess (100 ms per response by default) and,
in one run, makes the same N requests (N test cases, one version, one model) two ways:

- through the real runner: rendering, the Gateway (its direct path), SQLite writes
  by the writer thread, scoring with two deterministic evaluators, the run's totals and gate;
- through raw httpx with a semaphore (the floor the issue names), and raw aiohttp (what the
  Gateway uses underneath). Note: httpcore 1.0's pool scans every connection on each request,
  so at 32+ connections raw httpx is CPU-bound on a slow or busy machine.

Efficiency = ideal time (N x latency / concurrency) / wall time. Target for the runner: >= 0.90.
Each is warmed up first (connections, imports, caches) with a short run of its own.

    .venv/bin/python benchmarks/runner.py [--cases 2000] [--concurrency 32] [--latency 0.1]
        [--profile]   # pyinstrument profile of the runner's run, if pyinstrument is installed
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

import _loopback  # noqa: E402  (sets the environment first)
os.environ["PROMPTPRESS_BENCH_KEY"] = "sk-bench"


EVALUATORS = ["icontains:echo", "length:1..2000"]
SYSTEM = "You are terse. Answer in one line."
USER = "Summarise the call with {{ customer }} in one line: {{ issue }}"


def build_workspace(path: Path, base_url: str, cases: int):
    from storage.releases.content import Message, PromptContent
    from storage.workspace import prompts, testsets
    from storage.workspace.db import Workspace

    from desktop.core.providers import add_provider

    workspace = Workspace.open(path)
    add_provider(workspace, "bench", "openai/gpt-4o-mini", base_url=base_url,
                 api_key_env="PROMPTPRESS_BENCH_KEY", parameters={"temperature": 0.2,
                                                                  "max_tokens": 64})
    content = PromptContent(messages=(Message("system", SYSTEM), Message("user", USER)))
    with workspace.session() as session:
        prompts.save_version(session, "bench/summarise", content)
        for name, n in (("warmup", 64), ("bench", cases)):
            test_set = testsets.create_test_set(session, name)
            testsets.append_cases(session, test_set, [
                testsets.CaseData({"customer": f"customer {i}",
                                   "issue": f"wants a refund for order {i} ({name})"})
                for i in range(n)])
    return workspace, content


async def run_runner(workspace, test_set: str, concurrency: int):
    from desktop.core.runner import EvalRequest, prepare_run

    runner = prepare_run(workspace, EvalRequest(
        ["bench/summarise"], test_set, ["bench"], evaluators=EVALUATORS,
        concurrency=concurrency, timeout=30))
    started, cpu = time.perf_counter(), time.process_time()
    outcome = await runner.run()
    wall = time.perf_counter() - started
    run_runner.cpu = time.process_time() - cpu  # type: ignore[attr-defined]
    return wall, outcome


async def run_httpx(base_url: str, bodies: list[dict], concurrency: int) -> float:
    import httpx

    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2)
    semaphore = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:
        async def one(body: dict) -> None:
            async with semaphore:
                response = await client.post("/chat/completions", json=body,
                                             headers={"Authorization": "Bearer sk-bench"})
                response.raise_for_status()
                response.json()["choices"][0]["message"]["content"]

        await asyncio.gather(*(one(b) for b in bodies[: concurrency * 2]))  # warm up
        started = time.perf_counter()
        await asyncio.gather(*(one(b) for b in bodies))
        return time.perf_counter() - started


async def run_aiohttp(base_url: str, bodies: list[dict], concurrency: int) -> float:
    import aiohttp

    semaphore = asyncio.Semaphore(concurrency)
    async with aiohttp.ClientSession() as session:
        async def one(body: dict) -> None:
            async with semaphore:
                async with session.post(f"{base_url}/chat/completions", json=body,
                                        headers={"Authorization": "Bearer sk-bench"}) as response:
                    response.raise_for_status()
                    (await response.json())["choices"][0]["message"]["content"]

        await asyncio.gather(*(one(b) for b in bodies[: concurrency * 2]))  # warm up
        started = time.perf_counter()
        await asyncio.gather(*(one(b) for b in bodies))
        return time.perf_counter() - started


def request_bodies(content, cases: int) -> list[dict]:
    from desktop.core.play import render

    return [{"model": "gpt-4o-mini", "temperature": 0.2, "max_tokens": 64,
             "messages": render(content, {"customer": f"customer {i}",
                                          "issue": f"wants a refund for order {i} (bench)"})}
            for i in range(cases)]


async def main_async(base_url: str, args: argparse.Namespace) -> None:
    ideal = args.cases * args.latency / args.concurrency
    best_runner = best_httpx = best_aiohttp = None
    with tempfile.TemporaryDirectory() as folder:
        workspace, content = build_workspace(Path(folder) / "bench.promptpress", base_url, args.cases)
        bodies = request_bodies(content, args.cases)
        try:
            await run_runner(workspace, "warmup", args.concurrency)
            for attempt in range(args.repeat):
                profiler = None
                if args.profile and attempt == 0:
                    from pyinstrument import Profiler

                    profiler = Profiler(async_mode="enabled")
                    profiler.start()
                wall, outcome = await run_runner(workspace, "bench", args.concurrency)
                if profiler is not None:
                    profiler.stop()
                    print(profiler.output_text(unicode=True, color=False, show_all=False))
                totals = outcome.totals[0]
                print(f"runner      wall {wall:6.2f} s   efficiency {ideal / wall:.3f}   "
                      f"({outcome.done} cells, {outcome.errors} errors, {outcome.calls} calls, "
                      f"pass rate {totals.pass_rate}, p50 {totals.p50_ms:.0f} ms, "
                      f"p95 {totals.p95_ms:.0f} ms, CPU {run_runner.cpu:.2f} s = "
                      f"{run_runner.cpu / outcome.done * 1000:.2f} ms a cell)", flush=True)
                httpx_wall = await run_httpx(base_url, bodies, args.concurrency)
                print(f"raw httpx   wall {httpx_wall:6.2f} s   efficiency {ideal / httpx_wall:.3f}",
                      flush=True)
                aiohttp_wall = await run_aiohttp(base_url, bodies, args.concurrency)
                print(f"raw aiohttp wall {aiohttp_wall:6.2f} s   efficiency "
                      f"{ideal / aiohttp_wall:.3f}", flush=True)
                best_runner = min(wall, best_runner or wall)
                best_httpx = min(httpx_wall, best_httpx or httpx_wall)
                best_aiohttp = min(aiohttp_wall, best_aiohttp or aiohttp_wall)
        finally:
            workspace.close()
    assert best_runner is not None and best_httpx is not None and best_aiohttp is not None
    best = " (best of %d)" % args.repeat if args.repeat > 1 else ""
    print(f"\ncases {args.cases}, concurrency {args.concurrency}, server latency "
          f"{args.latency * 1000:.0f} ms, ideal {ideal:.2f} s{best}")
    print(f"efficiency: runner {ideal / best_runner:.3f}, raw httpx {ideal / best_httpx:.3f}, "
          f"raw aiohttp {ideal / best_aiohttp:.3f} (target for the runner: >= 0.90)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--cases", type=int, default=2000)
    _loopback.add_load_options(parser)
    parser.add_argument("--repeat", type=int, default=1,
                        help="measure each this many times and keep the best (a busy machine)")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    _loopback.run_on_fake_provider(main_async, args)


if __name__ == "__main__":
    main()
