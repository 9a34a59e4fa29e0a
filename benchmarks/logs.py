"""Production logs (issue 11): the reader's log() on the hot path, pulling, querying, and many
writers at once.

    .venv/bin/python benchmarks/logs.py [--calls 100000] [--processes 8] [--each 10000]

Prints, measured in this one run:
  - reader.log() in the calling thread, p50 and p99 of single calls, first with the writer
    idle and then with it busy (draining and writing segments while the calls go on), with
    their ratio; targets p50 <= 5 us, p99 <= 50 us; and what the queue dropped
  - importing N logged calls (written by the real reader) into a fresh workspace; target <= 5 s
  - opening the Logs view (first page and the count), filtering negative feedback, and text
    searches for a rare and a common word on them; targets < 300 ms and < 100 ms
  - memory growth of this process over the import and the queries; target < 150 MB
  - P processes logging M calls each to one folder while this process pulls every second:
    every record must arrive exactly once
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from desktop.core.logs import CallFilter, views  # noqa: E402
from desktop.core.logs.pull import pull  # noqa: E402
from storage.releases import Reader, Root, generate_key  # noqa: E402
from storage.releases.content import Message, PromptContent, Variable  # noqa: E402
from storage.releases.repository import Repository  # noqa: E402
from storage.workspace.db import Workspace  # noqa: E402

logging.getLogger("promptpress_reader").setLevel(logging.ERROR)
TARGETS = {"p50": 5e-6, "p99": 50e-6, "import": 5.0, "view": 0.3, "search": 0.1,
           "memory": 150 << 20}
WORDS = ("refund order delivery late broken account password invoice مرحبا שלום 顧客 données "
         "Kunde review please thanks").split()


def rss() -> int:
    """Resident memory of this process, in bytes (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def publish(work: Path) -> bytes:
    author, root_key = generate_key(), generate_key()
    root = Root.create("bench", root=[root_key], release=[author],
                       channels={"production": [author]},
                       expires=int(time.time()) + 86400 * 30)
    repo = Repository.init(work / "releases", root, root_key)
    content = PromptContent(
        messages=(Message("system", "You answer customers about their orders.\r\n"),
                  Message("user", "Customer {{ name }} asks: {{ question }}")),
        model="openai/gpt-4o-mini", parameters={"temperature": 0.2},
        variables=(Variable("name"), Variable("question")))
    repo.publish([("support/answer", content)], channel="production", signer=author)
    return repo.root_bytes()


def percentile(values: list[int], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] / 1e9


def hot_path(work: Path, pinned: bytes, calls: int) -> dict[str, float]:
    """Single log() calls timed one by one, writer idle, then writer busy."""
    reader = Reader(work / "releases", pinned, log_to=work / "hot", log_queue_size=calls * 2)
    prompt = reader.get("support/answer")
    messages = prompt.render(name="Ann", question="Where is my order 1234?")
    output = "It left the warehouse yesterday; you will have it tomorrow.  "
    clock, log = time.perf_counter_ns, reader.log
    for _ in range(2000):  # first-use costs outside the timing
        log(messages, output=output, model="openai/gpt-4o-mini", latency_ms=812.0)
    reader.flush_logs(30)

    def measure(n: int, gap_ns: int) -> list[int]:
        out = []
        for _ in range(n):
            start = clock()
            log(messages, output=output, model="openai/gpt-4o-mini", latency_ms=812.0,
                tokens={"input": 41, "output": 12})
            out.append(clock() - start)
            until = clock() + gap_ns  # the application's own work between two calls
            while clock() < until:
                pass
        return out

    idle = []
    for _ in range(200):  # the writer has nothing to do: each call finds an empty queue
        reader.flush_logs(10)
        idle += measure(50, 0)
    # Busy: the queue holds a backlog the writer keeps draining, encoding and writing
    # segments, while this thread goes on calling (a few microseconds of its own between).
    for _ in range(20_000):
        log(messages, output=output)
    written_before = reader.log_stats.written
    busy = measure(calls, 2_000)
    during = reader.log_stats
    reader.flush_logs(60)
    stats = reader.log_stats
    reader.close()
    return {"idle_p50": percentile(idle, 0.5), "idle_p99": percentile(idle, 0.99),
            "busy_p50": percentile(busy, 0.5), "busy_p99": percentile(busy, 0.99),
            "busy_max": max(busy) / 1e9, "written_during": during.written - written_before,
            "dropped": stats.dropped, "written": stats.written, "segments": stats.segments}


def write_calls(work: Path, pinned: bytes, n: int) -> Path:
    """n calls (with feedback on every tenth) written by the real reader to a folder sink."""
    sink = work / "sink"
    reader = Reader(work / "releases", pinned, log_to=sink, log_queue_size=n * 2)
    prompt = reader.get("support/answer")
    for i in range(n):
        words = " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(12))
        log_id = reader.log(prompt.render(name=f"customer {i}", question=f"{words} #{i}"),
                            output=f"Answer {i}: {words}\r\n  ", model="openai/gpt-4o-mini",
                            latency_ms=200 + i % 900, tokens={"input": 60, "output": 25},
                            error="RateLimited" if i % 97 == 0 else None)
        if i % 10 == 0:
            reader.feedback(log_id, rating=-1 if i % 20 == 0 else 1, comment=f"case {i}")
        if i % 5000 == 0:
            time.sleep(0.01)  # let the writer keep up (the queue would drop, and count it)
    reader.flush_logs(120)
    assert reader.log_stats.dropped == reader.log_stats.failed == 0, reader.log_stats
    reader.close()
    return sink


def median_time(fn, runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


WRITER = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, sys.argv[1])
    from storage.releases import Reader
    reader = Reader(sys.argv[2], open(sys.argv[3], "rb").read(), log_to=sys.argv[4],
                    log_flush_interval=0.5)
    prompt = reader.get("support/answer")
    me, n = sys.argv[5], int(sys.argv[6])
    for i in range(n):
        reader.log(prompt.render(name=me, question=str(i)), output=f"{me}:{i}",
                   metadata={"process": me, "seq": i})
        if i % 500 == 499:
            time.sleep(0.05)
    reader.close()
    s = reader.log_stats
    print(s.written, s.dropped, s.failed)
""")


def many_writers(work: Path, pinned: bytes, processes: int, each: int) -> dict[str, float]:
    sink = work / "shared"
    pinned_file = work / "root.json"
    pinned_file.write_bytes(pinned)
    with Workspace.open(work / "many.promptpress") as workspace:
        start = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(ROOT),
                                   str(work / "releases"), str(pinned_file), str(sink), f"p{n}",
                                   str(each)], stdout=subprocess.PIPE, text=True)
                 for n in range(processes)]
        pulls = 0
        while any(p.poll() is None for p in procs):
            time.sleep(1.0)
            if sink.exists():
                pull(workspace, str(sink))
                pulls += 1
        outputs = [p.communicate()[0].split() for p in procs]
        final = pull(workspace, str(sink))
        elapsed = time.perf_counter() - start
        with workspace.session() as session:
            from sqlalchemy import text

            total, distinct, keys = session.execute(text(
                "SELECT count(*), count(DISTINCT log_id), count(DISTINCT "
                "json_extract(details, '$.metadata.process') || ':' || "
                "json_extract(details, '$.metadata.seq')) FROM log_calls")).one()
    written = sum(int(o[0]) for o in outputs)
    dropped = sum(int(o[1]) + int(o[2]) for o in outputs)
    return {"total": total, "distinct": distinct, "keys": keys, "written": written,
            "lost": dropped, "pulls": pulls + 1, "elapsed": elapsed,
            "problems": len(final.problems)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--hot", type=int, default=100_000, help="timed log() calls")
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--each", type=int, default=10_000)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="promptpress-bench-logs-"))
    try:
        pinned = publish(work)
        hot = hot_path(work, pinned, args.hot)
        sink = write_calls(work, pinned, args.calls)
        gc.collect()
        before = rss()
        with Workspace.open(work / "w.promptpress") as workspace:
            start = time.perf_counter()
            report = pull(workspace, str(sink))
            import_s = time.perf_counter() - start
            assert report.calls == args.calls and not report.problems, report.summary()
            view_s = median_time(lambda: views.calls(workspace, limit=200))
            negative_s = median_time(lambda: views.calls(workspace,
                                                         CallFilter(feedback="negative")))
            rare_s = median_time(lambda: views.calls(workspace, CallFilter(text="#4242")))
            common_s = median_time(lambda: views.calls(workspace, CallFilter(text="refund")))
            prompt_s = median_time(lambda: views.calls(workspace, CallFilter(
                prompt="support/answer", text="delivery late", errors=False)))
            rates_s = median_time(lambda: views.rates(workspace), 3)
            assert views.calls(workspace, CallFilter(text="#4242")).total >= 1
        growth = rss() - before
        many = many_writers(work, pinned, args.processes, args.each)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def line(label: str, value: float, target: float | None, unit: str, scale: float,
             extra: str = "") -> None:
        shown = f"{value * scale:9.2f} {unit}"
        goal = (f"  target {target * scale:7.0f} {unit}  ratio {value / target:5.2f}"
                if target else "")
        print(f"{label:<52} {shown}{goal}{extra}")

    us, ms = 1e6, 1e3
    print(f"reader.log(), one call at a time ({args.hot:,} timed with the writer busy)")
    line("  p50, writer idle", hot["idle_p50"], TARGETS["p50"], "µs", us)
    line("  p99, writer idle", hot["idle_p99"], TARGETS["p99"], "µs", us)
    line("  p50, writer busy", hot["busy_p50"], TARGETS["p50"], "µs", us,
         f"  busy/idle {hot['busy_p50'] / hot['idle_p50']:.2f}")
    line("  p99, writer busy", hot["busy_p99"], TARGETS["p99"], "µs", us,
         f"  busy/idle {hot['busy_p99'] / hot['idle_p99']:.2f}")
    line("  slowest single call, writer busy", hot["busy_max"], None, "ms", ms)
    print(f"  records written while the calls went on: {hot['written_during']:,}; dropped: "
          f"{hot['dropped']:,}; segments: {hot['segments']:,}")
    print(f"pulling {args.calls:,} calls and {report.feedback:,} feedback "
          f"({report.segments} segments)")
    line("  import", import_s, TARGETS["import"], "s", 1,
         f"  ({args.calls / import_s:,.0f} calls/s)")
    line("  open the Logs view: first 200 rows and the count", view_s, TARGETS["view"], "ms",
         ms)
    line("  filter: negative feedback", negative_s, TARGETS["search"], "ms", ms)
    line("  text search, a rare word", rare_s, TARGETS["search"], "ms", ms)
    line("  text search, a common word (every call)", common_s, TARGETS["search"], "ms", ms)
    line("  text search with prompt and error filters", prompt_s, TARGETS["search"], "ms", ms)
    line("  feedback and error rates per release over time", rates_s, None, "ms", ms)
    line("  memory growth over the import and the queries", growth, TARGETS["memory"], "MB",
         1 / (1 << 20))
    exact = many["total"] == many["distinct"] == many["keys"] == many["written"] == \
        args.processes * args.each and many["lost"] == 0
    print(f"{args.processes} processes x {args.each:,} calls to one folder, pulled every second"
          f" ({many['pulls']} pulls, {many['elapsed']:.1f} s)")
    print(f"  stored {many['total']:,}, distinct ids {many['distinct']:,}, distinct "
          f"(process, seq) {many['keys']:,}, written by the processes {many['written']:,}, "
          f"lost {many['lost']}, problems {many['problems']}: "
          f"{'every record exactly once' if exact else 'MISMATCH'}")


if __name__ == "__main__":
    main()
