"""Journey 10: Release → Monitors… → add an is-json monitor on a prompt → Release → Logs… →
Pull Logs… (a release where quality drops) → Check Now in the Monitors window → the alert
appears (a notice, the list of open alerts, a badge in the prompt list) → Open Logs shows the
calls it is about → Add to Test Set…. Then the fine-tuning export dialog."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QPushButton

from desktop.ui.logs import LogsWindow
from desktop.ui.logs.pull_dialog import PullDialog
from desktop.ui.monitors import FinetuneDialog, MonitorsWindow
from storage.workspace import testsets
from tests.support import monitor_replay as replay
from tests.ui.conftest import save_prompt
from tests.ui.real_app import click, click_button, fill, snap


def test_monitor_alert_open_logs_and_add_to_test_set(open_app, tmp_path, crash_log):
    versions: dict = {}

    def populate(ws):
        versions["v"] = save_prompt(ws, "support/greet", ("system", "Reply in JSON.\n"),
                                    ("user", "Greet {{ name }}."))

    app = open_app(populate=populate)
    sink, repository = tmp_path / "logs", tmp_path / "releases"
    replay.write(sink, 1, 180, version=versions["v"])  # the drop, then noise: still open

    # Add a monitor
    app.choose("Release", "Monitors…")
    monitors = app.wait_window(MonitorsWindow)
    app.aio.wait(lambda: not len(monitors.tasks), what="the Monitors window to load")
    fill(monitors.name, "valid JSON")
    fill(monitors.target, "support/greet")
    monitors.check.setEditText("is-json")
    monitors.threshold.setValue(0.9)
    monitors.window_calls.setValue(20)
    monitors.min_samples.setValue(10)
    click(monitors.add_button)
    app.aio.wait(lambda: monitors.list.count() == 1, what="the new monitor",
                 state=monitors.notice.text)
    assert "Added the monitor valid JSON" in monitors.notice.text()

    # Pull the logs
    app.choose("Release", "Logs…")
    logs = app.wait_window(LogsWindow)
    click(logs.pull_button)
    dialog = app.wait_window(PullDialog)
    app.aio.wait(lambda: not len(dialog.tasks), what="the pull dialog to load")
    fill(dialog.repository.lineEdit(), str(repository))
    app.person.will_choose(sink, title="Choose the folder the applications log to")
    click(dialog.add_folder)
    app.person.wait_done()
    app.aio.wait(lambda: dialog.sinks.count() == 1, what="the new sink")
    click(dialog.pull_repository)
    app.aio.wait(lambda: dialog.reports and not dialog.running, timeout=30,
                 what="the pull to finish", state=dialog.status.text)
    click_button(dialog, "Close")
    app.aio.wait(lambda: not len(logs.tasks), what="the Logs window to settle")
    logs.close()  # done with it, as a person would be

    # Check: the alert opens
    monitors.activateWindow()
    click(monitors.check_button)
    app.aio.wait(lambda: "Alert: valid JSON" in monitors.notice.text(), timeout=30,
                 what="the alert notice", state=monitors.notice.text)
    app.aio.wait(lambda: monitors.alert_list.count() == 1, what="the open alert")
    assert monitors.chart.timeline is not None and len(monitors.chart.timeline.releases) == 2
    assert "valid JSON on support/greet: open" in monitors.alert_list.item(0).text()
    app.aio.wait(lambda: monitors.chart.plot.isVisible() and monitors.chart.points,
                 what="the chart")
    with app.workspace.session() as session:
        opened = session.connection().exec_driver_sql(
            "SELECT c.log_id FROM monitor_alerts a JOIN log_calls c ON c.pk = a.opened_call_pk"
        ).scalar_one()
    assert opened == f"{'0123456789abcdef'}-{replay.OPENS_AT:x}"
    app.aio.wait(lambda: app.view.browser.model.alerted == {"support/greet"},
                 what="the badge in the prompt list")
    snap(monitors, "journey10-monitors")

    # Open the logs the alert is about, from the notice, and add them to a test set
    app.aio.wait(lambda: any(b.text() == "Open logs" and b.isVisible()
                             for b in monitors.notice.findChildren(QPushButton)),
                 what="the notice's Open logs button")
    monitors.alert_list.setCurrentRow(0)
    click(monitors.open_logs_button)
    app.aio.wait(lambda: any(isinstance(w, LogsWindow) and w.filters.pks
                             for w in app.view.features.windows), what="the alert's Logs window")
    about = next(w for w in app.view.features.windows
                 if isinstance(w, LogsWindow) and w.filters.pks)
    app.aio.wait(lambda: not about.model.loading and about.model.total == 3,
                 what="the alert's calls", state=about.count.text)
    about.table.selectAll()
    click(about.add_button)
    adding = app.wait_window(QDialog, "Add logged calls to a test set")
    fill(adding.new_name, "broken JSON")
    click(adding.ok)
    app.aio.wait(lambda: "Added 3 logged calls" in about.notice.text(), what="the note",
                 state=about.notice.text)
    with app.workspace.session() as session:
        cases = testsets.cases(session, testsets.require_test_set(session, "broken JSON"))
    assert sorted(c.expected for c in cases) == sorted(replay.output(i) for i in (100, 101, 102))
    app.aio.wait(lambda: not len(about.tasks), what="the Logs window to settle")
    about.close()

    # Fine-tuning data: the monitor's passing calls
    click(monitors.export_button)
    export = app.wait_window(FinetuneDialog)
    app.aio.wait(lambda: export.export is not None, what="the export counts")
    index = next(i for i in range(export.source.count())
                 if export.source.itemData(i).startswith("monitor:"))
    export.source.setCurrentIndex(index)
    app.aio.wait(lambda: export.export is not None and export.export.considered ==
                 sum(replay.is_good(i) for i in range(1, 181)), what="the monitor's passes",
                 state=export.counts.text)
    assert "tokens" in export.counts.text() and "שלום" in export.preview.toPlainText()
    export.close()

    # Acknowledge, then resolve: the badge goes
    click(monitors.ack_button)
    app.aio.wait(lambda: monitors.alert_list.count() == 1 and "acknowledged" in
                 monitors.alert_list.item(0).text(), what="the acknowledged alert")
    click(monitors.resolve_button)
    app.aio.wait(lambda: monitors.alert_list.count() == 0, what="the resolved alert")
    app.aio.wait(lambda: app.view.browser.model.alerted == set(), what="the badge to go")
    monitors.close()
    # The app imports litellm on a worker thread from its start; closing the app while that
    # import runs has crashed PySide6 here, so let it finish (this journey calls no model).
    from desktop.core import gateway

    app.aio.wait(gateway.is_loaded, timeout=90, what="litellm's preload")


def test_a_judge_monitor_over_days_with_margin_and_sampling_set_in_the_form(open_app):
    """Every setting the command line has is in the form: a window of days, the recovery
    margin, the judge's sampling rate and daily limit; chosen again, the form shows them."""
    from PySide6.QtTest import QTest

    from desktop.core.ops import monitors as monitor_ops

    app = open_app(populate=lambda ws: save_prompt(ws, "support/greet", ("user", "Hi {{ n }}")))
    app.choose("Release", "Monitors…")
    monitors = app.wait_window(MonitorsWindow)
    app.aio.wait(lambda: not len(monitors.tasks), what="the Monitors window to load")
    fill(monitors.name, "polite (judge) — مهذب")
    fill(monitors.target, "support/")
    monitors.check.setEditText("judge:gpt:Is the reply polite?")
    monitors.window_unit.setCurrentText("days")
    assert monitors.window_days.isVisibleTo(monitors) and not monitors.window_calls.isVisibleTo(
        monitors)
    for box, value in ((monitors.window_days, "3.5"), (monitors.margin, "0.1"),
                       (monitors.sample_rate, "25"), (monitors.daily_budget, "400")):
        box.lineEdit().selectAll()
        QTest.keyClicks(box.lineEdit(), value)
        box.interpretText()
    click(monitors.add_button)
    app.aio.wait(lambda: monitors.list.count() == 1, what="the new monitor",
                 state=monitors.notice.text)
    assert "the last 3.5 days" in monitors.notice.text()
    row = next(m for m in app.aio.run(app.view.writer.run(monitor_ops.list_monitors,
                                                           app.workspace, None)))
    assert (row.window_calls, row.window_days, row.margin, row.sample_rate,
            row.daily_budget) == (None, 3.5, 0.1, 0.25, 400)
    assert "the last 3.5 days" in monitors.status.text()
    snap(monitors, "journey10-monitor-form")

    # Back to a window of calls, no daily limit: saved and shown again.
    monitors.window_unit.setCurrentText("calls")
    monitors.window_calls.setValue(50)
    monitors.daily_budget.setValue(0)
    click(monitors.save_button)
    app.aio.wait(lambda: "Changed the monitor" in monitors.notice.text(), what="the change",
                 state=monitors.notice.text)
    app.aio.wait(lambda: "the last 50 calls" in monitors.status.text(), what="the new window",
                 state=monitors.status.text)
    assert monitors.daily_budget.text() == "no daily limit"
    assert monitors.margin.value() == 0.1 and monitors.sample_rate.value() == 25
