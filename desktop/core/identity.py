"""Who is saving: the author recorded on versions and releases."""

from __future__ import annotations

import getpass
import os


def author_name() -> str:
    name = os.environ.get("PROMPTPRESS_AUTHOR", "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # no user database entry (containers)
        return "unknown"
