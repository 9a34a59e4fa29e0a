"""When to call again: bounded retries with jittered exponential backoff, and Retry-After.

- Rate limited (429) with Retry-After: wait what it says, pausing the whole provider; up to
  `max_rate_limited` times per call, never longer than `max_wait` at once (a provider asking
  for an hour is out of quota: that is the cell's error). Without Retry-After (often a quota
  or billing refusal): the backoff, `max_attempts` calls in all.
- Timeout, 5xx, a dropped connection or a malformed answer (`ProviderError.retryable`): up to
  `max_attempts` calls in all, waiting `backoff(n)` between them.
- Anything else (bad key, unknown model, context too long, a refused request) is final.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 3  # calls per cell for timeouts and provider failures, the first included
    max_rate_limited: int = 8  # 429s a cell may meet before its error is kept
    base_delay: float = 0.5  # seconds before the first retry (before jitter)
    max_delay: float = 20.0
    max_wait: float = 120.0  # the longest Retry-After honoured

    def rate_limit_wait(self, times: int, retry_after: float | None) -> float | None:
        """Seconds to wait after a call's `times`-th 429, or None to give up."""
        if retry_after is None:
            return self.backoff(times) if times < self.max_attempts else None
        if times > self.max_rate_limited or retry_after > self.max_wait:
            return None
        return retry_after

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Delay after the `attempt`-th failure (1-based): exponential, "equal jitter"."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** max(0, attempt - 1)))
        return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)
