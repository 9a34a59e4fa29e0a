"""The every-action walk (every_action_walk.py) in a fresh process of its own.

It opens every window the app has, one after the other; after other UI tests in the same
process, Qt has crashed (a segfault, not a Python error) while it cancelled a file chooser the
walk opened. In a process of its own the walk shows what a person's session would, and a crash
of any kind fails this test with the walk's output; a walk killed by a signal is walked once
more (and reported), a second crash fails."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

WALK = Path(__file__).with_name("every_action_walk.py")


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_every_action_of_every_window(tmp_path):
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    crashes = []
    for attempt in range(2):
        result = subprocess.run(
            [sys.executable, "-m", "pytest", str(WALK), "-q", "-p", "no:cacheprovider",
             "-p", "no:xdist", "--basetemp", str(tmp_path / f"walk{attempt}")],
            cwd=WALK.parents[3], env=env, capture_output=True, text=True, timeout=600)
        # Killed by a signal (the Qt segfault the docstring names): walk once more, and say so.
        # A Python-level failure (the crash handler reached, an unexpected window) never retries.
        if result.returncode >= 0 or attempt:
            break
        crashes.append(f"walk {attempt + 1} died by signal {-result.returncode}:\n"
                       f"{result.stderr[-1500:]}")
    if crashes:
        print("\n".join(crashes))
    assert result.returncode == 0, (
        f"the walk failed (exit {result.returncode}):\n{result.stdout[-6000:]}\n"
        f"{result.stderr[-3000:]}\n" + "\n".join(crashes))
    assert "1 passed" in result.stdout, result.stdout[-2000:]
