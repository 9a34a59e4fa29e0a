"""Fixtures every test gets: offscreen Qt, a test keyring, no network beyond loopback."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
os.environ.setdefault("LITELLM_LOG", "ERROR")
# Proxies would route loopback test servers elsewhere.
for _var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(_var, None)
os.environ["NO_PROXY"] = "*"

import sys

import keyring
import pytest

from tests.support.keyring_backend import MemoryKeyring


@pytest.fixture(autouse=True)
def collect_garbage_when_due():
    """Once a GUI test has turned automatic collection off in this worker (tests/ui/conftest.py
    `gc_on_gui_thread`), collect after every test, on this thread, as the app's timer would."""
    yield
    garbage = sys.modules.get("desktop.ui.garbage")
    if garbage is not None:
        garbage.collect_due()


@pytest.fixture(autouse=True)
def test_keyring(monkeypatch, tmp_path):
    """A fresh in-memory keychain for this test, and a file one for CLI subprocesses."""
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.support.keyring_backend.FileKeyring")
    monkeypatch.setenv("PROMPTPRESS_TEST_KEYRING_FILE", str(tmp_path / "test-keyring.json"))
    yield backend
    keyring.set_keyring(previous)
