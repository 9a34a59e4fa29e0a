"""Build the promptpress-reader wheel from storage/releases (the app's own source).

    python packaging/reader/build.py [OUT_DIR]      # default: dist/

pyproject.toml beside this file maps the import name `promptpress_reader` onto
`../../storage/releases`; this script only clears setuptools' leftovers first (a stale build/
folder could otherwise ship a module that was since deleted) and after, and prints the wheel path.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def _clean() -> None:
    shutil.rmtree(HERE / "build", ignore_errors=True)
    for info in HERE.glob("*.egg-info"):
        shutil.rmtree(info, ignore_errors=True)


def build(out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    _clean()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                            "--wheel-dir", tmp, str(HERE)], check=True)
            (wheel,) = Path(tmp).glob("promptpress_reader-*.whl")
            target = out_dir / wheel.name
            shutil.copy2(wheel, target)
    finally:
        _clean()
    return target


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "dist"
    print(build(out))
