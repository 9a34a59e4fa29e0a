"""A monitor's window over its scores, and its alert with hysteresis.

The window is the last N scored calls or the last D days. Its value is the mean of the scored
values; calls whose check failed (a judge error) are counted apart, never as passes or
failures. Below `min_samples` scored calls the window says nothing. An alert opens at the call
that takes the value below the threshold and closes only once the value is back at or above
threshold + margin: noise around the threshold neither closes it nor opens another.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

# Window values are means of floats: 19/20 must count as reaching 0.9 + 0.05.
EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class Point:
    call_pk: int
    time: datetime
    value: float | None  # None: the check failed on this call (an error)


@dataclass
class Window:
    calls: int | None
    days: float | None
    _points: deque[Point] = field(default_factory=deque)
    _sum: float = 0.0
    _scored: int = 0
    _errors: int = 0

    def add(self, point: Point) -> None:
        self._points.append(point)
        self._count(point, 1)
        if self.calls is not None:
            while len(self._points) > self.calls:
                self._count(self._points.popleft(), -1)
        if self.days is not None:
            start = point.time - timedelta(days=self.days)
            while self._points and self._points[0].time < start:
                self._count(self._points.popleft(), -1)

    def _count(self, point: Point, sign: int) -> None:
        if point.value is None:
            self._errors += sign
        else:
            self._scored += sign
            self._sum += sign * point.value

    @property
    def scored(self) -> int:
        return self._scored

    @property
    def errors(self) -> int:
        return self._errors

    @property
    def value(self) -> float | None:
        return self._sum / self._scored if self._scored else None

    def failing(self, threshold: float, limit: int = 200) -> list[int]:
        """The calls in the window that score below the threshold (the alert's causes)."""
        found = [p.call_pk for p in self._points if p.value is not None and p.value < threshold]
        return found[-limit:]


@dataclass(frozen=True, slots=True)
class Transition:
    kind: str  # "open" or "close"
    point: Point
    value: float
    failing: tuple[int, ...] = ()
    worst: float | None = None  # the lowest value while the alert was open (on "close")


@dataclass
class AlertState:
    threshold: float
    margin: float
    min_samples: int
    is_open: bool = False
    worst: float | None = None

    def step(self, window: Window, point: Point) -> Transition | None:
        value = window.value
        if value is None or window.scored < self.min_samples:
            return None
        if self.is_open:
            self.worst = value if self.worst is None else min(self.worst, value)
            if value >= self.threshold + self.margin - EPSILON:
                worst, self.is_open, self.worst = self.worst, False, None
                return Transition("close", point, value, worst=worst)
            return None
        if value < self.threshold - EPSILON:
            self.is_open, self.worst = True, value
            return Transition("open", point, value, tuple(window.failing(self.threshold)))
        return None


@dataclass(frozen=True, slots=True)
class Timeline:
    """What a monitor's chart draws: the window's value after each call (once it has enough
    calls) and where the release changed."""

    points: tuple[tuple[datetime, float], ...]
    releases: tuple[tuple[datetime, int | None], ...]  # (first call's time, release)


def timeline(rows, *, calls: int | None, days: float | None, min_samples: int) -> Timeline:
    """`rows` as storage.workspace.monitors.score_series gives them."""
    window = Window(calls, days)
    points: list[tuple[datetime, float]] = []
    releases: list[tuple[datetime, int | None]] = []
    for pk, time, value, status, release in rows:
        if not releases or releases[-1][1] != release:
            releases.append((time, release))
        window.add(Point(pk, time, value if status == "scored" else None))
        if window.value is not None and window.scored >= min_samples:
            points.append((time, window.value))
    return Timeline(tuple(points), tuple(releases))
