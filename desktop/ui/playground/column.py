"""One model column: a provider, its settings, and the answers it streamed, newest shown.

Over 500 lines on purpose: one widget whose run, stream, history and error display share the
same state (the record being shown); split, each part would need all of it."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QWidget,
)

from desktop.core import gateway, play
from desktop.core.secrets import SecretsError
from storage.releases.content import ContentError, Message, PromptContent

from .. import words
from ..catalog import ProvidersCatalog
from ..tasks import TaskSet
from ..widgets import single_shot, vbox
from .editor import PromptTextEdit
from .earlier_answers import EarlierAnswersModel
from .output import ErrorPanel, OutputView
from .params import explain, explanation_of, format_stats, record_failure, summary
from .settings import ColumnSettings
from .state import MAX_RUNS_KEPT, ColumnState, RunRecord

FLUSH_MS = 40  # streamed text reaches the screen at most 25 times a second per column
MANAGE = "__manage__"


class ModelColumn(QFrame):
    """Runs happen here; what they mean for the prompt is the tab's business."""

    setting_changed = Signal(int, str, object, object, str)  # uid, key, old, new, label
    run_requested = Signal(int)
    reply_requested = Signal(int, object)  # uid, turns
    remove_requested = Signal(int)
    primary_requested = Signal(int)
    providers_requested = Signal()
    shorten_requested = Signal()
    run_finished = Signal(int)  # uid: outputs changed, worth autosaving

    timeout = 120.0

    def __init__(self, uid: int, state: ColumnState, catalog: ProvidersCatalog, tasks: TaskSet,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.uid = uid
        self.state = state
        self.catalog = catalog
        self.tasks = tasks
        self.task: asyncio.Task | None = None
        self.running: RunRecord | None = None
        self.shown: RunRecord | None = None
        self._pending: list[str] = []
        self._stale = False
        self._started = time.perf_counter()
        self._applying = False
        self.setObjectName("modelColumn")

        self.provider_box = QComboBox()
        self.provider_box.setObjectName("providerBox")
        self.provider_box.setMinimumContentsLength(8)
        self.provider_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.provider_box.activated.connect(self._provider_picked)
        self.star = QToolButton()
        self.star.setObjectName("starButton")
        self.star.setAutoRaise(True)
        self.star.clicked.connect(self._star_clicked)
        self.run_button = QPushButton("Run")
        self.run_button.setObjectName("runButton")
        self.run_button.setToolTip("Run the prompt on this model")
        self.run_button.clicked.connect(lambda: self.run_requested.emit(self.uid))
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop this call")
        self.stop_button.clicked.connect(self.cancel)
        self.stop_button.hide()
        self.more = QToolButton()
        self.more.setText("⋯")
        self.more.setObjectName("moreButton")
        self.more.setAutoRaise(True)
        self.more.setToolTip("More")
        self.more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.more)
        self.copy_action = menu.addAction("Copy the answer", self.copy_answer)
        self.reset_action = menu.addAction("Start the conversation over", self.reset_conversation)
        menu.addSeparator()
        self.remove_action = menu.addAction("Remove this column",
                                            lambda: self.remove_requested.emit(self.uid))
        self.more.setMenu(menu)
        top = QHBoxLayout()
        top.setSpacing(4)
        top.addWidget(self.provider_box, 1)
        top.addWidget(self.star)
        top.addWidget(self.run_button)
        top.addWidget(self.stop_button)
        top.addWidget(self.more)

        self.settings = ColumnSettings(self)
        self.settings.changed.connect(self._setting_edited)
        self.settings_toggle = QToolButton()
        self.settings_toggle.setObjectName("linkButton")
        self.settings_toggle.setCheckable(True)
        self.settings_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.settings_toggle.toggled.connect(self.settings.setVisible)
        self.settings_toggle.toggled.connect(self._update_summary)
        self.settings.hide()

        self.earlier = EarlierAnswersModel(state.runs, self)
        self.history_box = QComboBox()
        self.history_box.setObjectName("historyBox")
        self.history_box.setModel(self.earlier)
        self.history_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.history_box.setMinimumContentsLength(9)  # elided when narrow, wider when there is room
        self.history_box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.history_box.setToolTip("Earlier answers in this column: pick one to compare")
        self.history_box.activated.connect(self._history_picked)
        self.prev_button = _small("‹", "Earlier answer")
        self.next_button = _small("›", "Later answer")
        self.prev_button.clicked.connect(lambda: self._step(-1))
        self.next_button.clicked.connect(lambda: self._step(+1))
        second = QHBoxLayout()
        second.setSpacing(4)
        second.addWidget(self.settings_toggle)
        second.addSpacing(6)
        second.addWidget(self.prev_button)
        second.addWidget(self.history_box, 1)
        second.addWidget(self.next_button)
        second.addStretch(0)  # takes the room while there is no history to show

        self.output = OutputView()
        self.error = ErrorPanel()
        self.error.action.connect(self._error_action)
        self.empty = QLabel()
        self.empty.setObjectName("emptyState")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body = QStackedWidget()
        self.body.setObjectName("columnBody")
        for w in (self.empty, self.output, self.error):
            self.body.addWidget(w)
        self.stats = QLabel()
        self.stats.setObjectName("stats")
        self.stats.setWordWrap(True)
        self.stats.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.stats.setToolTip(words.STATS_TIP)

        self.reply = PromptTextEdit(self, template=False, min_lines=1, max_lines=5,
                                    shared_undo=False)
        self.reply.setObjectName("replyBox")
        self.reply.setPlaceholderText("Reply as the user to continue…")
        self.send_button = QPushButton("Send")
        self.send_button.setToolTip("Send this reply and see the model's next answer")
        self.send_button.clicked.connect(self.send_reply)
        self.reply_row = QWidget()
        reply_box = QHBoxLayout(self.reply_row)
        reply_box.setContentsMargins(0, 0, 0, 0)
        reply_box.addWidget(self.reply, 1)
        reply_box.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignBottom)
        self.reply_row.hide()

        self.elapsed = QTimer(self)
        self.elapsed.setInterval(200)
        self.elapsed.timeout.connect(self._show_running_stats)
        self.flusher = single_shot(self, "flusher", FLUSH_MS, self._flush)

        vbox(top, second, self.settings, (self.body, 1), self.stats, self.reply_row,
             margins=(10, 8, 10, 8), spacing=6, parent=self)

        catalog.changed.connect(self._fill_providers)
        self._fill_providers()
        self.settings.load(state.params, state.response_format)
        self._update_summary()
        self.set_primary(False)
        self._update_history_controls()
        self.show_run(state.runs[-1] if state.runs else None)

    # -- settings ----------------------------------------------------------------------------
    def _fill_providers(self) -> None:
        box = self.provider_box
        box.blockSignals(True)
        box.clear()
        if self.state.provider is None or self.catalog.get(self.state.provider) is None:
            if self.state.provider:
                box.addItem(f"{self.state.provider} (removed)", None)
            elif self.state.model:
                box.addItem(f"{self.state.model} — choose a provider", None)
            else:
                box.addItem("Choose a provider…", None)
        for provider in self.catalog.providers:
            box.addItem(provider.name, provider.name)
            box.setItemData(box.count() - 1, provider.model, Qt.ItemDataRole.ToolTipRole)
        box.insertSeparator(box.count())
        box.addItem("Manage providers…", MANAGE)
        index = box.findData(self.state.provider) if self.state.provider else 0
        box.setCurrentIndex(max(0, index))
        box.blockSignals(False)
        provider = self.catalog.get(self.state.provider)
        box.setToolTip(provider.model if provider else "Pick the model endpoint for this column")
        if not self.state.runs and self.running is None:
            self.show_run(None)

    def _provider_picked(self, index: int) -> None:
        data = self.provider_box.itemData(index)
        if data == MANAGE:
            self._fill_providers()
            self.providers_requested.emit()
            return
        if data is None or data == self.state.provider:
            return
        provider = self.catalog.get(data)
        old = (self.state.provider, self.state.model)
        new = (data, provider.model if provider else self.state.model)
        self.apply_setting("provider", new)
        self.setting_changed.emit(self.uid, "provider", old, new, "provider")

    def _setting_edited(self, key: str, value: Any) -> None:
        old = self.state.response_format if key == "response_format" else self.state.params.get(key)
        if old == value:
            return
        self.apply_setting(key, value)
        label = {"response_format": "JSON answers", "max_tokens": "max tokens",
                 "top_p": "top P", "stop": "stop sequences"}.get(key, key)
        self.setting_changed.emit(self.uid, key, old, value, label)

    def apply_setting(self, key: str, value: Any) -> None:
        """Set a provider or parameter (from an edit, an undo or a redo)."""
        if key == "provider":
            self.state.provider, self.state.model = value
            self._fill_providers()
        elif key == "response_format":
            self.state.response_format = value
            self.settings.load(self.state.params, value)
        else:
            if value is None:
                self.state.params.pop(key, None)
            else:
                self.state.params[key] = value
            self.settings.load(self.state.params, self.state.response_format)
        self._update_summary()

    def _update_summary(self, *_args) -> None:
        arrow = "▾" if self.settings_toggle.isChecked() else "▸"
        text = summary(self.state.params, self.state.response_format)
        parts = text.split(" · ")
        short = " · ".join(parts[:2]) + (f" +{len(parts) - 2}" if len(parts) > 2 else "")
        self.settings_toggle.setText(f"{arrow} {short}")
        self.settings_toggle.setToolTip(f"Settings: {text}. Click to change temperature, max "
                                        "tokens, top P, stop sequences, seed, JSON answers.")

    def set_primary(self, primary: bool) -> None:
        self.is_primary = primary
        self.star.setText("★" if primary else "☆")
        self.star.setToolTip(
            "This column's model and settings are saved with the prompt" if primary
            else "Save the prompt with this column's model and settings")
        self.setProperty("primary", primary)
        self.style().unpolish(self)
        self.style().polish(self)

    def _star_clicked(self) -> None:
        self.primary_requested.emit(self.uid)

    # -- runs --------------------------------------------------------------------------------
    @property
    def is_running(self) -> bool:
        return self.task is not None and not self.task.done()

    def start_run(self, messages: list[dict[str, str]], turns: list[dict[str, str]],
                  extra_params: dict[str, Any], tools: list | None) -> RunRecord:
        """Start a call with the prompt's rendered messages plus conversation turns."""
        if self.is_running:
            self.task.cancel()
        provider = self.catalog.get(self.state.provider)
        record = RunRecord(provider=self.state.provider or "", model=self.state.model,
                           started=datetime.now().isoformat(timespec="seconds"),
                           turns=[dict(t) for t in turns], params=dict(self.state.params))
        self.earlier.append(record, MAX_RUNS_KEPT)
        self.running = record
        self._started = time.perf_counter()
        self.show_run(record)
        if provider is None:
            record.model = self.state.model
            why = _NoProvider(self.state.provider)
            record_failure(record, why)
            self._finish(record)
            return record
        record.model = provider.model
        self.task = self.tasks.spawn(self._call(record, provider, [*messages, *turns],
                                                extra_params, tools))
        return record

    async def _call(self, record: RunRecord, provider, messages, extra_params, tools) -> None:
        started = self._started
        self._set_running(True)
        try:
            params = self._parameters(provider, extra_params, tools)
            # The one way a prompt is sent, as `promptpress play` sends it (the keychain is
            # read off the GUI thread; litellm is loaded only for the calls that need it).
            result = await play.call(provider, messages, params, stream=True,
                                     on_delta=self._delta, timeout=self.timeout)
        except asyncio.CancelledError:
            self._flush()
            record.status = "cancelled"
            record.latency_s = time.perf_counter() - started
            self._finish(record)
            raise
        except (gateway.ProviderError, SecretsError, ContentError) as exc:
            self._flush()
            record_failure(record, exc)
            self._finish(record)
            return
        except BaseException:
            self._flush()
            record.status = "failed"
            record.error_title = "Something went wrong"
            record.error_message = "Promptpress ran into a problem it did not expect."
            self._finish(record)
            raise
        self._flush()
        streamed = record.output
        record.output = result.text
        record.status = "done"
        record.tokens_in, record.tokens_out, record.cost = (result.tokens_in, result.tokens_out,
                                                            result.cost)
        record.latency_s, record.ttft_s = result.latency_s, result.ttft_s
        record.finish_reason = result.finish_reason
        self._finish(record, streamed)

    def _parameters(self, provider, extra_params: dict[str, Any], tools) -> dict[str, Any]:
        # Normalised exactly as a saved version would be, then merged as `promptpress play` does.
        content = PromptContent(messages=(Message("user", ""),),
                                parameters={**extra_params, **self.state.params},
                                response_format=self.state.response_format, tools=tools)
        return play.call_parameters(content, provider)

    def _delta(self, piece: str) -> None:
        self._pending.append(piece)
        if not self.flusher.isActive():
            self.flusher.start()

    def _flush(self) -> None:
        self.flusher.stop()
        if not self._pending or self.running is None:
            self._pending.clear()
            return
        text = "".join(self._pending)
        self._pending.clear()
        self.running.output += text
        if self.shown is self.running:
            if not self.isVisible():
                self._stale = True  # a tab in the background: draw it when it is shown
                return
            if self.body.currentWidget() is not self.output:
                self.body.setCurrentWidget(self.output)
            self.output.append_text(text)

    def _finish(self, record: RunRecord, streamed: str | None = None) -> None:
        if self.running is record:
            self.running = None
            self._set_running(False)
        self.earlier.refresh(record)
        if self.shown is record:
            # What streamed in is on screen already: only re-render if the answer differs.
            self.show_run(record, render=streamed != record.output or record.status == "failed")
        self.run_finished.emit(self.uid)

    def _set_running(self, on: bool) -> None:
        self.run_button.setVisible(not on)
        self.stop_button.setVisible(on)
        if on:
            self.elapsed.start()
            self._show_running_stats()
        else:
            self.elapsed.stop()

    def _show_running_stats(self) -> None:
        record = self.running
        if record is None or self.shown is not record:
            return
        seconds = time.perf_counter() - self._started
        words = "Writing" if record.output else "Waiting for the first words"
        self.stats.setText(f"{words}… {seconds:.1f} s")

    def cancel(self) -> None:
        if self.is_running:
            self.task.cancel()

    # -- showing runs --------------------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if self._stale:
            self.show_run(self.shown)

    def show_run(self, record: RunRecord | None, render: bool = True) -> None:
        self.shown = record
        render = render or self._stale
        self._stale = False
        if record is None:
            self._show_empty()
        else:
            why = explanation_of(record)
            if why is not None:
                self.error.show_explanation(why)
                self.body.setCurrentWidget(self.error)
                self.stats.setText(f"{record.provider or record.model}: no answer")
            else:
                if render or self.body.currentWidget() is not self.output:
                    self.output.show_thread(record.turns, record.output)
                self.body.setCurrentWidget(self.output)
                if record.status == "done":
                    self.stats.setText(format_stats(record))
                elif record.status == "cancelled":
                    took = f" after {record.latency_s:.1f} s" if record.latency_s else ""
                    self.stats.setText(f"Stopped{took}; the answer is incomplete.")
                else:
                    self._show_running_stats()
        row = self.earlier.row_of(record)
        self.history_box.setCurrentIndex(row)
        self.reply_row.setVisible(record is not None and record.status == "done")
        self.copy_action.setEnabled(record is not None and bool(record.output))
        self._update_history_controls()

    def _show_empty(self) -> None:
        if not self.catalog.providers and self.catalog.loaded:
            text = ("No providers yet.\n\nAdd one in Providers (an API key, or a local model "
                    "such as Ollama) to run prompts here.")
        elif self.state.provider is None:
            text = "Choose a provider above, then Run (Ctrl+Enter runs every column)."
        elif self.state.runs:
            text = "Conversation cleared.\n\nRun to start again; earlier answers stay in the list above."
        else:
            text = "Run to see this model's answer here.\n\nCtrl+Enter runs every column."
        self.empty.setText(text)
        self.body.setCurrentWidget(self.empty)
        self.stats.setText("")

    def _history_picked(self, row: int) -> None:
        if 0 <= row < len(self.state.runs):
            self.show_run(self.state.runs[row])

    def _step(self, delta: int) -> None:
        row = self.earlier.row_of(self.shown)
        row = len(self.state.runs) - 1 if row < 0 else row + delta
        if 0 <= row < len(self.state.runs):
            self.show_run(self.state.runs[row])

    def _update_history_controls(self) -> None:
        n = len(self.state.runs)
        row = self.earlier.row_of(self.shown)
        self.history_box.setVisible(n > 1)
        self.prev_button.setVisible(n > 1)
        self.next_button.setVisible(n > 1)
        self.prev_button.setEnabled(row > 0 or (row < 0 and n > 0))
        self.next_button.setEnabled(0 <= row < n - 1)

    # -- conversation --------------------------------------------------------------------------
    def send_reply(self) -> None:
        text = self.reply.text()
        record = self.shown
        if not text.strip() or record is None or record.status != "done":
            return
        turns = [*record.turns, {"role": "assistant", "content": record.output},
                 {"role": "user", "content": text}]
        self.reply.set_text("")
        self.reply_requested.emit(self.uid, turns)

    def reset_conversation(self) -> None:
        self.cancel()
        self.show_run(None)

    def copy_answer(self) -> None:
        if self.shown is not None:
            QApplication.clipboard().setText(self.shown.output)

    def _error_action(self, action: str) -> None:
        if action == "providers":
            self.providers_requested.emit()
        elif action == "shorten":
            self.shorten_requested.emit()
        elif action == "retry":
            # Again with the prompt as it is now (the user may have shortened it meanwhile).
            record = self.shown
            if record is not None and record.turns:
                self.reply_requested.emit(self.uid, record.turns)
            else:
                self.run_requested.emit(self.uid)

    def shutdown(self) -> None:
        self.cancel()
        self.flusher.stop()
        self.elapsed.stop()
        self.error.countdown.stop()


class _NoProvider(Exception):
    def __init__(self, name: str | None) -> None:
        self.kind = "unknown_provider" if name else "no_provider"
        if name:
            self.message = f"The provider '{name}' is not in this workspace any more."
            self.hint = "Pick another provider for this column, or add it again in Providers."
        else:
            self.message = "This column has no provider yet."
            self.hint = "Pick one in the list at the top of the column, or add one in Providers."
        super().__init__(self.message)


def _small(label: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setText(label)
    button.setToolTip(tip)
    button.setAutoRaise(True)
    return button


__all__ = ["ModelColumn", "explain"]
