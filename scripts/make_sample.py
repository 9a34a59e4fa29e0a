"""Build the sample workspace from resources/sample/sample.json into a folder, as the app does
on Help → Open Sample Workspace, and say what it holds and how long it took.

    .venv/bin/python scripts/make_sample.py [FOLDER]      (default: a new temporary folder)

Edit sample.json to change the sample; this script checks that it still builds (every text
goes through the same storage, evaluator and release code as the app's).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def main(argv: list[str]) -> int:
    from desktop.core.ops import sample
    from desktop.core.ops.workspace import copy_sample
    from storage.workspace import prompts as repo
    from storage.workspace import runs as run_repo
    from storage.workspace.db import Workspace

    folder = Path(argv[0]) if argv else Path(tempfile.mkdtemp(prefix="promptpress-sample-"))
    if folder.exists() and any(folder.iterdir()) and not (folder / sample.MARKER).exists():
        print(f"{folder} holds other files; choose an empty or new folder.", file=sys.stderr)
        return 1
    start = time.perf_counter()
    path = copy_sample(folder, fresh=True)
    took = time.perf_counter() - start
    with Workspace.open(path) as ws, ws.session() as session:
        prompts = repo.list_prompts(session)
        runs = run_repo.list_runs(session)
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    print(f"{path}: {len(prompts)} prompts, {sum(p.versions for p in prompts)} versions, "
          f"{len(runs)} finished runs, {sample.premade(path).releases} signed releases in "
          f"{folder / sample.RELEASES}; built in {took:.2f} s, {size / 1024:.0f} KiB on disk")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
