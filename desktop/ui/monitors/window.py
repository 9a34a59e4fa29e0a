"""The Monitors window of a prompt (or of every prompt): its monitors with an editor, the
chosen monitor's score over time, and the open alerts with Open Logs, Acknowledge, Resolve.
Check Now scores new logs on the writer thread, never on the GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDoubleSpinBox, QFormLayout, QLineEdit,
                               QListWidget, QListWidgetItem, QSpinBox, QWidget)

from desktop.core.errors import USER_ERRORS
from desktop.core.ops import monitors as ops

from ..tasks import TaskSet, Writer
from ..widgets import MessageBar, button, hbox, label, resize_within, splitter, vbox
from .chart import ScoreChart

CHECKS = ("is-json", "json-schema:", "regex:", "contains:", "not:contains:", "length:..280",
          "feedback:thumbs-down", "feedback:corrected", "judge:PROVIDER:RUBRIC")


def _spin(box, low, high, value, *, step=None, name=""):
    """Set up a spin box of the monitor form: its range, its start value, and optionally its step
    and object name (for tests). Returns the box."""
    if name:
        box.setObjectName(name)
    box.setRange(low, high)
    if step is not None:
        box.setSingleStep(step)
    box.setValue(value)
    return box


class MonitorsWindow(QDialog):
    logs_requested = Signal(object)  # call pks an alert is about
    finetune_requested = Signal(str)  # a monitor's name
    alerts_changed = Signal(int)  # open alerts now

    def __init__(self, workspace, writer: Writer, parent: QWidget | None = None, *,
                 prompt: str | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("monitorsWindow")
        self.setWindowTitle(f"Monitors — {prompt}" if prompt else "Monitors")
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        resize_within(self, 1400, 900)
        self.workspace, self.writer, self.prompt = workspace, writer, prompt
        self.tasks = TaskSet()
        self.monitors: list = []
        self.alerts: list = []
        self.checking = False

        self.list = QListWidget()
        self.list.setObjectName("monitorList")
        self.list.currentRowChanged.connect(lambda _r: self.tasks.spawn(self._show_chosen()))
        self.name = QLineEdit()
        self.name.setObjectName("monitorName")
        self.target = QLineEdit(prompt or "")
        self.target.setObjectName("monitorTarget")
        self.target.setPlaceholderText("a prompt, or a folder ending in /")
        self.check = QComboBox()
        self.check.setObjectName("monitorCheck")
        self.check.setEditable(True)
        self.check.addItems(CHECKS)
        self.threshold = _spin(QDoubleSpinBox(), 0, 1, 0.9, step=0.05)
        self.margin = _spin(QDoubleSpinBox(), 0, 0.5, 0.05, step=0.01, name="monitorMargin")
        self.margin.setToolTip("An open alert closes only when the window is back above the "
                               "threshold plus this margin, so it does not flap on every call "
                               "near the threshold.")
        self.window_unit = QComboBox()
        self.window_unit.setObjectName("monitorWindowUnit")
        self.window_unit.addItems(["calls", "days"])
        self.window_calls = _spin(QSpinBox(), 1, 1_000_000, 100)
        self.window_days = _spin(QDoubleSpinBox(), 0.1, 3650, 7, name="monitorWindowDays")
        self.window_days.setDecimals(1)
        self.window_days.hide()
        self.window_unit.currentTextChanged.connect(self._unit_chosen)
        self.min_samples = _spin(QSpinBox(), 1, 1_000_000, 20)
        self.min_samples.setToolTip("Below this many calls in the window the monitor says "
                                    "“not enough calls” instead of alerting.")
        self.sample_rate = QSpinBox()
        self.sample_rate.setObjectName("monitorSampleRate")
        self.sample_rate.setRange(1, 100)
        self.sample_rate.setSuffix(" % of calls")
        self.sample_rate.setValue(100)
        self.daily_budget = QSpinBox()
        self.daily_budget.setObjectName("monitorDailyBudget")
        self.daily_budget.setRange(0, 1_000_000)
        self.daily_budget.setSpecialValueText("no daily limit")
        self.daily_budget.setSuffix(" judge calls a day")
        for widget in (self.sample_rate, self.daily_budget):
            widget.setToolTip("For an LLM-judge check: how many logged calls the judge scores "
                              "(each is a paid model call). Check Now --estimate on the "
                              "command line prices it first.")
        self.webhook = QLineEdit()
        self.webhook.setPlaceholderText("optional: https://… gets JSON when an alert opens")
        form = QFormLayout()
        for text, widget in (("Name", self.name), ("Prompt", self.target),
                             ("Check", self.check), ("Threshold", self.threshold),
                             ("Recovery margin", self.margin),
                             ("Window: the last", hbox(self.window_calls, self.window_days,
                                                       self.window_unit)),
                             ("Minimum calls", self.min_samples),
                             ("Judge scores", hbox(self.sample_rate, self.daily_budget)),
                             ("Webhook", self.webhook)):
            form.addRow(text, widget)
        self.add_button = button("Add Monitor", lambda: self.tasks.spawn(self.add()),
                                 name="addMonitor")
        self.save_button = button("Save Changes", lambda: self.tasks.spawn(self.save()),
                                  name="saveMonitor")
        self.remove_button = button("Remove", lambda: self.tasks.spawn(self.remove()))
        self.check_button = button("Check Now", lambda: self.tasks.spawn(self.check_now()),
                                   name="checkMonitors",
                                   tip="Score the logged calls not scored yet")
        self.export_button = button("Export Fine-Tuning Data…", self._export)
        left = vbox(label("Monitors", "heading"), (self.list, 1), form,
                    hbox(self.add_button, self.save_button, self.remove_button),
                    hbox(self.check_button, self.export_button))
        self.chart = ScoreChart()
        self.status = label("", "monitorStatus", wrap=True)
        self.alert_list = QListWidget()
        self.alert_list.setObjectName("alertList")
        self.open_logs_button = button("Open Logs", self._open_logs, name="openAlertLogs")
        self.ack_button = button("Acknowledge", lambda: self.tasks.spawn(
            self._alert_op(ops.acknowledge)))
        self.resolve_button = button("Resolve", lambda: self.tasks.spawn(
            self._alert_op(ops.resolve)))
        right = vbox((self.chart, 3), self.status, label("Open alerts", "heading"), (self.alert_list, 1),
                     hbox(self.open_logs_button, self.ack_button, self.resolve_button, None))
        self.notice = MessageBar()
        self.setLayout(vbox(self.notice, (splitter(left, right, stretch=(1, 3),
                                                   sizes=[420, 980]), 1)))

    # -- loading -------------------------------------------------------------------------
    async def load(self) -> None:
        chosen = self.current()
        self.monitors = await self.writer.run(ops.list_monitors, self.workspace,
                                              None if self.prompt is None else None)
        if self.prompt is not None:
            self.monitors = [m for m in self.monitors if m.target == self.prompt
                             or (m.target.endswith("/") and self.prompt.startswith(m.target))]
        self.list.blockSignals(True)
        self.list.clear()
        for m in self.monitors:
            self.list.addItem(QListWidgetItem(f"{m.name} · {m.check_spec} ≥ {m.threshold:g}"))
        self.list.blockSignals(False)
        names = [m.name for m in self.monitors]
        if names:
            self.list.setCurrentRow(names.index(chosen.name) if chosen and chosen.name in names
                                    else 0)
        await self._load_alerts()
        await self._show_chosen()

    async def _load_alerts(self) -> None:
        names = {m.name for m in self.monitors}
        every = await self.writer.run(ops.alerts, self.workspace)
        self.alerts = [a for a in every if a.monitor in names]
        self.alert_list.clear()
        for a in self.alerts:
            self.alert_list.addItem(
                f"{a.monitor} on {a.target}: {a.status}, opened {a.opened_at:%Y-%m-%d %H:%M} "
                f"at {a.opened_value:.2f} (worst {a.worst_value:.2f}), {len(a.call_pks)} "
                "calls below")
        if self.alerts:
            self.alert_list.setCurrentRow(0)
        self.alerts_changed.emit(len(self.alerts))

    def current(self):
        row = self.list.currentRow()
        return self.monitors[row] if 0 <= row < len(self.monitors) else None

    async def _show_chosen(self) -> None:
        monitor = self.current()
        if monitor is None:
            self.chart.draw(None, None)
            self.status.setText("No monitor yet: fill in the form and Add Monitor.")
            return
        self.name.setText(monitor.name)
        self.target.setText(monitor.target)
        self.check.setEditText(monitor.check_spec)
        self.threshold.setValue(monitor.threshold)
        self.margin.setValue(monitor.margin)
        by_days = monitor.window_calls is None and monitor.window_days is not None
        self.window_unit.setCurrentText("days" if by_days else "calls")
        self.window_calls.setValue(monitor.window_calls or 100)
        self.window_days.setValue(monitor.window_days or 7)
        self.min_samples.setValue(monitor.min_samples)
        self.sample_rate.setValue(round(monitor.sample_rate * 100))
        self.daily_budget.setValue(monitor.daily_budget or 0)
        self.webhook.setText(monitor.webhook or "")
        _, timeline = await self.writer.run(ops.series, self.workspace, monitor.name)
        self.chart.draw(monitor, timeline)
        last = timeline.points[-1][1] if timeline.points else None
        self.status.setText(
            f"{monitor.name}: {'no window yet' if last is None else f'window {last:.3f}'}, "
            f"threshold {monitor.threshold:g} over {ops.window_text(monitor)}.")

    # -- editing -------------------------------------------------------------------------
    def _unit_chosen(self, unit: str) -> None:
        self.window_calls.setVisible(unit == "calls")
        self.window_days.setVisible(unit == "days")

    def _form(self) -> dict:
        by_days = self.window_unit.currentText() == "days"
        return {"threshold": self.threshold.value(), "margin": self.margin.value(),
                "window_calls": None if by_days else self.window_calls.value(),
                "window_days": self.window_days.value() if by_days else None,
                "min_samples": self.min_samples.value(),
                "sample_rate": self.sample_rate.value() / 100,
                "daily_budget": self.daily_budget.value() or None,
                "webhook": self.webhook.text().strip() or None}

    async def _run(self, fn, *args, **kwargs):
        try:
            changes = await self.writer.run(fn, self.workspace, *args, **kwargs)
        except USER_ERRORS as exc:
            self.notice.show_message("error", str(exc))
            return None
        self.notice.show_message("success", changes.message)
        return changes

    async def add(self) -> None:
        if await self._run(ops.add, self.name.text(), self.target.text(),
                           self.check.currentText(), **self._form()) is not None:
            await self.load()
            self.list.setCurrentRow(len(self.monitors) - 1 if self.monitors else -1)

    async def save(self) -> None:
        monitor = self.current()
        if monitor is not None and await self._run(
                ops.edit, monitor.name, name=self.name.text(), target=self.target.text(),
                check=self.check.currentText(), **self._form()) is not None:
            await self.load()

    async def remove(self) -> None:
        monitor = self.current()
        if monitor is not None and await self._run(ops.remove, monitor.name) is not None:
            await self.load()

    async def check_now(self) -> None:
        if self.checking:
            return
        self.checking = True
        self.check_button.setEnabled(False)
        self.check_button.setText("Checking…")
        try:
            changes = await self._run(ops.check, [m.name for m in self.monitors])
        finally:
            self.checking = False
            self.check_button.setEnabled(True)
            self.check_button.setText("Check Now")
        if changes is None:
            return
        opened = [a for s in changes.value for a in s.opened]
        await self.load()
        if opened:
            self.notice.show_message(
                "warning", f"Alert: {opened[0].monitor} fell to {opened[0].opened_value:.2f}, "
                f"below its threshold. {changes.message}",
                [("Open logs", lambda a=opened[0]: self.logs_requested.emit(a.call_pks))])

    # -- alerts --------------------------------------------------------------------------
    def current_alert(self):
        row = self.alert_list.currentRow()
        return self.alerts[row] if 0 <= row < len(self.alerts) else None

    def _open_logs(self) -> None:
        alert = self.current_alert()
        if alert is not None:
            self.logs_requested.emit(alert.call_pks)

    async def _alert_op(self, fn) -> None:
        alert = self.current_alert()
        if alert is not None and await self._run(fn, alert.id) is not None:
            await self._load_alerts()

    def _export(self) -> None:
        monitor = self.current()
        self.finetune_requested.emit(monitor.name if monitor is not None else "")
