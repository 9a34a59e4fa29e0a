"""Monitors operations: add, edit, remove and check monitors; acknowledge and resolve alerts.

Reading (a monitor's score series, its alerts) is `series` and `alerts` here too, since they
are one query each.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from desktop.core.monitors import MonitorError, MonitorStatus, parse_check
from desktop.core.monitors import check as check_monitor
from desktop.core.monitors import estimate as estimate_monitor
from desktop.core.monitors.webhook import check_url
from desktop.core.monitors.window import Timeline, timeline
from storage.workspace import monitors as repo
from storage.workspace.db import Workspace
from storage.workspace.models import utcnow
from storage.workspace.monitors import AlertRow, MonitorRow

from . import Changes


def _fields(*, name: str, target: str, check: str, threshold: float | None, margin: float,
            window_calls: int | None, window_days: float | None, min_samples: int,
            sample_rate: float, daily_budget: int | None, webhook: str | None
            ) -> dict[str, Any]:
    name, target = name.strip(), target.strip()
    if not name:
        raise MonitorError("Name the monitor.")
    if not target:
        raise MonitorError("Choose the prompt (or folder, ending in /) the monitor watches.")
    parsed = parse_check(check)
    threshold = parsed.default_threshold if threshold is None else threshold
    for what, number in (("The threshold", threshold), ("The margin", margin)):
        if not (isinstance(number, (int, float)) and math.isfinite(number) and 0 <= number <= 1):
            raise MonitorError(f"{what} must be between 0 and 1, got {number!r}.")
    if (window_calls is None) == (window_days is None):
        raise MonitorError("Give the window as the last N calls or the last D days (one of "
                           "the two).")
    if window_calls is not None and window_calls < 1:
        raise MonitorError("The window must hold at least one call.")
    if window_days is not None and not (math.isfinite(window_days) and window_days > 0):
        raise MonitorError("The window must be more than 0 days.")
    if min_samples < 1:
        raise MonitorError("The minimum sample size must be at least 1.")
    if window_calls is not None and min_samples > window_calls:
        raise MonitorError(f"The minimum sample size ({min_samples}) is more than the window "
                           f"holds ({window_calls} calls): the monitor could never decide.")
    if not (0 < sample_rate <= 1):
        raise MonitorError("The sample rate must be more than 0 and at most 1.")
    if daily_budget is not None and daily_budget < 1:
        raise MonitorError("The daily budget must be at least 1 call.")
    if not parsed.is_judge and (sample_rate != 1 or daily_budget is not None):
        raise MonitorError("Only judge monitors sample: the other checks are cheap and score "
                           "every call.")
    return {"name": name, "target": target, "check_spec": parsed.spec,
            "threshold": float(threshold), "margin": float(margin),
            "window_calls": window_calls, "window_days": window_days,
            "min_samples": min_samples, "sample_rate": float(sample_rate),
            "daily_budget": daily_budget, "webhook": check_url(webhook) if webhook else None}


def add(workspace: Workspace, name: str, target: str, check: str, *,
        threshold: float | None = None, margin: float = 0.05, window_calls: int | None = None,
        window_days: float | None = None, min_samples: int = 20, sample_rate: float = 1.0,
        daily_budget: int | None = None, webhook: str | None = None) -> Changes:
    """Add a monitor on a prompt, or on every prompt of a folder ("folder/"). Without a window,
    the last 100 calls."""
    if window_calls is None and window_days is None:
        window_calls = 100
    fields = _fields(name=name, target=target, check=check, threshold=threshold, margin=margin,
                     window_calls=window_calls, window_days=window_days,
                     min_samples=min(min_samples, window_calls or min_samples),
                     sample_rate=sample_rate, daily_budget=daily_budget, webhook=webhook)
    with workspace.session() as session:
        if repo.get_monitor(session, fields["name"]) is not None:
            raise MonitorError(f"There is already a monitor named {fields['name']}.")
        row = repo.add_monitor(session, **fields)
    return Changes(f"Added the monitor {row.name} on {row.target}: {row.check_spec}, "
                   f"threshold {row.threshold:g} over {window_text(row)}.", logs=True,
                   value=row)


def edit(workspace: Workspace, name: str, /, **changes: Any) -> Changes:
    """Change a monitor. A new threshold, margin or window keeps its scores; a new check,
    target or sampling scores its calls again."""
    with workspace.session() as session:
        current = repo.get_monitor(session, name)
        if current is None:
            raise MonitorError(f"There is no monitor named {name}.")
        merged = {"name": current.name, "target": current.target, "check": current.check_spec,
                  "threshold": current.threshold, "margin": current.margin,
                  "window_calls": current.window_calls, "window_days": current.window_days,
                  "min_samples": current.min_samples, "sample_rate": current.sample_rate,
                  "daily_budget": current.daily_budget, "webhook": current.webhook}
        if "window_calls" in changes or "window_days" in changes:
            merged["window_calls"] = merged["window_days"] = None
        merged.update(changes)
        fields = _fields(**merged)
        if fields["name"] != name and repo.get_monitor(session, fields["name"]) is not None:
            raise MonitorError(f"There is already a monitor named {fields['name']}.")
        row, rescored = repo.update_monitor(session, name, **fields)
    extra = " Its calls will be scored again." if rescored else ""
    return Changes(f"Changed the monitor {row.name}.{extra}", logs=True, value=row)


def remove(workspace: Workspace, name: str) -> Changes:
    with workspace.session() as session:
        if not repo.remove_monitor(session, name):
            raise MonitorError(f"There is no monitor named {name}.")
    return Changes(f"Removed the monitor {name}, its scores and alerts.", logs=True)


def list_monitors(workspace: Workspace, target: str | None = None) -> list[MonitorRow]:
    with workspace.session() as session:
        return repo.list_monitors(session, target)


def check(workspace: Workspace, names: list[str] | None = None, *,
          ask_for_model: Callable[[str], Any] | None = None,
          should_stop: Callable[[], bool] | None = None,
          progress: Callable[[str, int], None] | None = None) -> Changes:
    """Score every monitor's (or the named ones') new logged calls. Value: one MonitorStatus
    per monitor."""
    if names is None:
        names = [m.name for m in list_monitors(workspace)]
    if ask_for_model is None:
        from desktop.core.monitors.judges import asker

        ask_for_model = asker(workspace)
    statuses: list[MonitorStatus] = []
    for name in names:
        if should_stop is not None and should_stop():
            break
        statuses.append(check_monitor(
            workspace, name, ask_for_model=ask_for_model, should_stop=should_stop,
            progress=None if progress is None else (lambda n, name=name: progress(name, n))))
    below = [s.monitor.name for s in statuses if s.below]
    opened = sum(len(s.opened) for s in statuses)
    message = (f"Checked {len(statuses)} monitor{'s' if len(statuses) != 1 else ''}, "
               f"{sum(s.new for s in statuses)} new calls.")
    if below:
        message += f" Below threshold: {', '.join(below)}."
    if opened:
        message += f" {opened} alert{'s' if opened != 1 else ''} opened."
    return Changes(message, logs=True, value=statuses)


def estimate(workspace: Workspace, name: str) -> Any:
    return estimate_monitor(workspace, name)


def series(workspace: Workspace, name: str) -> tuple[MonitorRow, Timeline]:
    """A monitor and its chart: the window's value over time, release changes marked."""
    with workspace.session() as session:
        monitor = repo.get_monitor(session, name)
        if monitor is None:
            raise MonitorError(f"There is no monitor named {name}.")
        rows = repo.score_series(session, monitor.id)
    return monitor, timeline(rows, calls=monitor.window_calls, days=monitor.window_days,
                             min_samples=monitor.min_samples)


def alerts(workspace: Workspace, *, include_closed: bool = False,
           target: str | None = None) -> list[AlertRow]:
    with workspace.session() as session:
        return repo.list_alerts(session, include_closed=include_closed, target=target)


def acknowledge(workspace: Workspace, alert_id: int) -> Changes:
    """Say an open alert is seen: it stays until the window recovers or it is resolved."""
    with workspace.session() as session:
        alert = _alert(session, alert_id)
        if alert.status != "open":
            raise MonitorError(f"Alert {alert_id} is {alert.status}, not open.")
        row = repo.update_alert(session, alert_id, status="acknowledged",
                                acknowledged_at=utcnow())
    return Changes(f"Acknowledged the alert of {row.monitor}.", logs=True, value=row)


def resolve(workspace: Workspace, alert_id: int) -> Changes:
    """Close an alert by hand (the monitor opens a new one if its window is still below)."""
    with workspace.session() as session:
        alert = _alert(session, alert_id)
        if alert.status == "closed":
            raise MonitorError(f"Alert {alert_id} is closed already.")
        row = repo.update_alert(session, alert_id, status="closed", closed_at=utcnow(),
                                closed_by="resolved")
    return Changes(f"Resolved the alert of {row.monitor}.", logs=True, value=row)


def _alert(session: Any, alert_id: int) -> AlertRow:
    alert = repo.get_alert(session, alert_id)
    if alert is None:
        raise MonitorError(f"There is no alert {alert_id}.")
    return alert


def window_text(row: MonitorRow) -> str:
    """“the last 100 calls (at least 20)” or “the last 7 days (at least 20 calls)”."""
    if row.window_calls is not None:
        return f"the last {row.window_calls} calls (at least {row.min_samples})"
    return f"the last {row.window_days:g} days (at least {row.min_samples} calls)"
