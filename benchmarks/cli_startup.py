"""CLI fixed cost: from process start to the first request a model server sees.

Starts a loopback OpenAI-compatible server in this process (it records when each request arrives),
builds a workspace with one provider on it, a prompt and a 32-case test set, then times, as fresh
processes started the way a shell starts them, alternating so machine noise hits all alike:

- ``promptpress --help``: start to exit (the floor: Python, argparse, our parser);
- ``promptpress eval``: start to the first request the server sees;
- ``promptpress play``: the same.

Prints the median of each, and the eval and play figures as a multiple of ``--help``, with the
CPU time of each whole command (steadier than wall time on a busy machine) and, for scale, what
``import litellm`` alone costs here (what the CLI paid before it took the direct path without
litellm). Target: eval and play at most 1.0 s. Each run also says whether the CLI imported litellm.
Bytecode is cached (in a temporary PYTHONPYCACHEPREFIX, filled by a first run of each), as an
installed app has it, even where the environment says PYTHONDONTWRITEBYTECODE.

    .venv/bin/python benchmarks/cli_startup.py [--runs 7] [--cases 32]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _loopback import ROOT  # noqa: E402  (sets the environment first)

from tests.support.fake_provider import FakeProvider  # noqa: E402

# Appended to the CLI's own start-up: says at exit whether litellm was imported.
PROBE = "import atexit, sys; atexit.register(lambda: print('litellm' in sys.modules, file=sys.stderr))"


def build_workspace(path: Path, base_url: str, cases: int) -> None:
    from storage.releases.content import Message, PromptContent
    from storage.workspace import prompts, testsets
    from storage.workspace.db import Workspace

    from desktop.core.providers import add_provider

    with Workspace.open(path) as workspace:
        add_provider(workspace, "bench", "openai/gpt-4o-mini", base_url=base_url,
                     api_key_env="PROMPTPRESS_BENCH_KEY",
                     parameters={"temperature": 0.2, "max_tokens": 64})
        content = PromptContent(messages=(
            Message("system", "You are terse. Answer in one line."),
            Message("user", "Summarise the call with {{ customer }} in one line: {{ issue }}")))
        with workspace.session() as session:
            prompts.save_version(session, "bench/summarise", content)
            test_set = testsets.create_test_set(session, "bench")
            testsets.append_cases(session, test_set, [
                testsets.CaseData({"customer": f"customer {i}", "issue": f"a refund for order {i}"})
                for i in range(cases)])


def command(workspace: Path, *args: str) -> list[str]:
    main = f"{PROBE}; from desktop.main import main; sys.exit(main())"
    return [sys.executable, "-c", main, "--workspace", str(workspace), *args]


def timed(cmd: list[str], env: dict[str, str], server: FakeProvider | None
          ) -> tuple[float, float, float, bool]:
    """(start to first request, or to exit without a server; start to exit; CPU seconds of the
    whole command; litellm imported)."""
    if server is not None:
        server.clear_requests()
    cpu = _children_cpu()
    start = time.monotonic()  # the server stamps requests with time.monotonic() too
    proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    ended = time.monotonic()
    cpu = _children_cpu() - cpu
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[3:]} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    imported = proc.stderr.strip().splitlines()[-1] == "True"
    if server is None:
        return ended - start, ended - start, cpu, imported
    first = min(r.received_at for r in server.requests)
    return first - start, ended - start, cpu, imported


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--cases", type=int, default=32)
    parser.add_argument("--no-reference", action="store_true", help="skip timing `import litellm`")
    args = parser.parse_args()
    with FakeProvider() as server, tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ, PYTHONPATH=str(ROOT), PROMPTPRESS_BENCH_KEY="sk-bench",
                   PROMPTPRESS_AUTHOR="Bench", PYTHONPYCACHEPREFIX=str(Path(folder) / "pycache"))
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        workspace = Path(folder) / "bench.promptpress"
        build_workspace(workspace, server.base_url, args.cases)
        commands = {
            "--help": (command(workspace, "--help"), None),
            "eval": (command(workspace, "eval", "bench/summarise", "--testset", "bench", "--model",
                             "bench", "--evaluator", "contains:Echo"), server),
            "play": (command(workspace, "play", "bench/summarise", "--model", "bench", "--var",
                             "customer=Ana", "--var", "issue=a refund", "--no-stream"), server),
        }
        for cmd, srv in commands.values():  # warm the OS file cache and Python's bytecode cache
            timed(cmd, env, srv)
        reference = [sys.executable, "-c", "import litellm; print(False, file=__import__('sys').stderr)"]
        if not args.no_reference:
            timed(reference, env, None)
        first: dict[str, list[float]] = {name: [] for name in commands}
        whole: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        litellm: dict[str, set[bool]] = {name: set() for name in commands}
        for _ in range(args.runs):
            for name, (cmd, srv) in commands.items():
                to_first, to_exit, used, imported = timed(cmd, env, srv)
                first[name].append(to_first)
                whole[name].append(to_exit)
                cpu[name].append(used)
                litellm[name].add(imported)
        litellm_s = None if args.no_reference else statistics.median(
            timed(reference, env, None)[0] for _ in range(min(args.runs, 3)))
    help_s = statistics.median(first["--help"])
    print(f"median over {args.runs} runs ({args.cases} cases for eval), wall time (CPU time):")
    print(f"  promptpress --help   start to exit           {help_s * 1000:5.0f} ms "
          f"({statistics.median(cpu['--help']) * 1000:.0f} ms CPU)")
    for name in ("eval", "play"):
        fixed = statistics.median(first[name])
        loaded = " and ".join(sorted({True: "imported litellm", False: "no litellm"}[x]
                                     for x in litellm[name]))
        print(f"  promptpress {name:8} start to first request {fixed * 1000:5.0f} ms "
              f"= {fixed / help_s:.1f}x --help; whole command {statistics.median(whole[name]) * 1000:.0f} ms "
              f"({statistics.median(cpu[name]) * 1000:.0f} ms CPU); {loaded}")
    if litellm_s is not None:
        print(f"  for scale: `import litellm` alone takes {litellm_s * 1000:.0f} ms here")
    worst = max(statistics.median(first["eval"]), statistics.median(first["play"]))
    print(f"fixed cost: {worst:.2f} s at most (target <= 1.0 s)")


if __name__ == "__main__":
    main()
