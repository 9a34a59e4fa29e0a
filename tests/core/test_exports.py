"""Every name a package or module lists in `__all__` exists (a rename left none behind)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted(
    ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    for top in ("desktop", "storage")
    for path in (ROOT / top).rglob("*.py")
    if "migrations" not in path.parts and "__all__" in path.read_text(encoding="utf-8")
)


def test_the_modules_with_exports_are_found():
    assert "desktop.core.gateway" in MODULES and len(MODULES) > 15


@pytest.mark.parametrize("name", MODULES)
def test_every_exported_name_exists(name):
    module = importlib.import_module(name)
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ lists names it does not have: {missing}"
