"""The runner's scheduler on its own: limits, turns, pauses, delayed retries, judge slots."""

from __future__ import annotations

import asyncio
import time

from desktop.core.runner.retry import RetryPolicy
from desktop.core.runner.scheduler import Scheduler


def test_providers_take_turns_and_limits_hold():
    async def main():
        scheduler = Scheduler({"a": 1, "b": None})
        scheduler.put("a", ["a1", "a2"])
        scheduler.put("b", ["b1", "b2", "b3"])
        picked = [await scheduler.next() for _ in range(4)]
        # "a" has one slot: after a1 only b's jobs can go until a slot is given back.
        assert picked == [("a", "a1"), ("b", "b1"), ("b", "b2"), ("b", "b3")]
        waiting = asyncio.create_task(scheduler.next())
        await asyncio.sleep(0.01)
        assert not waiting.done()
        scheduler.release("a")
        assert await waiting == ("a", "a2")
        assert scheduler.max_in_flight == {"a": 1, "b": 3}

    asyncio.run(main())


def test_a_pause_holds_every_worker_off_the_provider_and_retries_wait_their_turn():
    async def main():
        scheduler = Scheduler({"a": None})
        scheduler.put("a", ["first", "second"])
        provider, job = await scheduler.next()
        scheduler.release(provider)
        scheduler.pause("a", 0.2)  # a 429 said: wait 0.2 s
        scheduler.retry_later("a", job, 0.2)
        started = time.monotonic()
        order = [await scheduler.next(), await scheduler.next()]
        assert time.monotonic() - started >= 0.19
        assert order == [("a", "first"), ("a", "second")]  # the retry goes ahead of new work

    asyncio.run(main())


def test_workers_stop_when_all_is_done_or_closed():
    async def main():
        scheduler = Scheduler({"a": None})
        scheduler.put("a", ["x"])
        assert await scheduler.next() == ("a", "x")
        idle = asyncio.create_task(scheduler.next())  # nothing to pick: waits for "x"
        await asyncio.sleep(0.01)
        assert not idle.done()
        scheduler.release("a")
        scheduler.done()
        assert await idle is None
        closed = Scheduler({"a": None})
        closed.put("a", ["y"])
        closed.close()
        assert await closed.next() is None

    asyncio.run(main())


def test_a_waiting_judge_goes_before_new_jobs_of_its_provider():
    async def main():
        scheduler = Scheduler({"a": 1})
        scheduler.put("a", ["j1", "j2"])
        assert await scheduler.next() == ("a", "j1")
        order = []

        async def judge():
            async with scheduler.slot("a"):
                order.append("judge")

        async def worker():
            picked = await scheduler.next()
            order.append(picked[1])
            scheduler.release("a")

        tasks = [asyncio.create_task(judge()), asyncio.create_task(worker())]
        await asyncio.sleep(0.01)
        scheduler.release("a")
        await asyncio.gather(*tasks)
        assert order == ["judge", "j2"]

    asyncio.run(main())


def test_backoff_is_exponential_with_jitter_and_capped():
    policy = RetryPolicy(base_delay=1.0, max_delay=5.0)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 5.0), (9, 5.0)]:
        delays = [policy.backoff(attempt) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1
