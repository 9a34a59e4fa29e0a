"""The statistics behind a verdict: a paired difference with a 95% interval, and whether it
decides anything.

Both columns scored the same cases, so each case gives one difference (candidate − baseline).

- Pass/fail data (every value 0 or 1) gets an exact interval: the shares of cases that got
  better and worse are each bounded by a Clopper–Pearson interval (scipy.stats.binomtest) at
  97.5%, so that both hold together at 95% at least (Bonferroni), and the difference of the
  shares lies between the two bounds' differences. It never claims more than the cases show,
  however few they are: 10 cases that all agree still leave ±36 points.
- Other scores get a paired bootstrap over cases (scipy.stats.bootstrap, BCa, of the mean
  difference), which needs enough cases to be trusted: below MIN_BOOTSTRAP_CASES it decides
  nothing. When every case differs by exactly zero the bootstrap has nothing to resample, so
  the exact bound for "no case differed" is used.

Non-inferiority: a candidate "scores the same" only when the interval's lower end is above
−margin; "worse" when its upper end is below −margin; otherwise the cases do not decide, and
`cases_to_decide` estimates how many would, if the candidate kept doing what it did.
"""

from __future__ import annotations

import math
import sys
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

DEFAULT_CONFIDENCE = 0.95
DEFAULT_MARGIN = 0.02
MIN_BOOTSTRAP_CASES = 20
BOOTSTRAP_RESAMPLES = 9999
_MOST_CASES = 1_000_000

Decision = Literal["better", "same", "worse", "undecided"]


_warming: threading.Thread | None = None


def warm() -> None:
    """Start importing scipy.stats (a second) in a thread of its own, while other work goes on."""
    global _warming
    if _warming is None and "scipy.stats" not in sys.modules:
        _warming = threading.Thread(target=lambda: __import__("scipy.stats"),
                                    name="import scipy.stats", daemon=True)
        _warming.start()


def _scipy_stats():
    if _warming is not None:
        _warming.join()  # never import it twice at once
    import scipy.stats

    return scipy.stats


@dataclass(frozen=True, slots=True)
class Interval:
    """A paired difference (candidate − baseline, on a 0..1 scale) with its interval."""

    estimate: float
    low: float
    high: float
    n: int
    method: Literal["exact", "bootstrap"]
    confidence: float = DEFAULT_CONFIDENCE
    worse: int = 0  # cases where the candidate did worse (exact: failed where the baseline passed)
    better: int = 0

    @property
    def trusted(self) -> bool:
        """Whether there are enough cases for the method to mean what it says."""
        return self.method == "exact" or self.n >= MIN_BOOTSTRAP_CASES


def is_binary(values: Sequence[float]) -> bool:
    return all(v == 0 or v == 1 for v in values)


def paired_interval(baseline: Sequence[float], candidate: Sequence[float], *,
                    confidence: float = DEFAULT_CONFIDENCE, seed: int = 0,
                    resamples: int = BOOTSTRAP_RESAMPLES) -> Interval:
    """The mean of candidate[i] − baseline[i] with its `confidence` interval (see the module)."""
    if len(baseline) != len(candidate):
        raise ValueError("paired data: both sides need one value per case")
    n = len(baseline)
    if n == 0:
        return Interval(0.0, -1.0, 1.0, 0, "exact", confidence)
    if is_binary(baseline) and is_binary(candidate):
        worse = sum(1 for b, c in zip(baseline, candidate) if b == 1 and c == 0)
        better = sum(1 for b, c in zip(baseline, candidate) if b == 0 and c == 1)
        return exact_interval(worse, better, n, confidence=confidence)
    differences = [c - b for b, c in zip(baseline, candidate)]
    worse = sum(1 for d in differences if d < 0)
    better = sum(1 for d in differences if d > 0)
    if worse == better == 0:
        return exact_interval(0, 0, n, confidence=confidence)
    low, high = _bootstrap(differences, confidence, seed, resamples)
    estimate = math.fsum(differences) / n
    return Interval(estimate, min(low, estimate), max(high, estimate), n, "bootstrap",
                    confidence, worse, better)


def exact_interval(worse: int, better: int, n: int, *,
                   confidence: float = DEFAULT_CONFIDENCE) -> Interval:
    """The exact (conservative) interval for (better − worse) / n; see the module."""
    level = 1 - (1 - confidence) / 2
    worse_low, worse_high = clopper_pearson(worse, n, level)
    better_low, better_high = clopper_pearson(better, n, level)
    return Interval((better - worse) / n, better_low - worse_high, better_high - worse_low, n,
                    "exact", confidence, worse, better)


def clopper_pearson(k: int, n: int, confidence: float) -> tuple[float, float]:
    """The exact two-sided interval for a share of k in n: what
    `scipy.stats.binomtest(k, n).proportion_ci(confidence, method="exact")` gives, from the
    beta quantiles it is defined by (a twentieth of the time: no root finding)."""
    beta = _scipy_stats().beta
    tail = (1 - confidence) / 2
    low = 0.0 if k == 0 else float(beta.ppf(tail, k, n - k + 1))
    high = 1.0 if k == n else float(beta.ppf(1 - tail, k + 1, n - k))
    return low, high


def _bootstrap(differences: Sequence[float], confidence: float, seed: int,
               resamples: int) -> tuple[float, float]:
    import numpy as np

    bootstrap = _scipy_stats().bootstrap
    data = (np.asarray(differences, dtype=float),)
    rng = np.random.default_rng(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DegenerateDataWarning: handled by the fallback
        found = bootstrap(data, np.mean, confidence_level=confidence, n_resamples=resamples,
                          method="BCa", random_state=rng, vectorized=True)
        low, high = found.confidence_interval
        if not (math.isfinite(low) and math.isfinite(high)):
            found = bootstrap(data, np.mean, confidence_level=confidence, n_resamples=resamples,
                              method="percentile", random_state=np.random.default_rng(seed),
                              vectorized=True)
            low, high = found.confidence_interval
    return float(low), float(high)


def decide(interval: Interval, margin: float = DEFAULT_MARGIN) -> Decision:
    """Non-inferiority with `margin` (0..1): same (or better) only when the lower end is above
    −margin; worse when the upper end is below −margin."""
    if not interval.trusted:
        return "undecided"
    if interval.low > -margin:
        return "better" if interval.low > 0 else "same"
    if interval.high < -margin:
        return "worse"
    return "undecided"


def cases_to_decide(interval: Interval, margin: float = DEFAULT_MARGIN) -> int | None:
    """About how many cases in all would decide it, if the candidate kept doing what it did on
    these (same shares of better and worse cases, same spread); None when no number would
    (the estimate sits right at −margin)."""
    n = interval.n
    if n and decide(interval, margin) != "undecided":
        return n
    if interval.method == "exact":
        return _exact_cases_to_decide(interval, margin)
    if interval.estimate == -margin:
        return None
    if interval.estimate > -margin:
        width, room = interval.estimate - interval.low, interval.estimate + margin
    else:
        width, room = interval.high - interval.estimate, -margin - interval.estimate
    needed = math.ceil(n * (width / room) ** 2) if room > 0 else None
    if needed is None or needed > _MOST_CASES:
        return None
    return max(needed, MIN_BOOTSTRAP_CASES, n + 1)


def _exact_cases_to_decide(interval: Interval, margin: float) -> int | None:
    n = max(interval.n, 1)
    worse_share, better_share = interval.worse / n, interval.better / n

    def decided(total: int) -> bool:
        scaled = exact_interval(round(worse_share * total), round(better_share * total), total,
                                confidence=interval.confidence)
        return decide(scaled, margin) != "undecided"

    high = n + 1
    while not decided(high):
        high *= 2
        if high > _MOST_CASES:
            return None
    low = max(n, high // 2)
    while high - low > 1:  # the smallest count that decides (near enough: shares are rounded)
        middle = (low + high) // 2
        if decided(middle):
            high = middle
        else:
            low = middle
    return high
