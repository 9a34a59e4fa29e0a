"""Garbage is collected on the GUI thread only (desktop/ui/garbage.py): a Qt object that ends
up in a reference cycle is never destroyed by the writer thread or an executor worker."""

from __future__ import annotations

import gc
import threading
import time
import weakref

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from desktop.ui import garbage

_watching: list[weakref.ref] = []  # outside the garbage: a weakref inside it never calls back


class Tracked:
    """Something in a reference cycle (a controller whose callback refers back to it) that holds
    the last reference to a widget; records on which thread the widget was destroyed."""

    def __init__(self, record: list[str]) -> None:
        self.me = self  # a cycle: only the cyclic collector can free it
        self.widget = QWidget()
        _watching.append(weakref.ref(
            self.widget, lambda _ref: record.append(threading.current_thread().name)))


def _allocate_in_a_thread() -> None:
    """Allocate enough containers in another thread that automatic collection would run there."""
    def churn() -> None:
        for _ in range(20_000):  # small cycles: garbage that only the cyclic collector frees
            loop: list = []
            loop.append(loop)

    worker = threading.Thread(target=churn, name="worker")
    worker.start()
    worker.join()


def test_a_cycle_left_by_the_gui_is_not_collected_in_another_thread(qapp):
    assert not gc.isenabled()  # tests/ui/conftest.py turns it off as the app does
    record: list[str] = []
    Tracked(record)
    _allocate_in_a_thread()
    assert record == []  # automatic collection would have destroyed it on "worker"
    found = garbage.collect_due()
    assert found > 0
    assert record == [threading.main_thread().name]


def test_automatic_collection_would_destroy_it_in_the_other_thread(qapp):
    """What the module prevents (so the test above can fail): with gc on, the worker frees it."""
    record: list[str] = []
    garbage.give_back()
    try:
        gc.collect()
        Tracked(record)
        _allocate_in_a_thread()
    finally:
        garbage.take_over()
    gc.collect()
    assert record == ["worker"]


def test_the_apps_timer_collects_on_the_gui_thread(qapp):
    record: list[str] = []
    collector = garbage.GuiThreadCollector(interval_ms=10)
    try:
        Tracked(record)
        _allocate_in_a_thread()
        deadline = time.monotonic() + 5
        while not record and time.monotonic() < deadline:
            QCoreApplication.processEvents()
            time.sleep(0.005)
    finally:
        collector.stop()
        collector.deleteLater()
        garbage.take_over()  # the rest of the session, as the fixture set it
    assert record == [threading.main_thread().name]
