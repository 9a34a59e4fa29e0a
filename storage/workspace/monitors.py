"""Monitors in the workspace: their definitions, their per-call scores and their alerts (SQL only).

Scores are stored before any threshold, one row per (monitor, logged call): a threshold change
needs no rescoring, and scoring again reads only the calls without a row (`unscored_calls`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from .models import Monitor, MonitorAlert, MonitorScore, utcnow

MONITOR_FIELDS = ("name", "target", "check_spec", "threshold", "margin", "window_calls",
                  "window_days", "min_samples", "sample_rate", "daily_budget", "webhook")


@dataclass(frozen=True, slots=True)
class MonitorRow:
    id: int
    name: str
    target: str  # a prompt name, or a folder ending in "/"
    check_spec: str
    threshold: float
    margin: float
    window_calls: int | None
    window_days: float | None
    min_samples: int
    sample_rate: float
    daily_budget: int | None
    webhook: str | None
    checked_at: datetime | None


@dataclass(frozen=True, slots=True)
class CallToScore:
    pk: int
    log_id: str
    prompt: str
    time: datetime
    variables: str  # JSON text
    output: str | None
    error: str | None
    negative: bool  # has thumbs-down feedback
    corrected: bool  # has a corrected output


@dataclass(frozen=True, slots=True)
class ScoreRow:
    call_pk: int
    time: datetime
    value: float | None
    status: str  # scored, error, skipped


@dataclass(frozen=True, slots=True)
class AlertRow:
    id: int
    monitor_id: int
    monitor: str
    target: str
    status: str
    opened_at: datetime
    opened_call_pk: int | None
    opened_value: float
    worst_value: float
    call_pks: tuple[int, ...]
    acknowledged_at: datetime | None
    closed_at: datetime | None
    closed_by: str | None
    webhook_error: str | None


def _row(m: Monitor) -> MonitorRow:
    return MonitorRow(m.id, m.name, m.target, m.check_spec, m.threshold, m.margin,
                      m.window_calls, m.window_days, m.min_samples, m.sample_rate,
                      m.daily_budget, m.webhook, m.checked_at)


def add_monitor(session: Session, **fields: Any) -> MonitorRow:
    monitor = Monitor(**{k: fields[k] for k in MONITOR_FIELDS})
    session.add(monitor)
    session.flush()
    return _row(monitor)


def update_monitor(session: Session, current: str, /, **fields: Any) -> tuple[MonitorRow, bool]:
    """Change a monitor; the bool says whether its scores were dropped (a new check)."""
    monitor = session.scalar(select(Monitor).where(Monitor.name == current))
    if monitor is None:
        raise LookupError(current)
    rescore = any(k in fields and fields[k] != getattr(monitor, k)
                  for k in ("check_spec", "target", "sample_rate", "daily_budget"))
    for key, value in fields.items():
        setattr(monitor, key, value)
    if rescore:
        session.execute(delete(MonitorScore).where(MonitorScore.monitor_id == monitor.id))
    session.flush()
    return _row(monitor), rescore


def get_monitor(session: Session, name: str) -> MonitorRow | None:
    monitor = session.scalar(select(Monitor).where(Monitor.name == name))
    return None if monitor is None else _row(monitor)


def list_monitors(session: Session, target: str | None = None) -> list[MonitorRow]:
    query = select(Monitor).order_by(Monitor.name)
    if target is not None:
        query = query.where(Monitor.target == target)
    return [_row(m) for m in session.scalars(query)]


def remove_monitor(session: Session, name: str) -> bool:
    monitor = session.scalar(select(Monitor).where(Monitor.name == name))
    if monitor is None:
        return False
    for model in (MonitorScore, MonitorAlert):
        session.execute(delete(model).where(model.monitor_id == monitor.id))
    session.delete(monitor)
    return True


def mark_checked(session: Session, monitor_id: int) -> None:
    session.execute(text("UPDATE monitors SET checked_at = :now WHERE id = :id"),
                    {"now": utcnow().strftime("%Y-%m-%d %H:%M:%S.%f"), "id": monitor_id})


def _target_clause(target: str) -> tuple[str, dict[str, Any]]:
    if target.endswith("/"):
        escaped = target.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return "c.prompt LIKE :target ESCAPE '\\'", {"target": escaped + "%"}
    return "c.prompt = :target", {"target": target}


def unscored_calls(session: Session, monitor: MonitorRow, *, feedback_only: bool = False,
                   after_pk: int = 0, limit: int = 5000) -> list[CallToScore]:
    """The target's calls this monitor has no score for, oldest first, `limit` at a time
    (pass the last pk seen as `after_pk`). `feedback_only`: only calls with feedback."""
    where, params = _target_clause(monitor.target)
    feedback = ("EXISTS (SELECT 1 FROM log_feedback f WHERE f.log_id = c.log_id "
                "AND f.polarity = 'negative')",
                "EXISTS (SELECT 1 FROM log_feedback f WHERE f.log_id = c.log_id "
                "AND f.corrected_output IS NOT NULL)")
    extra = (" AND EXISTS (SELECT 1 FROM log_feedback f WHERE f.log_id = c.log_id)"
             if feedback_only else "")
    columns = "c.pk, c.log_id, c.prompt, c.time, c.variables, c.output, c.error"
    if feedback_only:
        columns += f", {feedback[0]}, {feedback[1]}"
    else:
        columns += ", 0, 0"
    rows = session.connection().exec_driver_sql(
        f"SELECT {columns} FROM log_calls c WHERE {where.replace(':target', '?')} AND c.pk > ?"
        f"{extra} AND NOT EXISTS (SELECT 1 FROM monitor_scores s WHERE s.monitor_id = ? "
        "AND s.call_pk = c.pk) ORDER BY c.pk LIMIT ?",
        (params["target"], after_pk, monitor.id, limit))
    return [CallToScore(pk, log_id, prompt, _time(time), variables, output, error,
                        bool(negative), bool(corrected))
            for pk, log_id, prompt, time, variables, output, error, negative, corrected in rows]


def _time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value)).replace(tzinfo=timezone.utc)


def _db_time(value: datetime) -> str:
    return value.isoformat(" ", "microseconds")[:26]


def store_scores(session: Session, monitor_id: int,
                 rows: Iterable[tuple[int, datetime, float | None, str, str]]) -> int:
    """Store (call_pk, time, value, status, reason) rows; how many."""
    values = [(monitor_id, pk, _db_time(time), value, status, reason)
              for pk, time, value, status, reason in rows]
    if values:
        session.connection().exec_driver_sql(
            "INSERT OR REPLACE INTO monitor_scores (monitor_id, call_pk, time, value, status, "
            "reason) VALUES (?, ?, ?, ?, ?, ?)", values)
    return len(values)


def scores(session: Session, monitor_id: int, *, since: datetime | None = None,
           before: datetime | None = None, last: int | None = None,
           statuses: Sequence[str] = ("scored", "error")) -> list[ScoreRow]:
    """A monitor's scores in time order: those since/before a time, or the `last` N."""
    clauses, params = ["monitor_id = ?"], [monitor_id]
    clauses.append(f"status IN ({', '.join('?' * len(statuses))})")
    params.extend(statuses)
    if since is not None:
        clauses.append("time >= ?")
        params.append(_db_time(since))
    if before is not None:
        clauses.append("time < ?")
        params.append(_db_time(before))
    query = f"SELECT call_pk, time, value, status FROM monitor_scores WHERE {' AND '.join(clauses)}"
    if last is not None:
        query += " ORDER BY time DESC, call_pk DESC LIMIT ?"
        params.append(last)
        rows = list(session.connection().exec_driver_sql(query, tuple(params)))[::-1]
    else:
        rows = list(session.connection().exec_driver_sql(query + " ORDER BY time, call_pk",
                                                         tuple(params)))
    return [ScoreRow(pk, _time(time), value, status) for pk, time, value, status in rows]


def scored_per_day(session: Session, monitor_id: int, day: str) -> int:
    """How many calls a monitor scored (or tried to) on a day ("YYYY-MM-DD")."""
    return session.connection().exec_driver_sql(
        "SELECT count(*) FROM monitor_scores WHERE monitor_id = ? AND status != 'skipped' "
        "AND substr(time, 1, 10) = ?", (monitor_id, day)).scalar_one()


def passing_call_pks(session: Session, monitor_id: int, threshold: float) -> list[int]:
    return [pk for (pk,) in session.connection().exec_driver_sql(
        "SELECT call_pk FROM monitor_scores WHERE monitor_id = ? AND status = 'scored' "
        "AND value >= ? ORDER BY time, call_pk", (monitor_id, threshold))]


def _alert_row(alert: MonitorAlert, monitor: Monitor) -> AlertRow:
    return AlertRow(alert.id, alert.monitor_id, monitor.name, monitor.target, alert.status,
                    alert.opened_at, alert.opened_call_pk, alert.opened_value,
                    alert.worst_value, tuple(json.loads(alert.call_pks)),
                    alert.acknowledged_at, alert.closed_at, alert.closed_by,
                    alert.webhook_error)


def current_alert(session: Session, monitor_id: int) -> AlertRow | None:
    """The monitor's alert that is not closed, if any."""
    found = session.execute(select(MonitorAlert, Monitor).join(Monitor)
                            .where(MonitorAlert.monitor_id == monitor_id,
                                   MonitorAlert.status != "closed")
                            .order_by(MonitorAlert.id.desc())).first()
    return None if found is None else _alert_row(*found)


def open_alert(session: Session, monitor_id: int, *, at: datetime, call_pk: int | None,
               value: float, call_pks: Sequence[int]) -> AlertRow:
    alert = MonitorAlert(monitor_id=monitor_id, status="open", opened_at=at,
                         opened_call_pk=call_pk, opened_value=value, worst_value=value,
                         call_pks=json.dumps(list(call_pks)))
    session.add(alert)
    session.flush()
    return _alert_row(alert, session.get(Monitor, monitor_id))


def update_alert(session: Session, alert_id: int, **fields: Any) -> AlertRow:
    alert = session.get(MonitorAlert, alert_id)
    if alert is None:
        raise LookupError(alert_id)
    for key, value in fields.items():
        setattr(alert, key, json.dumps(list(value)) if key == "call_pks" else value)
    session.flush()
    return _alert_row(alert, session.get(Monitor, alert.monitor_id))


def list_alerts(session: Session, *, monitor_id: int | None = None,
                include_closed: bool = False, target: str | None = None) -> list[AlertRow]:
    query = select(MonitorAlert, Monitor).join(Monitor).order_by(MonitorAlert.opened_at.desc(),
                                                                 MonitorAlert.id.desc())
    if monitor_id is not None:
        query = query.where(MonitorAlert.monitor_id == monitor_id)
    if target is not None:
        query = query.where(Monitor.target == target)
    if not include_closed:
        query = query.where(MonitorAlert.status != "closed")
    return [_alert_row(a, m) for a, m in session.execute(query)]


def get_alert(session: Session, alert_id: int) -> AlertRow | None:
    found = session.execute(select(MonitorAlert, Monitor).join(Monitor)
                            .where(MonitorAlert.id == alert_id)).first()
    return None if found is None else _alert_row(*found)


def score_series(session: Session, monitor_id: int) -> list[tuple[int, datetime, float | None,
                                                                  str, int | None]]:
    """(call_pk, time, value, status, release) of a monitor's scored calls (and errors), in
    time order: what its chart draws."""
    rows = session.connection().exec_driver_sql(
        "SELECT s.call_pk, s.time, s.value, s.status, c.release FROM monitor_scores s "
        "JOIN log_calls c ON c.pk = s.call_pk WHERE s.monitor_id = ? AND s.status != 'skipped' "
        "ORDER BY s.time, s.call_pk", (monitor_id,))
    return [(pk, _time(time), value, status, release) for pk, time, value, status, release in rows]
