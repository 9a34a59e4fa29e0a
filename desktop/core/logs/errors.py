"""The problems a pull meets: one for the whole pull (a sink it cannot read), one per file/line."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.core.errors import UserError


class LogsError(UserError):
    """A logs request the user can act on: an unreachable sink, an unknown test set..."""


@dataclass(frozen=True, slots=True)
class Problem:
    """Something in a sink that was skipped: a file, or one line of it (1-based)."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"
