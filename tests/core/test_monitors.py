"""Monitors over replayed production logs: scores per log, incremental checks, alerts with
hysteresis, judge sampling and errors, feedback checks, webhooks."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from desktop.core.monitors import MonitorError
from desktop.core.ops import logs as log_ops
from desktop.core.ops import monitors as ops
from storage.workspace.db import Workspace
from tests.support import log_segments as seg
from tests.support import monitor_replay as replay


@pytest.fixture
def workspace(tmp_path: Path):
    with Workspace.open(tmp_path / "w.promptpress") as ws:
        yield ws


def pk_of(workspace: Workspace, i: int) -> int:
    with workspace.session() as session:
        return session.connection().exec_driver_sql(
            "SELECT pk FROM log_calls WHERE log_id = ?", (seg.call_id(i),)).scalar_one()


def add_json_monitor(workspace, **options):
    return ops.add(workspace, "json", options.pop("target", "support/greet"), "is-json",
                   threshold=0.9, margin=0.05, window_calls=20, min_samples=10,
                   **options).value


def alerts(workspace):
    return ops.alerts(workspace, include_closed=True)


def test_alert_opens_at_the_drop_stays_through_noise_and_closes_after_recovery(workspace,
                                                                              tmp_path):
    sink = tmp_path / "logs"
    replay.write(sink, 1, 260)
    log_ops.pull(workspace, str(sink))
    add_json_monitor(workspace)
    status = ops.check(workspace).value[0]
    assert status.new == 260 and status.scored == 20
    [alert] = alerts(workspace)
    assert alert.opened_call_pk == pk_of(workspace, replay.OPENS_AT)
    assert alert.opened_value == pytest.approx(0.85)
    assert alert.status == "closed" and alert.closed_by == "recovered"
    with workspace.session() as session:
        closed_pk = session.connection().exec_driver_sql(
            "SELECT closed_call_pk FROM monitor_alerts").scalar_one()
    assert closed_pk == pk_of(workspace, replay.CLOSES_AT)
    assert alert.worst_value == 0.0
    # the causes: the failing calls in the window when it opened
    assert set(alert.call_pks) == {pk_of(workspace, i) for i in (100, 101, 102)}


def test_checking_in_pulls_gives_the_same_alert_and_scores_only_new_calls(workspace,
                                                                          tmp_path):
    sink = tmp_path / "logs"
    add_json_monitor(workspace)
    replay.write(sink, 1, 120)
    log_ops.pull(workspace, str(sink))
    first = ops.check(workspace).value[0]
    assert first.new == 120 and first.below and first.alert.status == "open"
    assert ops.check(workspace).value[0].new == 0
    replay.write(sink, 121, 180)  # noise: back over the threshold, under threshold + margin
    log_ops.pull(workspace, str(sink))
    middle = ops.check(workspace).value[0]
    assert middle.new == 60 and not middle.below and middle.alert.id == first.alert.id
    replay.write(sink, 181, 260)
    log_ops.pull(workspace, str(sink))
    last = ops.check(workspace).value[0]
    assert last.new == 80 and last.alert is None and len(last.closed) == 1
    [alert] = alerts(workspace)
    assert alert.opened_call_pk == pk_of(workspace, replay.OPENS_AT)


def test_a_new_threshold_needs_no_rescoring(workspace, tmp_path):
    sink = tmp_path / "logs"
    replay.write(sink, 1, 100)
    log_ops.pull(workspace, str(sink))
    add_json_monitor(workspace)
    assert not ops.check(workspace).value[0].below
    changed = ops.edit(workspace, "json", threshold=0.99)
    assert "again" not in changed.message
    status = ops.check(workspace).value[0]
    assert status.new == 0 and status.below and status.value == pytest.approx(0.95)
    assert "scored again" in ops.edit(workspace, "json", check="regex:answer").message
    assert ops.check(workspace).value[0].new == 100


def test_a_folder_monitor_watches_every_prompt_in_it(workspace, tmp_path):
    sink = tmp_path / "logs"
    replay.write(sink, 1, 30)
    seg.write(sink, seg.segment([seg.call(500, prompt="support/faq", output="not json"),
                                 seg.call(501, prompt="supportx/other", output="not json")]))
    log_ops.pull(workspace, str(sink))
    ops.add(workspace, "all", "support/", "is-json", window_calls=50, min_samples=5)
    status = ops.check(workspace).value[0]
    assert status.new == 31  # 30 of support/greet, 1 of support/faq, none of supportx/


def test_too_few_calls_decide_nothing(workspace, tmp_path):
    sink = tmp_path / "logs"
    replay.write(sink, 101, 105)  # all bad, but only 5 calls
    log_ops.pull(workspace, str(sink))
    add_json_monitor(workspace)
    status = ops.check(workspace).value[0]
    assert status.value == 0.0 and status.scored == 5 and not status.below
    assert alerts(workspace) == []


def test_a_days_window(workspace, tmp_path):
    sink = tmp_path / "logs"
    records = [seg.call(i, output="{}" if i < 5 else "no", time=f"2026-12-0{i}T10:00:00.000000Z")
               for i in range(1, 9)]
    seg.write(sink, seg.segment(records))
    log_ops.pull(workspace, str(sink))
    ops.add(workspace, "days", "support/greet", "is-json", threshold=0.5, window_days=2,
            min_samples=1)
    status = ops.check(workspace).value[0]
    assert status.scored == 3 and status.value == 0.0  # Dec 6, 7 and 8 (from Dec 6 10:00)
    [alert] = alerts(workspace)
    assert alert.opened_call_pk == pk_of(workspace, 6)  # Dec 4, 5, 6: 1/3 < 0.5


def test_feedback_monitor_is_the_share_without_thumbs_down(workspace, tmp_path):
    sink = tmp_path / "logs"
    records = [seg.call(i) for i in range(1, 11)]
    records += [seg.feedback(100 + i, seg.call_id(i), rating=i > 3) for i in range(1, 9)]
    records += [seg.feedback(200, seg.call_id(9), rating=True, corrected="Better.")]
    seg.write(sink, seg.segment(records))
    log_ops.pull(workspace, str(sink))
    ops.add(workspace, "down", "support/greet", "feedback:thumbs-down", window_calls=50,
            min_samples=5)
    ops.add(workspace, "fixed", "support/greet", "feedback:corrected", window_calls=50,
            min_samples=5)
    down, fixed = ops.check(workspace).value
    assert down.scored == 9 and down.value == pytest.approx(6 / 9) and down.below
    assert fixed.scored == 9 and fixed.value == pytest.approx(8 / 9)


def judge_asker(replies: dict[str, str]):
    def ask_for_model(model: str):
        async def ask(messages, response_format):
            content = messages[-1]["content"]
            for needle, reply in replies.items():
                if needle in content:
                    return reply
            return '{"reason": "fine", "score": 5, "pass": true}'
        return ask
    return ask_for_model


def test_judge_errors_are_counted_apart_never_as_passes(workspace, tmp_path):
    sink = tmp_path / "logs"
    records = [seg.call(i, output=f"answer {i}") for i in range(1, 21)]
    seg.write(sink, seg.segment(records))
    log_ops.pull(workspace, str(sink))
    ops.add(workspace, "polite", "support/greet", "judge:openai/gpt-4o-mini:Is it polite?",
            window_calls=50, min_samples=5)
    with pytest.raises(MonitorError, match="provider"):
        ops.check(workspace)
    asker = judge_asker({"answer 1\n": "no json at all",
                         "answer 2\n": '{"reason": "rude", "score": 1, "pass": false}'})
    status = ops.check(workspace, ask_for_model=asker).value[0]
    assert status.errors == 1 and status.scored == 19
    assert status.value == pytest.approx(18 / 19)


def test_judge_samples_by_rate_and_daily_budget_estimated_first(workspace, tmp_path):
    sink = tmp_path / "logs"
    records = [seg.call(i, time=f"2026-12-0{1 + i % 3}T10:00:00.000000Z") for i in range(300)]
    seg.write(sink, seg.segment(records))
    log_ops.pull(workspace, str(sink))
    ops.add(workspace, "rate", "support/greet", "judge:m:Polite?", sample_rate=0.25,
            window_calls=500, min_samples=5)
    ops.add(workspace, "budget", "support/greet", "judge:m:Polite?", daily_budget=7,
            window_calls=500, min_samples=5)
    rate, budget = ops.estimate(workspace, "rate"), ops.estimate(workspace, "budget")
    assert rate.unscored == 300 and 40 < rate.judge_calls < 110
    assert budget.judge_calls == 21  # 7 on each of 3 days
    calls = []

    def counting(model):
        inner = judge_asker({})(model)

        async def ask(messages, response_format):
            calls.append(model)
            return await inner(messages, response_format)
        return ask

    statuses = ops.check(workspace, ask_for_model=counting).value
    assert [s.scored for s in statuses] == [budget.judge_calls, rate.judge_calls]
    assert len(calls) == budget.judge_calls + rate.judge_calls
    assert ops.estimate(workspace, "rate").unscored == 0  # the calls left out are not reread


def test_checks_that_need_an_expected_output_are_refused(workspace):
    for spec in ("bleu", "equals:{{ expected }}", "feedback:stars", ""):
        with pytest.raises(MonitorError):
            ops.add(workspace, "x", "p", spec)
    with pytest.raises(MonitorError, match="sample"):
        ops.add(workspace, "x", "p", "is-json", sample_rate=0.5)
    with pytest.raises(MonitorError, match="window"):
        ops.add(workspace, "x", "p", "is-json", window_calls=5, min_samples=10, window_days=1)
    with pytest.raises(MonitorError, match="webhook"):
        ops.add(workspace, "x", "p", "is-json", webhook="ftp://x")
    assert ops.list_monitors(workspace) == []


def test_acknowledge_and_resolve(workspace, tmp_path):
    sink = tmp_path / "logs"
    replay.write(sink, 1, 120)
    log_ops.pull(workspace, str(sink))
    add_json_monitor(workspace)
    alert = ops.check(workspace).value[0].alert
    assert ops.acknowledge(workspace, alert.id).value.status == "acknowledged"
    with pytest.raises(MonitorError, match="not open"):
        ops.acknowledge(workspace, alert.id)
    assert ops.resolve(workspace, alert.id).value.closed_by == "resolved"
    assert ops.alerts(workspace) == []
    ops.remove(workspace, "json")
    assert ops.list_monitors(workspace) == [] and alerts(workspace) == []


class _Hook(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hook():
    _Hook.received = []
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", _Hook.received
    server.shutdown()
    server.server_close()


def test_webhook_gets_json_when_an_alert_opens_only(workspace, tmp_path, hook):
    url, received = hook
    sink = tmp_path / "logs"
    replay.write(sink, 1, 100)
    log_ops.pull(workspace, str(sink))
    add_json_monitor(workspace, webhook=url)
    ops.check(workspace)
    assert received == []
    replay.write(sink, 101, 260)
    log_ops.pull(workspace, str(sink))
    ops.check(workspace)
    [payload] = received
    assert payload["event"] == "alert.opened" and payload["monitor"] == "json"
    assert payload["alert"]["opened_call_pk"] == pk_of(workspace, replay.OPENS_AT)


def test_an_unreachable_webhook_is_recorded_on_the_alert(workspace, tmp_path):
    sink = tmp_path / "logs"
    replay.write(sink, 1, 120)
    log_ops.pull(workspace, str(sink))
    add_json_monitor(workspace, webhook="http://127.0.0.1:9/none")
    status = ops.check(workspace).value[0]
    assert status.opened[0].webhook_error
