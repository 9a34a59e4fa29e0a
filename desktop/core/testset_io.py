"""Old home of the test-set file code, now `desktop.core.testsets`; kept for its importers
(the UI and the CLI)."""

from desktop.core import testsets as _testsets
from desktop.core.testsets import *  # noqa: F403

__all__ = list(_testsets.__all__)
