"""Model columns against the loopback server: streaming, cancelling, failures in plain words
while the other columns carry on, conversations, and the history of earlier answers."""

from __future__ import annotations

import socket

import pytest

from desktop.core import providers as core_providers
from desktop.ui.playground.output import OutputView

from .conftest import save_prompt


def add(workspace, name: str, model: str, base_url: str, **kw) -> None:
    kw.setdefault("api_key", "sk-test")
    core_providers.add_provider(workspace, name, f"openai/{model}", base_url=base_url, **kw)


@pytest.fixture
def two_columns(workspace, fake_provider):
    """A prompt and a view whose tab has two columns: "good" (echo) and "other"."""
    add(workspace, "good", "echo", fake_provider.base_url)
    save_prompt(workspace, "p", ("user", "Tell me about {{ topic }}"), model="openai/echo")

    def open_with(harness, second: str):
        tab = harness.open("p")
        tab.variables.set_values({"topic": "tea"})
        column = tab.columns.add_column()
        column.apply_setting("provider", (second, harness.view.catalog.get(second).model))
        return tab

    return open_with


def test_output_streams_in_by_appending(workspace, fake_provider, provider, harness, monkeypatch):
    fake_provider.chunk_interval = 0.03
    fake_provider.script("echo", ["one two three four five six seven eight nine ten"])
    save_prompt(workspace, "s", ("user", "hi"), model="openai/echo")
    tab = harness.open("s")
    column = tab.columns.columns[0]
    renders, appends = [], []
    monkeypatch.setattr(OutputView, "setPlainText", lambda *a: pytest.fail("setPlainText"))
    monkeypatch.setattr(OutputView, "append", lambda *a: pytest.fail("append adds a paragraph"))
    original_show, original_append = OutputView.show_thread, OutputView.append_text
    monkeypatch.setattr(OutputView, "show_thread",
                        lambda self, t, a: (renders.append(a), original_show(self, t, a)))
    monkeypatch.setattr(OutputView, "append_text",
                        lambda self, text: (appends.append(text), original_append(self, text)))
    harness.aio.run(tab.run_all())
    record = column.state.runs[-1]
    partial = harness.aio.wait(lambda: record.status == "running" and record.output
                               and column.output.toPlainText())
    assert "one" in partial and record.status == "running"
    assert column.stop_button.isVisibleTo(column) and not column.run_button.isVisibleTo(column)
    harness.aio.wait(lambda: record.status == "done")
    assert column.output.toPlainText() == "one two three four five six seven eight nine ten"
    assert renders == [""]  # rendered once, empty, when the run started; then only appended
    assert len(appends) >= 2 and "".join(appends) == record.output
    assert column.stats.text().startswith("1 token sent, 10 received · cost unknown · took ")
    assert "first words after" in column.stats.text() and column.stats.text().endswith("finished")
    assert "Tokens are the pieces of text" in column.stats.toolTip()
    assert record.tokens_out == 10 and record.latency_s > 0 and record.ttft_s <= record.latency_s


def test_a_run_can_be_cancelled_and_the_connection_is_closed(workspace, fake_provider, harness):
    add(workspace, "hang", "fault-hang", fake_provider.base_url)
    save_prompt(workspace, "c", ("user", "hi"), model="openai/fault-hang")
    harness.aio.run(harness.view.catalog.reload())
    tab = harness.open("c")
    column = tab.columns.columns[0]
    harness.aio.run(tab.run_all())
    harness.aio.wait(lambda: fake_provider.requests, what="the request to arrive")
    assert column.is_running
    column.stop_button.click()
    record = column.state.runs[-1]
    harness.aio.wait(lambda: record.status == "cancelled")
    assert not column.is_running
    assert column.stats.text().startswith("Stopped after")
    harness.aio.wait(lambda: fake_provider.abandoned == 1, what="the server to see us leave")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


FAILURES = {
    "rate_limited": ("fault-429:7", "Too many requests right now", "Wait 7 s", "retry"),
    "bad_key": ("fault-401", "The API key was refused", "Set a valid API key", "Open Providers…"),
    "context_too_long": ("fault-context", "The input is too long for this model", "Shorten the input",
                         "Show the messages"),
    "unknown_model": ("fault-404", "This model is not known here", "Check the model id",
                      "Open Providers…"),
    "timeout": ("fault-hang", "No answer in time", "Try again", None),
    "unreachable": ("echo-offline", "Cannot reach the model", "Check the base URL", None),
    "missing_key": ("echo-nokey", "No API key set", "environment variable", "Open Providers…"),
}


@pytest.mark.parametrize("kind", list(FAILURES))
def test_a_failure_shows_in_its_column_and_the_others_carry_on(kind, workspace, fake_provider,
                                                               two_columns, aio):
    model, title, hint, button = FAILURES[kind]
    base = fake_provider.base_url
    if kind == "unreachable":
        base = f"http://127.0.0.1:{_closed_port()}/v1"
    extra = {"api_key": None, "api_key_env": "PROMPTPRESS_TEST_UNSET_KEY"} if kind == "missing_key" else {}
    add(workspace, "bad", model, base, **extra)
    from .conftest import ViewHarness

    harness = ViewHarness(aio, workspace)
    try:
        tab = two_columns(harness, "bad")
        good, bad = tab.columns.columns
        if kind == "timeout":
            bad.timeout = 0.5
        harness.aio.run(tab.run_all())
        harness.aio.wait(lambda: good.state.runs[-1].status == "done"
                         and bad.state.runs[-1].status == "failed", timeout=15,
                         state=lambda: (good.state.runs, bad.state.runs))
        assert good.output.toPlainText() == "Echo: Tell me about tea"
        record = bad.state.runs[-1]
        assert record.error_kind == kind
        assert bad.body.currentWidget() is bad.error
        assert bad.error.title.text() == title
        assert hint in bad.error.hint.text() + bad.error.message.text()
        if button == "retry":
            assert not bad.error.retry.isEnabled()
            assert bad.error.retry.text() in ("Try again in 7 s", "Try again in 6 s")
        elif button:
            assert bad.error.primary.text() == button and not bad.error.primary.isHidden()
        if kind == "unreachable":
            assert record.latency_s is None or record.latency_s < 5
    finally:
        harness.close()


def test_conversation_continues_in_a_column_then_resets(workspace, fake_provider, provider, harness):
    save_prompt(workspace, "conv", ("system", "Be terse."), ("user", "Hello"), model="openai/echo")
    tab = harness.open("conv")
    column = tab.columns.columns[0]
    harness.aio.run(tab.run_all())
    harness.aio.wait(lambda: column.state.runs[-1].status == "done")
    assert not column.reply_row.isHidden()
    column.reply.set_text("And again?")
    column.send_button.click()
    harness.aio.wait(lambda: len(column.state.runs) == 2 and column.state.runs[-1].status == "done")
    assert fake_provider.requests[-1].body["messages"] == [
        {"role": "system", "content": "Be terse."}, {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "Echo: Hello"}, {"role": "user", "content": "And again?"}]
    shown = column.output.toPlainText()
    assert "YOU" in shown and "And again?" in shown and shown.endswith("Echo: And again?")
    assert "reply 1" in column.earlier.data(column.earlier.index(1))

    column.reset_conversation()
    assert column.body.currentWidget() is column.empty
    assert "Conversation cleared" in column.empty.text()
    harness.aio.run(tab.run_all())
    harness.aio.wait(lambda: len(column.state.runs) == 3 and column.state.runs[-1].status == "done")
    assert len(fake_provider.requests[-1].body["messages"]) == 2


def test_earlier_answers_stay_in_the_column_to_compare(workspace, fake_provider, provider, harness, qtmodeltester):
    fake_provider.script("echo", ["first answer", "second answer"])
    save_prompt(workspace, "h", ("user", "hi"), model="openai/echo")
    tab = harness.open("h")
    column = tab.columns.columns[0]
    for n in (1, 2):
        harness.aio.run(tab.run_all())
        harness.aio.wait(lambda: len(column.state.runs) == n and column.state.runs[-1].status == "done")
    assert column.output.toPlainText() == "second answer"
    assert not column.history_box.isHidden()
    column.prev_button.click()
    assert column.output.toPlainText() == "first answer"
    assert column.history_box.currentIndex() == 0
    column.next_button.click()
    assert column.output.toPlainText() == "second answer"
    qtmodeltester.check(column.earlier)


def test_ctrl_enter_in_a_message_runs_every_column(workspace, fake_provider, provider, harness, qtbot):
    from PySide6.QtCore import Qt

    save_prompt(workspace, "k", ("user", "hi"), model="openai/echo")
    tab = harness.open("k")
    tab.columns.add_column()
    harness.view.activateWindow()
    qtbot.waitUntil(lambda: harness.view.isActiveWindow(), timeout=3000)
    editor = tab.messages.cards[0].editor
    editor.setFocus()
    qtbot.keyClick(editor, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    harness.aio.wait(lambda: all(c.state.runs and c.state.runs[-1].status == "done"
                                 for c in tab.columns.columns))
    assert tab.messages.cards[0].text() == "hi"  # no line break typed
    assert len(fake_provider.requests) == 2
