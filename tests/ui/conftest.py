"""Fixtures for the GUI tests: a qasync loop per test, a temporary workspace, the loopback model
server, and teardown checks that nothing leaked (top-level widgets, QThreads, QTimers, threads,
asyncio tasks).

pytest-qt does not drive qasync. The `aio` fixture makes one qasync loop per test, marked running
for the whole test as the app's is; `aio.run(coro_or_task)` spins Qt until it is done and returns
its result, `aio.wait(predicate)` until something becomes true. Exceptions that reach the loop's
handler or the app's excepthook (`crash.set_reporter`) fail the test.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
import traceback
from pathlib import Path
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
import qasync
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QThread, QTimer
from PySide6.QtCore import QEventLoop as QtCoreEventLoop
from PySide6.QtWidgets import QApplication

from desktop.core import providers as core_providers
from desktop.ui import crash, garbage
from desktop.ui.app import configure_loop
from storage.workspace.db import Workspace
from tests.support.fake_provider import FakeProvider


class Aio:
    """The test's event loop, "running" for the whole test as it is for the app's lifetime.

    A qasync loop runs its callbacks whenever Qt processes events, so a loop that is only
    running inside run_until_complete would step tasks with no running loop between calls.
    Here the loop is marked running from the start and Qt's event loop is spun until the
    awaited thing is done.
    """

    def __init__(self, loop: qasync.QEventLoop) -> None:
        self.loop = loop
        self.errors: list[str] = []

    def _spin_until(self, done: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not done() and time.monotonic() < deadline:
            QCoreApplication.processEvents(QtCoreEventLoop.ProcessEventsFlag.AllEvents, 5)
            garbage.collect_due()  # as the app's timer does, on this (the GUI) thread
            if not done():
                time.sleep(0.001)

    def run(self, awaitable: Any, timeout: float = 20.0) -> Any:
        """Run a coroutine (or wait for a task) on the loop and return its result."""
        task = asyncio.ensure_future(asyncio.wait_for(asyncio.shield(asyncio.ensure_future(awaitable)), timeout))
        self._spin_until(task.done, timeout + 5)
        if not task.done():
            task.cancel()
            raise AssertionError(f"{awaitable!r} did not finish in {timeout} s")
        return task.result()

    def wait(self, predicate: Callable[[], Any], timeout: float = 10.0, what: str = "",
             state: Callable[[], Any] | None = None) -> Any:
        result: list[Any] = []

        def check() -> bool:
            value = predicate()
            if value:
                result.append(value)
            return bool(value)

        self._spin_until(check, timeout)
        if not result:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or predicate}"
                                 + (f"; state: {state()}" if state else ""))
        return result[0]

    def sleep(self, seconds: float) -> None:
        self.run(asyncio.sleep(seconds), timeout=seconds + 5)

    def record(self, text: str) -> None:
        self.errors.append(text)


@pytest.fixture(scope="session", autouse=True)
def gc_on_gui_thread(qapp):
    """As the app does (desktop/ui/garbage.py): no automatic garbage collection, which could
    destroy a Qt object in the writer or a worker thread; collection runs on this thread (while
    the loop spins and after each test), for the rest of this worker's tests."""
    garbage.take_over()
    yield
    garbage.give_back()


@pytest.fixture(scope="session")
def litellm_loaded() -> None:
    """Import litellm once for the session (seconds), as the app does at start-up."""
    from desktop.core import gateway

    gateway.preload()


class CrashLog(list):
    """What reached the app's crash handler (`crash.excepthook`) during one test."""


@pytest.fixture(autouse=True)
def own_settings(tmp_path, monkeypatch):
    """Qt settings (last-used folders) and the user data folder (where the sample workspace is
    copied) in the test's folder, never the user's."""
    from PySide6.QtCore import QSettings

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "user-data"))
    monkeypatch.setenv("PROMPTPRESS_OLLAMA_URL", "http://127.0.0.1:1")  # closed: no Ollama

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(tmp_path / "settings"))
    yield


@pytest.fixture(autouse=True)
def crash_log(monkeypatch) -> CrashLog:
    """For every UI test: a bug that reaches the app's crash handler fails the test.

    The app's own `sys.excepthook` (`crash.excepthook`) stays installed, as `run_app` installs it;
    only its last step, the crash dialog, becomes a recorded failure.
    """
    log = CrashLog()

    def reporter(exc_type, exc, tb) -> None:
        log.append("".join(traceback.format_exception(exc_type, exc, tb)))

    crash.set_reporter(reporter)
    monkeypatch.setattr("sys.excepthook", crash.excepthook)
    yield log
    crash.set_reporter(None)
    if log:
        pytest.fail("errors reached the crash handler:\n\n" + "\n".join(log))


@pytest.fixture
def aio(qapp, crash_log) -> Aio:
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    helper = Aio(loop)
    helper.errors = crash_log
    configure_loop(loop)  # as run_app does; the handler below wraps the app's own

    def handler(loop_, context: dict) -> None:
        if context.get("exception") is None:  # "Task was destroyed but it is pending!" and kin
            helper.record(f"asyncio: {context.get('message')}")
        # The app's own handler: exceptions from tasks and callbacks go to the crash handler.
        crash.loop_exception_handler(loop_, context)

    loop.set_exception_handler(handler)
    yield helper
    try:
        from desktop.core import gateway

        helper.run(gateway.aclose())
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            helper.run(asyncio.gather(*pending, return_exceptions=True))
            helper.record(f"{len(pending)} asyncio task(s) were still running at the end: "
                          + ", ".join(repr(t.get_coro()) for t in pending))
    finally:
        qapp.aboutToQuit.disconnect(loop._after_run_forever)
        loop.stop()
        asyncio.events._set_running_loop(None)
        loop.close()
        asyncio.set_event_loop(None)


def _describe(widget) -> str:
    """A leaked window by what shows who made it: class, name, title, first children."""
    children = ", ".join(f"{type(c).__name__}:{c.objectName()}" for c in widget.children()[:4])
    return f"{type(widget).__name__} {widget.objectName()!r} {widget.windowTitle()!r} [{children}]"


def _process_deletions() -> None:
    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QCoreApplication.processEvents()


def _live(objects, kind) -> list:
    out = []
    for obj in objects:
        try:
            if isinstance(obj, kind) and shiboken6.isValid(obj):
                out.append(obj)
        except ReferenceError:
            continue
    return out


@pytest.fixture(autouse=True)
def no_leaks(qapp):
    """Fail a test that leaves a top-level widget, a running QThread or QTimer, or a thread."""
    _process_deletions()
    widgets_before = {id(w) for w in QApplication.topLevelWidgets()}
    threads_before = set(threading.enumerate())
    yield
    _process_deletions()
    gc.collect()
    _process_deletions()
    leaked_widgets = [w for w in QApplication.topLevelWidgets()
                      if id(w) not in widgets_before and shiboken6.isValid(w)
                      and type(w).__name__ not in ("QTipLabel",)]
    objects = gc.get_objects()
    timers = [t for t in _live(objects, QTimer) if t.isActive()]
    qthreads = [t for t in _live(objects, QThread) if t.isRunning()]
    deadline = time.monotonic() + 2
    while True:
        threads = [t for t in threading.enumerate() if t not in threads_before and t.is_alive()]
        if not threads or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    problems = []
    if leaked_widgets:
        problems.append(f"top-level widgets left: {[_describe(w) for w in leaked_widgets]}")
        for w in leaked_widgets:
            w.close()
            w.deleteLater()
        _process_deletions()
    if timers:
        problems.append(f"active QTimers left: {len(timers)} "
                        f"{[(t.objectName(), type(t.parent()).__name__) for t in timers]}")
        for t in timers:
            t.stop()
    if qthreads:
        problems.append(f"running QThreads left: {len(qthreads)}")
    if threads:
        problems.append(f"threads left: {[t.name for t in threads]}")
    if problems:
        pytest.fail("; ".join(problems))


@pytest.fixture
def workspace(tmp_path) -> Workspace:
    ws = Workspace.open(tmp_path / "test.promptpress")
    yield ws
    ws.close()


@pytest.fixture
def fake_provider(litellm_loaded) -> FakeProvider:
    server = FakeProvider(latency=0.0, chunk_interval=0.0)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def provider(workspace, fake_provider) -> str:
    """A provider named "fake" on the loopback server, its key in the (test) keychain."""
    core_providers.add_provider(workspace, "fake", "openai/echo", base_url=fake_provider.base_url,
                                api_key="sk-test-key")
    return "fake"


class ViewHarness:
    """A workspace view in a window of its own, sized like the real one."""

    def __init__(self, aio: Aio, workspace: Workspace) -> None:
        from desktop.ui.workspace_view import WorkspaceView

        self.aio = aio
        self.workspace = workspace
        self.view = WorkspaceView(workspace)
        self.view.resize(1400, 860)
        self.view.ask_close_tab = lambda tab: pytest.fail(f"unexpected question closing {tab.name}")
        self.view.ask_quit_while_running = lambda n: True
        self.view.show()
        aio.run(self.view.wait_loaded())

    def open(self, name: str):
        return self.aio.run(self.view.open_prompt_async(name))

    def close(self) -> None:
        if self.view is None:
            return
        self.view.shutdown()
        self.aio.run(self.view.tasks.wait(), timeout=10)
        self.view.close()
        self.view.deleteLater()
        self.view = None
        _process_deletions()


@pytest.fixture
def harness(aio, workspace):
    h = ViewHarness(aio, workspace)
    yield h
    h.close()


def type_text(widget, text: str) -> None:
    """Type any text, key by key (QTest.keyClicks only knows Latin-1 and aborts on Arabic)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QKeyEvent

    keys = {"\n": Qt.Key.Key_Return, "\t": Qt.Key.Key_Tab}  # what the Enter and Tab keys send
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            key = keys.get(ch, Qt.Key.Key_unknown)
            event = QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier,
                              "\r" if ch == "\n" else ch)
            QApplication.sendEvent(widget, event)


def answering(reply: Callable[..., Any]) -> Callable[..., Coroutine[Any, Any, Any]]:
    """A stand-in for one of the app's `async def ask_…` questions: answers with `reply(...)`."""
    async def ask(*args: Any, **kwargs: Any) -> Any:
        return reply(*args, **kwargs)
    return ask


def save_prompt(workspace: Workspace, name: str, *messages: tuple[str, str], **fields) -> str:
    """Save a version of `name` with these (role, text) messages; returns its version id."""
    from storage.releases.content import Message, PromptContent
    from storage.workspace import prompts as repo

    content = PromptContent(messages=tuple(Message(r, t) for r, t in messages), **fields)
    with workspace.session() as session:
        return repo.save_version(session, name, content).version.version_id


@pytest.fixture
def open_app(aio, tmp_path):
    """open_app(path=None, populate=None, size=(1400, 900)) -> AppHarness on the real MainWindow.

    `populate(workspace)` fills the workspace file before the app opens it (the app holds a lock).
    """
    from tests.ui.real_app import AppHarness

    opened: list[AppHarness] = []

    import os

    default = tuple(int(n) for n in os.environ.get("PROMPTPRESS_SIZE", "1400x900").split("x"))

    def make(path=None, populate=None, size=default) -> AppHarness:
        path = path or tmp_path / "journey.promptpress"
        if populate is not None:
            with Workspace.open(path) as ws:
                populate(ws)
        app = AppHarness(aio, path, size)
        opened.append(app)
        return app

    yield make
    problems = []
    for app in opened:
        try:
            app.close()
        except AssertionError as exc:
            problems.append(str(exc))
    _process_deletions()
    if problems:
        pytest.fail("\n".join(problems))


@pytest.fixture(scope="session")
def reader_wheel(tmp_path_factory) -> Path:
    """The engineers' reader, `promptpress_reader`, built from packaging/ once per session."""
    import subprocess
    import sys

    out = tmp_path_factory.mktemp("reader-dist")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, str(root / "packaging" / "reader" / "build.py"),
                           str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return Path(done.stdout.strip().splitlines()[-1])
