"""Journey 9: Test window → Run → "Run as batch" → the batch id and its status while it is
polled → the grid filled when the answers arrive; closing the window mid-batch loses nothing
(Resume collects it); a provider without a batch API is refused in words."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog

from desktop.core import providers as core_providers
from desktop.ui.evaluation.run_panel import RunPanel
from storage.workspace import runs, testsets
from tests.ui.conftest import save_prompt
from tests.ui.real_app import click, click_button, click_row, open_from_list, snap, tick

TEXT = "ردّ على {{ name }}"


def _populate(server, cases=6):
    def populate(ws):
        core_providers.add_provider(ws, "gpt", "openai/gpt-4o-mini", base_url=server.base_url,
                                    api_key="sk-test")
        core_providers.add_provider(ws, "local", "ollama/llama3", base_url=server.ollama_url)
        save_prompt(ws, "support/reply", ("user", TEXT))
        with ws.session() as s:
            ts = testsets.create_test_set(s, "gold", evaluators=["equals:{{ expected }}"])
            testsets.append_cases(s, ts, [
                testsets.CaseData({"name": f"n{i}"},
                                  expected="Echo: " + TEXT.replace("{{ name }}", f"n{i}"))
                for i in range(cases)])
    return populate


def _run_page(app, tab):
    app.press("Ctrl+Shift+T", tab.messages.cards[0].editor)
    window = app.wait_window(QDialog, "Test — support/reply")
    panel = window.panel
    app.aio.wait(lambda: panel.choices is not None, what="the window to load")
    window.pages.setCurrentIndex(window.TABS.index("run"))
    app.aio.wait(lambda: panel.providers.count() == 2 and not panel.running,
                 what="the run page")
    return window, panel


def _runs(app):
    with app.workspace.session() as s:
        return [(r.id, r.status, r.done, r.total) for r in runs.list_runs(s, limit=5)]


def _stored(app, run_id):
    with app.workspace.session() as s:
        return [c for row in runs.load_rows(s, run_id, 0, 100, preview_chars=None)
                for c in row.cells.values()]


def test_run_as_batch_shows_the_batch_and_fills_the_grid(open_app, fake_provider, monkeypatch):
    monkeypatch.setattr(RunPanel, "batch_poll_s", 0.05)
    fake_provider.batch_latency = 0.6
    app = open_app(populate=_populate(fake_provider))
    tab = open_from_list(app, "support/reply")
    window, panel = _run_page(app, tab)

    # A provider without a batch API is refused, in words, and nothing is sent.
    tick(panel.providers, 1, True)
    click(panel.batch)
    assert panel.batch.isChecked()
    click_button(panel, "Start run")
    app.aio.wait(lambda: "no batch API" in panel.message.text(), what="the refusal",
                 state=lambda: (panel.message.text(), panel.progress_label.text()))
    assert "local (ollama/llama3) has no batch API" in panel.message.text()
    assert "Untick “Run as batch”" in panel.message.text()
    assert fake_provider.requests == []
    tick(panel.providers, 1, False)

    click_button(panel, "Start run")
    label = app.aio.wait(lambda: "batch_fake" in panel.progress_label.text()
                         and panel.progress_label.text(), what="the batch id and status")
    assert "waiting in a batch" in label and "in_progress" in label
    snap(window, "journey9-batch-running")
    outcome = app.aio.wait(lambda: panel.outcome, timeout=20, what="the batch's answers",
                           state=panel.progress_label.text)
    assert outcome.status == "finished" and outcome.done == 6 and outcome.run_errors == 0
    assert not any(r.path.endswith("/chat/completions") for r in fake_provider.requests)
    assert window.grid.model is not None and window.grid.model.run_id == outcome.run_id
    assert window.grid.model.rowCount() == 6
    cells = _stored(app, outcome.run_id)
    assert all(c.passed and c.output == "Echo: " + TEXT.replace("{{ name }}", f"n{c.row}")
               for c in cells)
    snap(window, "journey9-batch-done")


def test_a_batch_survives_closing_the_window(open_app, fake_provider, monkeypatch):
    monkeypatch.setattr(RunPanel, "batch_poll_s", 0.05)
    fake_provider.batch_latency = 600.0  # still running when the window closes, however slow
    app = open_app(populate=_populate(fake_provider))
    tab = open_from_list(app, "support/reply")
    window, panel = _run_page(app, tab)
    click(panel.batch)
    click_button(panel, "Start run")
    app.aio.wait(lambda: "batch_fake" in panel.progress_label.text(), what="the batch")
    window.close()
    app.aio.wait(lambda: not window.isVisible(), what="the window to close")

    window, panel = _run_page(app, tab)
    app.aio.wait(lambda: panel.resumable.count() == 1, timeout=20, what="the stopped batch run",
                 state=lambda: (panel.progress_label.text(), panel.message.text(),
                                _runs(app), len(app.view.features.closing)))
    assert "of 6 done" in panel.resumable.item(0).text()
    click_row(panel.resumable, 0)
    fake_provider.clear_requests()
    fake_provider.batch_latency = 0.0  # the provider finished it meanwhile
    click_button(panel, "Resume")
    outcome = app.aio.wait(lambda: panel.outcome, timeout=20, what="the batch collected",
                           state=panel.progress_label.text)
    assert outcome.status == "finished" and outcome.done == 6
    paths = [(r.method, r.path) for r in fake_provider.requests]
    assert ("POST", "/v1/batches") not in paths, "the batch is not sent twice"
    assert all(c.passed for c in _stored(app, outcome.run_id))
