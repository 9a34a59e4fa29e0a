"""Where the default workspace lives. Light on purpose: the app shows its window first."""

from __future__ import annotations

from pathlib import Path


def default_workspace_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("Promptpress", appauthor=False)) / "workspace.promptpress"
