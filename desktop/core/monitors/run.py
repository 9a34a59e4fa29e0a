"""Checking a monitor: score the logged calls it has not scored yet (and only those), move its
window over them in order and open or close its alert where the window crosses its threshold.

Judge monitors score a sample: `sample_rate` of the calls (the same calls whatever the order)
and at most `daily_budget` a day; the calls left out are stored as skipped so they are never
read again. `estimate` says beforehand how many judge calls a check would make.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from storage.workspace import monitors as repo
from storage.workspace.db import Workspace
from storage.workspace.monitors import AlertRow, MonitorRow

from . import webhook
from .checks import Check, bind_judge, parse_check, sampled, score_call
from .window import EPSILON, AlertState, Point, Transition, Window

BATCH = 5000


@dataclass(frozen=True)
class MonitorStatus:
    monitor: MonitorRow
    value: float | None  # the window's value now (None: nothing scored)
    scored: int  # scored calls in the window
    errors: int  # calls in the window the check could not score (judge errors)
    new: int  # calls scored (or skipped) by this check
    alert: AlertRow | None  # the alert not closed, if any
    opened: tuple[AlertRow, ...] = ()
    closed: tuple[AlertRow, ...] = ()

    @property
    def enough(self) -> bool:
        return self.value is not None and self.scored >= self.monitor.min_samples

    @property
    def below(self) -> bool:
        """Below its threshold now, with enough calls to say so."""
        return (self.enough and self.value is not None
                and self.value < self.monitor.threshold - EPSILON)

    def as_dict(self) -> dict[str, Any]:
        m = self.monitor
        return {"monitor": m.name, "target": m.target, "check": m.check_spec,
                "threshold": m.threshold, "value": self.value, "scored": self.scored,
                "errors": self.errors, "min_samples": m.min_samples, "new": self.new,
                "below": self.below,
                "alert": None if self.alert is None else alert_dict(self.alert)}


def alert_dict(alert: AlertRow) -> dict[str, Any]:
    return {"id": alert.id, "monitor": alert.monitor, "target": alert.target,
            "status": alert.status, "opened_at": alert.opened_at.isoformat(),
            "opened_call_pk": alert.opened_call_pk, "opened_value": alert.opened_value,
            "worst_value": alert.worst_value, "calls": list(alert.call_pks),
            "closed_at": alert.closed_at.isoformat() if alert.closed_at else None,
            "closed_by": alert.closed_by}


@dataclass(frozen=True)
class Estimate:
    unscored: int  # calls not scored yet
    judge_calls: int  # calls a check would send to the judge (0 for other checks)


def _window(session: Any, monitor: MonitorRow) -> Window:
    window = Window(monitor.window_calls, monitor.window_days)
    if monitor.window_calls is not None:
        prior = repo.scores(session, monitor.id, last=monitor.window_calls)
    else:
        last = repo.scores(session, monitor.id, last=1)
        prior = [] if not last else repo.scores(
            session, monitor.id, since=last[0].time - timedelta(days=monitor.window_days or 0))
    for row in prior:
        window.add(Point(row.call_pk, row.time, row.value if row.status == "scored" else None))
    return window


@dataclass
class _Budget:
    monitor: MonitorRow
    check: Check
    used: dict[str, int] = field(default_factory=dict)

    def take(self, session: Any, log_id: str, time: datetime) -> str | None:
        """None when the call is to be judged, else why not."""
        if not self.check.is_judge:
            return None
        if not sampled(log_id, self.monitor.sample_rate):
            return "not in the sample"
        if self.monitor.daily_budget is not None:
            day = time.strftime("%Y-%m-%d")
            if day not in self.used:
                self.used[day] = repo.scored_per_day(session, self.monitor.id, day)
            if self.used[day] >= self.monitor.daily_budget:
                return "over the daily budget"
            self.used[day] += 1
        return None


def check(workspace: Workspace, name: str, *,
          ask_for_model: Callable[[str], Any] | None = None,
          should_stop: Callable[[], bool] | None = None,
          progress: Callable[[int], None] | None = None,
          notify: bool = True) -> MonitorStatus:
    """Score the monitor's new calls and update its alert. Opened alerts are POSTed to the
    monitor's webhook when it has one (`notify`)."""
    with workspace.session() as session:
        monitor = repo.get_monitor(session, name)
        if monitor is None:
            from .checks import MonitorError

            raise MonitorError(f"There is no monitor named {name}.")
        window = _window(session, monitor)
        alert = repo.current_alert(session, monitor.id)
    the_check = parse_check(monitor.check_spec)
    if the_check.is_judge:
        the_check = bind_judge(the_check, ask_for_model)
    state = AlertState(monitor.threshold, monitor.margin, monitor.min_samples,
                       is_open=alert is not None,
                       worst=alert.worst_value if alert is not None else None)
    budget = _Budget(monitor, the_check)
    opened: list[AlertRow] = []
    closed: list[AlertRow] = []
    new, after = 0, 0
    while should_stop is None or not should_stop():
        with workspace.session() as session:
            calls = repo.unscored_calls(session, monitor, after_pk=after, limit=BATCH,
                                        feedback_only=the_check.feedback is not None)
            if not calls:
                break
            rows, transitions = [], []
            for call in calls:
                skip = budget.take(session, call.log_id, call.time)
                if skip is not None:
                    rows.append((call.pk, call.time, None, "skipped", skip))
                    continue
                value, status, reason = score_call(the_check, call.output, call.error,
                                                   call.variables, negative=call.negative,
                                                   corrected=call.corrected)
                rows.append((call.pk, call.time, value, status, reason))
                if status == "skipped":
                    continue
                point = Point(call.pk, call.time, value if status == "scored" else None)
                window.add(point)
                change = state.step(window, point)
                if change is not None:
                    transitions.append(change)
            repo.store_scores(session, monitor.id, rows)
            for change in transitions:
                alert = _apply(session, monitor, alert, change, opened, closed)
            if alert is not None and state.is_open and state.worst is not None \
                    and state.worst < alert.worst_value:
                alert = repo.update_alert(session, alert.id, worst_value=state.worst)
            repo.mark_checked(session, monitor.id)
        new += len(calls)
        after = calls[-1].pk
        if progress is not None:
            progress(new)
    if notify and monitor.webhook:
        for index, row in enumerate(opened):
            problem = webhook.post(monitor.webhook, _payload(monitor, row))
            if problem is not None:
                with workspace.session() as session:
                    opened[index] = repo.update_alert(session, row.id, webhook_error=problem)
    with workspace.session() as session:
        alert = repo.current_alert(session, monitor.id)
    return MonitorStatus(monitor, window.value, window.scored, window.errors, new, alert,
                         tuple(opened), tuple(closed))


def _apply(session: Any, monitor: MonitorRow, alert: AlertRow | None, change: Transition,
           opened: list[AlertRow], closed: list[AlertRow]) -> AlertRow | None:
    if change.kind == "open":
        row = repo.open_alert(session, monitor.id, at=change.point.time,
                              call_pk=change.point.call_pk, value=change.value,
                              call_pks=change.failing)
        opened.append(row)
        return row
    if alert is None:
        return None
    worst = min(alert.worst_value, change.worst if change.worst is not None else 1.0)
    row = repo.update_alert(session, alert.id, status="closed", closed_at=change.point.time,
                            closed_call_pk=change.point.call_pk, closed_by="recovered",
                            worst_value=worst)
    closed.append(row)
    return None


def _payload(monitor: MonitorRow, alert: AlertRow) -> dict[str, Any]:
    return {"event": "alert.opened", "monitor": monitor.name, "target": monitor.target,
            "check": monitor.check_spec, "threshold": monitor.threshold,
            "value": alert.opened_value, "alert": alert_dict(alert)}


def estimate(workspace: Workspace, name: str) -> Estimate:
    """How many calls a check would score, and how many of them a judge would be asked."""
    with workspace.session() as session:
        monitor = repo.get_monitor(session, name)
        if monitor is None:
            from .checks import MonitorError

            raise MonitorError(f"There is no monitor named {name}.")
        the_check = parse_check(monitor.check_spec)
        budget = _Budget(monitor, the_check)
        unscored = judged = after = 0
        while True:
            calls = repo.unscored_calls(session, monitor, after_pk=after, limit=BATCH,
                                        feedback_only=the_check.feedback is not None)
            if not calls:
                break
            unscored += len(calls)
            if the_check.is_judge:
                judged += sum(budget.take(session, c.log_id, c.time) is None for c in calls)
            after = calls[-1].pk
    return Estimate(unscored, judged)
