"""The Monitors window (monitors of a prompt, their score over time, open alerts) and the
fine-tuning export dialog."""

from .finetune_dialog import FinetuneDialog
from .window import MonitorsWindow

__all__ = ["FinetuneDialog", "MonitorsWindow"]
