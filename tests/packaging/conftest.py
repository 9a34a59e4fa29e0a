"""The built app, once per session: PyInstaller takes minutes, so the build is cached under the
repository's build/test-app/ and rebuilt only when what goes into it changed (a hash of the
sources, the spec files and the pinned versions). xdist workers share it through a file lock.

Without PyInstaller the tests skip, unless PROMPTPRESS_REQUIRE_INSTALLER=1 (`./dev test` sets it),
where they fail.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "build" / "test-app"
INPUTS = ("desktop", "storage", "resources", "packaging/app")
INPUT_FILES = ("pyproject.toml", "constraints.txt")

sys.path.insert(0, str(ROOT / "packaging" / "app"))
import build as app_build  # noqa: E402  packaging/app/build.py

sys.path.remove(str(ROOT / "packaging" / "app"))


def inputs_digest() -> str:
    digest = hashlib.sha256(sys.version.encode())
    files = [ROOT / f for f in INPUT_FILES]
    for folder in INPUTS:
        files += sorted(p for p in (ROOT / folder).rglob("*")
                        if p.is_file() and "__pycache__" not in p.parts)
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@pytest.fixture(scope="session")
def built_app() -> Path:
    """The built app's executable (cached build, see the module docstring)."""
    if importlib.util.find_spec("PyInstaller") is None:
        message = "PyInstaller is not installed (pip install -c constraints.txt -e '.[package]')"
        if os.environ.get("PROMPTPRESS_REQUIRE_INSTALLER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from filelock import FileLock

    CACHE.mkdir(parents=True, exist_ok=True)
    dist, stamp = CACHE / "dist", CACHE / "inputs.sha256"
    with FileLock(str(CACHE / "build.lock")):
        want = inputs_digest()
        executable = app_build.executable(dist)
        if not (stamp.exists() and stamp.read_text() == want and executable.exists()):
            stamp.unlink(missing_ok=True)
            shutil.rmtree(dist, ignore_errors=True)
            app_build.build(dist, CACHE / "work")
            stamp.write_text(want)
    return executable


def app_env(**extra: str) -> dict[str, str]:
    """The built app's environment: offscreen, nothing from the test run's venv or keyring."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "LITELLM_LOCAL_MODEL_COST_MAP", "PYTHON_KEYRING_BACKEND",
                        "PROMPTPRESS_TEST_KEYRING_FILE", "VIRTUAL_ENV")}
    env.update(QT_QPA_PLATFORM="offscreen", PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    env.update(extra)
    return env


def run_app(executable: Path, *args: str, env: dict[str, str], timeout: float = 300,
            cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(executable), *args], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=cwd)
