"""Who calls what next: per-provider queues under a global and a per-provider limit.

The runner starts `concurrency` workers (the global limit). Each asks `next()` for a job; it gets
one for a provider that has a job ready, a free slot (its `max_concurrency`) and is not paused,
taking providers in turn so that a slow or limited provider never holds up the others. A job
that must wait (backoff after a timeout or 5xx) goes to a timed heap with `retry_later`; a 429
`pause`s its whole provider, so the other workers stop calling it too until Retry-After passes.

Judge calls made while scoring take a slot of the judge's provider with `slot()`; waiting
judges go before new jobs of that provider, so scoring is never starved by fresh calls.

Wake-ups are targeted (one waiter per freed slot or new job, chained while work remains), so
32 workers cost nothing while they are all busy; waiters also wake when the next delayed job
or pause is due.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

Job = TypeVar("Job")


class Scheduler(Generic[Job]):
    def __init__(self, limits: Mapping[str, int | None], *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._limits = {name: (limit if limit and limit > 0 else None)
                        for name, limit in limits.items()}
        self._clock = clock
        self._ready: dict[str, deque[Job]] = {name: deque() for name in self._limits}
        self._delayed: list[tuple[float, int, str, Job]] = []
        self._seq = itertools.count()
        self._in_flight: dict[str, int] = dict.fromkeys(self._limits, 0)
        self._paused_until: dict[str, float] = dict.fromkeys(self._limits, 0.0)
        self._judges_waiting: dict[str, int] = dict.fromkeys(self._limits, 0)
        self._order = list(self._limits)
        self._turn = 0
        self._pending = 0  # jobs queued, delayed or being worked on
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._closed = False
        self.max_in_flight: dict[str, int] = dict.fromkeys(self._limits, 0)

    # ---- the work ----------------------------------------------------------------------

    def add_provider(self, name: str, limit: int | None) -> None:
        """Make a provider known (a judge's, found while scoring)."""
        if name not in self._limits:
            self._limits[name] = limit if limit and limit > 0 else None
            self._ready[name] = deque()
            self._in_flight[name] = 0
            self._paused_until[name] = 0.0
            self._judges_waiting[name] = 0
            self.max_in_flight[name] = 0
            self._order.append(name)

    def put(self, provider: str, jobs: Iterable[Job]) -> None:
        queue = self._ready[provider]
        before = len(queue)
        queue.extend(jobs)
        self._pending += len(queue) - before
        self._notify()

    @property
    def pending(self) -> int:
        return self._pending

    def in_flight(self, provider: str) -> int:
        return self._in_flight[provider]

    def close(self) -> None:
        """Stop handing out jobs: every waiting and future `next()` returns None."""
        self._closed = True
        self._notify(all_waiters=True)

    async def next(self) -> tuple[str, Job] | None:
        """The next job and its provider, with a slot of that provider taken (give it back with
        `release`). None when every job is done, or after `close()`."""
        while True:
            if self._closed:
                return None
            now = self._clock()
            self._promote(now)
            picked = self._pick(now)
            if picked is not None:
                provider, job = picked
                self._take(provider)
                if self._can_pick(now):
                    self._notify()  # chain: let another idle worker take the next one
                return provider, job
            if self._pending == 0:
                self._notify(all_waiters=True)
                return None
            await self._wait(self._next_due(now))

    def release(self, provider: str) -> None:
        """Give back the provider slot `next()` or `slot()` took."""
        self._in_flight[provider] -= 1
        # A judge waiting for this provider must hear of it, whoever else is waiting.
        self._notify(all_waiters=self._judges_waiting[provider] > 0)

    def done(self) -> None:
        """A job is finished for good (its result recorded)."""
        self._pending -= 1
        if self._pending == 0:
            self._notify(all_waiters=True)

    def retry_later(self, provider: str, job: Job, delay: float) -> None:
        """Queue the job again, not before `delay` seconds from now (ahead of new jobs)."""
        heapq.heappush(self._delayed, (self._clock() + max(0.0, delay), next(self._seq),
                                       provider, job))
        self._notify()

    def pause(self, provider: str, seconds: float) -> None:
        """Make no new call to `provider` for `seconds` (a 429 told us to wait)."""
        until = self._clock() + max(0.0, seconds)
        if until > self._paused_until[provider]:
            self._paused_until[provider] = until

    def paused_for(self, provider: str) -> float:
        return max(0.0, self._paused_until[provider] - self._clock())

    @asynccontextmanager
    async def slot(self, provider: str) -> AsyncIterator[None]:
        """Hold one slot of `provider` outside the job queue (judge calls)."""
        self._judges_waiting[provider] += 1
        try:
            while True:
                if self._closed:
                    raise asyncio.CancelledError()
                now = self._clock()
                if self._has_room(provider, now):
                    break
                until = self._paused_until[provider]
                await self._wait(until - now if until > now else None)
        finally:
            self._judges_waiting[provider] -= 1
        self._take(provider)
        try:
            yield
        finally:
            self.release(provider)

    # ---- internals ---------------------------------------------------------------------

    def _take(self, provider: str) -> None:
        n = self._in_flight[provider] = self._in_flight[provider] + 1
        if n > self.max_in_flight[provider]:
            self.max_in_flight[provider] = n

    def _has_room(self, provider: str, now: float) -> bool:
        limit = self._limits[provider]
        return ((limit is None or self._in_flight[provider] < limit)
                and self._paused_until[provider] <= now)

    def _promote(self, now: float) -> None:
        while self._delayed and self._delayed[0][0] <= now:
            _, _, provider, job = heapq.heappop(self._delayed)
            self._ready[provider].appendleft(job)

    def _pick(self, now: float) -> tuple[str, Job] | None:
        order = self._order
        n = len(order)
        for i in range(n):
            provider = order[(self._turn + i) % n]
            queue = self._ready[provider]
            if queue and not self._judges_waiting[provider] and self._has_room(provider, now):
                self._turn = (self._turn + i + 1) % n
                return provider, queue.popleft()
        return None

    def _can_pick(self, now: float) -> bool:
        return any(q and not self._judges_waiting[p] and self._has_room(p, now)
                   for p, q in self._ready.items())

    def _next_due(self, now: float) -> float | None:
        times = [until for p, until in self._paused_until.items()
                 if until > now and self._ready[p]]
        if self._delayed:
            times.append(self._delayed[0][0])
        return max(0.0, min(times) - now) if times else None

    async def _wait(self, timeout: float | None) -> None:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.append(waiter)
        timer = loop.call_later(timeout, _wake, waiter) if timeout is not None else None
        try:
            await waiter
        finally:
            if timer is not None:
                timer.cancel()
            try:
                self._waiters.remove(waiter)
            except ValueError:
                pass

    def _notify(self, all_waiters: bool = False) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                if not all_waiters:
                    return


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
