"""Coroutines on the one loop, and one worker thread for workspace writes.

`TaskSet` keeps its tasks referenced (the loop holds only weak references), lets them be
cancelled together, and sends a bug in any of them to the one excepthook. `Writer` runs
database writes in order on one thread, so the GUI never waits on SQLite.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


def report_bug(exc: BaseException) -> None:
    sys.excepthook(type(exc), exc, exc.__traceback__)


class TaskSet:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task] = set()
        self._finishing: set[asyncio.Task] = set()

    def spawn(self, coro: Coroutine[Any, Any, T], *, finish: bool = False) -> asyncio.Task[T]:
        """Run `coro` on the loop. `finish`: work that must end even when its window closes
        (saving what the user typed): `cancel_all` leaves it running, `wait` waits for it."""
        task = asyncio.get_event_loop().create_task(coro)
        self._tasks.add(task)
        if finish:
            self._finishing.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        self._finishing.discard(task)
        if not task.cancelled() and task.exception() is not None:
            report_bug(task.exception())

    def cancel_all(self) -> None:
        for task in list(self._tasks - self._finishing):
            task.cancel()

    async def wait(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def __len__(self) -> int:
        return len(self._tasks)

    def __bool__(self) -> bool:
        # An empty set is still a set: `tasks or TaskSet()` gave every panel a TaskSet of its
        # own, so closing a window neither cancelled nor waited for its panels' work.
        return True


async def delete_when_done(widget, *waits: Callable[[], Coroutine[Any, Any, Any]]) -> None:
    """Delete a closed window only once the coroutines working on it have ended.

    A window deleted at once (WA_DeleteOnClose) leaves its cancelled coroutines to wake up on
    deleted widgets; here each `waits` (e.g. `tasks.wait`) is awaited first.
    """
    import shiboken6

    for wait in waits:
        await wait()
    if shiboken6.isValid(widget):
        widget.deleteLater()


class Writer:
    """One thread for workspace writes: ordered, off the GUI thread, waited for at shutdown."""

    def __init__(self, name: str = "promptpress-writer") -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._closed = False

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        return self._pool.submit(fn, *args)

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.wrap_future(self._pool.submit(fn, *args, **kwargs))

    def drain(self) -> None:
        """Block until every write submitted so far is done (shutdown, tests)."""
        if not self._closed:
            self._pool.submit(lambda: None).result()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._pool.shutdown(wait=True)
