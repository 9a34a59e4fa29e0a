"""Running the real `promptpress` command in a subprocess, on a temporary workspace."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    code: int
    out: str
    err: str


class CLI:
    def __init__(self, workspace: Path) -> None:
        self.workspace = workspace
        self.env = dict(os.environ)
        self.env["PYTHONPATH"] = str(ROOT)
        self.env["PROMPTPRESS_AUTHOR"] = "Test Author"

    def __call__(self, *args: str, input: str | None = None, timeout: float = 60,
                 env: dict | None = None) -> Result:
        proc = subprocess.run(
            [sys.executable, "-m", "desktop.main", "--workspace", str(self.workspace), *args],
            input=input, capture_output=True, timeout=timeout, cwd=ROOT,
            env={**self.env, **(env or {})}, encoding="utf-8",
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli(tmp_path) -> CLI:
    return CLI(tmp_path / "cli.promptpress")
