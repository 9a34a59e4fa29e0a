"""Build the self-contained Promptpress app with PyInstaller, for the platform this runs on.

    python packaging/app/build.py [--dist DIR] [--work DIR] [--clean]

Linux:   DIST/promptpress/promptpress (one folder) with promptpress.desktop, the icon and
         install-desktop-entry.sh beside it.
macOS:   DIST/Promptpress.app.
Windows: DIST/promptpress/promptpress.exe (one folder).

The defaults put everything under build/app/ in the repository (ignored by git); `./dev package`
runs this. Prints where the app is, how long the build took and its size on disk.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SPECS = {"linux": "promptpress-linux.spec", "darwin": "promptpress-macos.spec",
         "win32": "promptpress-windows.spec"}


def spec_for(platform: str = sys.platform) -> Path:
    key = "linux" if platform.startswith("linux") else platform
    if key not in SPECS:
        raise SystemExit(f"No spec file for {platform}; there are: {', '.join(SPECS)}")
    return HERE / SPECS[key]


def app_path(dist: Path, platform: str = sys.platform) -> Path:
    """The executable (Linux, Windows) or the bundle (macOS) a build leaves in `dist`."""
    if platform == "darwin":
        return dist / "Promptpress.app"
    return dist / "promptpress" / ("promptpress.exe" if platform == "win32" else "promptpress")


def executable(dist: Path, platform: str = sys.platform) -> Path:
    """What to run: on macOS, the binary inside the bundle."""
    path = app_path(dist, platform)
    return path / "Contents" / "MacOS" / "promptpress" if platform == "darwin" else path


def size_on_disk(path: Path) -> int:
    return sum(f.lstat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def build(dist: Path, work: Path, *, clean: bool = False) -> Path:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        raise SystemExit("PyInstaller is not installed: pip install -c constraints.txt -e '.[package]' "
                         "(./dev package does this)") from None
    env = dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True")
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
           "--distpath", str(dist), "--workpath", str(work), str(spec_for())]
    if clean:
        cmd.insert(3, "--clean")
    subprocess.run(cmd, check=True, cwd=ROOT, env=env)
    folder = app_path(dist).parent if sys.platform != "darwin" else app_path(dist)
    if sys.platform.startswith("linux"):
        for name in ("promptpress.desktop", "install-desktop-entry.sh"):
            shutil.copy2(HERE / name, folder / name)
        (folder / "install-desktop-entry.sh").chmod(0o755)
        shutil.copy2(ROOT / "resources" / "icons" / "promptpress.png", folder / "promptpress.png")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "build" / "app" / "dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "app" / "work")
    parser.add_argument("--clean", action="store_true", help="drop PyInstaller's cache first")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    folder = build(args.dist.resolve(), args.work.resolve(), clean=args.clean)
    took = time.perf_counter() - start
    print(f"built {executable(args.dist.resolve())}")
    print(f"build time {took:.0f} s, size on disk {size_on_disk(folder) / 1e6:.0f} MB ({folder})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
