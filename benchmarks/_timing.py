"""The median of a few timed calls, in milliseconds, for the benchmarks."""

from __future__ import annotations

import statistics
import time


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)
