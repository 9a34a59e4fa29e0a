"""Time the release reader and publisher on a 200-prompt release (issue 6).

    .venv/bin/python benchmarks/reader.py [--prompts 200] [--runs 15]

Prints the median of N runs, and its ratio to the target, for:
  (then the same for a 2,000-prompt release, --big, with memory, and again without its pack
  as an older publisher wrote it; issue 14)
  - cold verify + load: a new Reader on a folder (root chain, pointer, manifest, every blob hashed
    and parsed), no cache; target < 50 ms
  - cold verify + load from the reader's cache (source unreachable); same target
  - warm get(): one lookup of a prepared prompt; target < 20 microseconds
  - publish 200 prompts to a folder (blobs, manifest, index, pointer; fsync on); target < 1 s
and, as the figure that does not depend on the machine, cold load's ratio to merely reading and
sha256-hashing the same files in the same run.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storage.releases import Reader, Root, generate_key  # noqa: E402
from storage.releases.content import Message, PromptContent, Variable  # noqa: E402
from storage.releases.repository import Repository  # noqa: E402

TARGETS = {"cold": 50e-3, "cache": 50e-3, "get": 20e-6, "publish": 1.0}
logging.getLogger("promptpress_reader").setLevel(logging.ERROR)  # the "source down" runs warn


def make_prompts(n: int, tag: str) -> list[tuple[str, PromptContent]]:
    body = ("You answer questions about orders, refunds and shipping. Use only the policy "
            "below; never invent order numbers.\n") * 12
    return [(f"team{i % 10}/prompt-{i:03d}", PromptContent(
        messages=(Message("system", f"[{tag}] prompt {i}. {body}"),
                  Message("user", "Customer {{ name }} asks: {{ question }}\r\n")),
        model="openai/gpt-4o-mini", parameters={"temperature": 0.2, "max_tokens": 400},
        variables=(Variable("name"), Variable("question"))))
        for i in range(n)]


class Timing:
    """Median and best wall time, and median CPU time of this process, over N runs."""

    def __init__(self, fn, runs: int) -> None:
        wall, cpu = [], []
        for _ in range(runs):
            w, c = time.perf_counter(), time.process_time()
            fn()
            cpu.append(time.process_time() - c)
            wall.append(time.perf_counter() - w)
        self.median, self.best, self.cpu = statistics.median(wall), min(wall), statistics.median(cpu)


def median_time(fn, runs: int) -> float:
    return Timing(fn, runs).median


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prompts", type=int, default=200)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--big", type=int, default=2_000,
                        help="prompts in the large release (issue 14); 0 skips it")
    args = parser.parse_args()

    author, root_key = generate_key(), generate_key()
    root = Root.create("bench", root=[root_key], release=[author],
                       channels={"production": [author]}, expires=int(time.time()) + 86400 * 30)
    work = Path(tempfile.mkdtemp(prefix="promptpress-bench-"))
    try:
        # publish: a fresh folder each run, so every blob is really written and fsynced
        counter = iter(range(10**6))

        def publish() -> None:
            n = next(counter)
            repo = Repository.init(work / f"pub{n}", root, root_key)
            repo.publish(make_prompts(args.prompts, f"p{n}"), channel="production",
                         signer=author)

        publish_t = Timing(publish, max(3, args.runs // 3))

        repo = Repository.init(work / "repo", root, root_key)
        repo.publish(make_prompts(args.prompts, "v1"), channel="production", signer=author)
        pinned = repo.root_bytes()
        Reader(work / "repo", pinned)  # imports and first-use costs outside the timing

        cold_t = Timing(lambda: Reader(work / "repo", pinned), args.runs)
        Reader(work / "repo", pinned, cache_dir=work / "cache")
        cache_t = Timing(lambda: Reader(work / "missing", pinned, cache_dir=work / "cache"),
                         args.runs)

        files = [p for p in (work / "repo").rglob("*")  # each file once (the pack repeats them)
                 if p.is_file() and "packs" not in p.relative_to(work / "repo").parts]

        def read_and_hash() -> None:
            for p in files:
                hashlib.sha256(p.read_bytes()).digest()

        baseline_s = median_time(read_and_hash, args.runs)
        assert len(files) > args.prompts, len(files)

        reader = Reader(work / "repo", pinned)
        name = "team3/prompt-103" if args.prompts > 103 else reader.names()[0]
        loops = 200_000
        get_s = min(timeit.repeat(lambda: reader.get(name), number=loops, repeat=5)) / loops
        render_s = median_time(lambda: reader.get(name).render(name="Ann", question="Where?"),
                               args.runs * 20)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def line(label: str, seconds: float, key: str, unit: str = "ms", extra: str = "") -> None:
        scale = 1e6 if unit == "µs" else 1e3
        target = TARGETS[key]
        print(f"{label:<44} {seconds * scale:8.2f} {unit}  target {target * scale:5.0f} {unit}"
              f"  ratio {seconds / target:5.2f} {'ok  ' if seconds <= target else 'SLOW'}{extra}")

    def detail(t: Timing) -> str:
        return f"  (best {t.best * 1e3:.1f} ms, cpu {t.cpu * 1e3:.1f} ms)"

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"promptpress reader benchmark: {args.prompts} prompts, median of {args.runs} runs, "
          f"{os.cpu_count()} cores, load average {load:.1f}")
    line("cold verify + load (folder, no cache)", cold_t.median, "cold", extra=detail(cold_t))
    line("cold verify + load (from cache, source down)", cache_t.median, "cache",
         extra=detail(cache_t))
    line("warm get()", get_s, "get", "µs")
    line(f"publish {args.prompts} prompts to a folder", publish_t.median, "publish",
         extra=detail(publish_t))
    print(f"{'render() of one prompt (for reference)':<44} {render_s * 1e6:8.1f} µs")
    print(f"{'cold load / read+sha256 of the same files':<44} {cold_t.median / baseline_s:8.2f} x")
    if args.big:
        big_release(args.big, max(3, args.runs // 3), cold_t.median, get_s, args.prompts)


def big_release(prompts: int, runs: int, small_cold: float, small_get: float,
                small: int) -> None:
    """Issue 14: a release of `prompts` prompts: cold verify + load < 200 ms, warm get() < 20 µs,
    memory < 50 MB (Python allocations at their peak while the Reader loads, tracemalloc)."""
    import tracemalloc

    author, root_key = generate_key(), generate_key()
    root = Root.create("bench", root=[root_key], release=[author],
                       channels={"production": [author]}, expires=int(time.time()) + 86400 * 30)
    work = Path(tempfile.mkdtemp(prefix="promptpress-bench-"))
    try:
        repo = Repository.init(work / "repo", root, root_key)
        repo.publish(make_prompts(prompts, "big"), channel="production", signer=author)
        pinned = repo.root_bytes()
        Reader(work / "repo", pinned)
        cold = Timing(lambda: Reader(work / "repo", pinned), runs)
        tracemalloc.start()
        reader = Reader(work / "repo", pinned)
        _, peak = tracemalloc.get_traced_memory()
        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        name = reader.names()[len(reader.names()) // 2]
        loops = 200_000
        get_s = min(timeit.repeat(lambda: reader.get(name), number=loops, repeat=5)) / loops
        for pack in (work / "repo" / "packs").rglob("*"):  # a release by an older publisher
            if pack.is_file():
                pack.unlink()
        unpacked = Timing(lambda: Reader(work / "repo", pinned), runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nlarge release: {prompts:,} prompts (x{prompts / small:.0f} the {small} above)")
    print(f"{'cold verify + load (folder, no cache)':<44} {cold.median * 1e3:8.2f} ms  target "
          f"  200 ms  ratio {cold.median / 0.2:5.2f}  ({cold.median / small_cold:.1f}x the "
          f"{small}-prompt time; best {cold.best * 1e3:.1f} ms, cpu {cold.cpu * 1e3:.1f} ms)")
    print(f"{'  the same release without its pack':<44} {unpacked.median * 1e3:8.2f} ms  "
          f"(one read per blob; pack/no pack {cold.median / unpacked.median:.2f}, cpu "
          f"{cold.cpu / unpacked.cpu:.2f}; best {unpacked.best * 1e3:.1f} ms, cpu "
          f"{unpacked.cpu * 1e3:.1f} ms)")
    print(f"{'warm get()':<44} {get_s * 1e6:8.2f} µs  target    20 µs  ratio {get_s / 20e-6:5.2f}"
          f"  ({get_s / small_get:.2f}x the {small}-prompt time)")
    print(f"{'memory while loading (peak / held after)':<44} {peak / 1e6:8.1f} MB  target    50 MB"
          f"  ratio {peak / 50e6:5.2f}  (held {held / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
