"""Monitors (issue 15): scoring new production logs with deterministic checks.

    .venv/bin/python benchmarks/monitors.py [--calls 100000]

Prints, measured in this one run:
  - scoring N new logged calls with one deterministic monitor (is-json), then with four at
    once (is-json, a regex, a length bound, not:contains); target <= 10 s for N = 100,000
    with one monitor, and the ratio to the target
  - a second check with 1,000 more calls: only those are scored (incremental), and its time
  - a check with nothing new (reading the window back)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _loopback import ROOT  # noqa: F401  (puts the repository on the path)

from desktop.core.ops import monitors as ops  # noqa: E402
from storage.workspace import logs as log_repo  # noqa: E402
from storage.workspace.db import Workspace  # noqa: E402

TARGET_S = 10.0
CHECKS = {"json": "is-json", "code": r"regex:\d{3}", "short": "length:..400",
          "polite": "not:icontains:as an AI"}


def records(first: int, count: int) -> list[dict]:
    rows = []
    for i in range(first, first + count):
        good = i % 13 != 0
        output = (f'{{"answer": "Order {i:06d} ships soon", "lang": "שלום 👋"}}' if good
                  else f"As an AI I cannot help with order {i}  ")
        rows.append(log_repo.call_row({
            "id": f"bench-{i:08x}", "project": "acme", "channel": "production", "release": 1,
            "prompt": "support/answer", "version": "ab" * 32,
            "time": f"2026-12-{1 + i // 86400 % 28:02d}T{i // 3600 % 24:02d}:"
                    f"{i // 60 % 60:02d}:{i % 60:02d}.000000Z",
            "variables": {"question": f"Where is order {i}?"}, "output": output,
            "model": "m", "latency_ms": 100.0}))
    return rows


def load(workspace: Workspace, first: int, count: int) -> None:
    with workspace.session() as session:
        for start in range(first, first + count, 20000):
            n = min(20000, first + count - start)
            log_repo.store_segment(session, source="bench", path=f"seg-{start}",
                                   status="done", size=0, calls=records(start, n))


def timed(fn):
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, Workspace.open(Path(tmp) / "b.promptpress") as ws:
        load_s, _ = timed(lambda: load(ws, 0, args.calls))
        print(f"stored {args.calls:,} logged calls in {load_s:.2f} s (set-up)")
        ops.add(ws, "json", "support/", CHECKS["json"], window_calls=1000)
        one_s, changes = timed(lambda: ops.check(ws))
        status = changes.value[0]
        assert status.new == args.calls
        print(f"one monitor (is-json), {args.calls:,} new calls: {one_s:.2f} s, "
              f"{args.calls / one_s:,.0f} calls/s; target <= {TARGET_S:.0f} s "
              f"(ratio {one_s / TARGET_S:.2f}); window {status.value:.3f}")
        for name, spec in CHECKS.items():
            if name != "json":
                ops.add(ws, name, "support/", spec, window_calls=1000)
        names = [n for n in CHECKS if n != "json"]
        three_s, _ = timed(lambda: ops.check(ws, names))
        print(f"three more monitors (regex, length, not:icontains) at once: {three_s:.2f} s, "
              f"{3 * args.calls / three_s:,.0f} scores/s")
        load(ws, args.calls, 1000)
        inc_s, changes = timed(lambda: ops.check(ws))
        new = [s.new for s in changes.value]
        assert new == [1000] * 4, new
        print(f"incremental: 1,000 new calls on top of {args.calls:,}, four monitors: "
              f"{inc_s * 1000:.0f} ms (scored only the new: {new})")
        idle_s, _ = timed(lambda: ops.check(ws))
        print(f"nothing new, four monitors: {idle_s * 1000:.0f} ms")


if __name__ == "__main__":
    main()
