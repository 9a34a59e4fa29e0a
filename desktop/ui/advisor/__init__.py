"""The Suggestions panel: the advisor (desktop.core.advisor) for the prompt of a tab."""

from .panel import SuggestionsDialog

__all__ = ["SuggestionsDialog"]
