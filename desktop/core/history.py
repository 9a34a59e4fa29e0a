"""Old name of `desktop.core.version_history`, kept while other code still imports it."""

from .version_history import (DraftSeed, HistoryEntry, ReleaseRef, diff, fork, restore,
                              version_history)

history = version_history

__all__ = ["DraftSeed", "HistoryEntry", "ReleaseRef", "diff", "fork", "history", "restore",
           "version_history"]
