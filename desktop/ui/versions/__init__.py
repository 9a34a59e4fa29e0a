"""Versions on screen: a prompt's history, and diffs that show every byte.

    HistoryPanel(workspace, prompt_name, writer=...)   timeline + diff of the selection
    DiffView(old, new, titles)                         two PromptContents compared
    DraftDiffDialog(draft, saved, ...)                 the open draft against its saved version
"""

from .diff_view import INLINE, SIDE_BY_SIDE, DiffView, DraftDiffDialog
from .history_model import HistoryModel
from .history_panel import HistoryPanel

__all__ = ["INLINE", "SIDE_BY_SIDE", "DiffView", "DraftDiffDialog", "HistoryModel",
           "HistoryPanel"]
