"""Journey 7: an application logged calls and feedback to a folder → Release → Logs… → Pull
Logs… (a sink added for the release repository; a malformed line reported with its file and
line) → filter negative feedback → select three → Add to Test Set… → run it on the loopback
provider → results. And the detail pane shows whitespace, right-to-left text and markup as the
text they are."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from desktop.core import providers as core_providers
from desktop.ui.logs import LogsWindow
from desktop.ui.logs.pull_dialog import PullDialog
from storage.workspace import testsets
from tests.support import log_segments as seg
from tests.ui.conftest import save_prompt
from tests.ui.real_app import click, click_button, click_row, fill, pick, snap, tick

RTL = "مرحبا بك في القاهرة\nשלום  "  # Arabic line, then Hebrew with two trailing spaces
LONG = ("Thank you for writing to us about your order. " * 12).strip()
MARKUP = "<b>not bold</b> &amp; <i>not italic</i>\t"
CITIES = ("Cairo", "São Paulo", "القاهرة", "Seoul 서울", "Tel Aviv תל אביב")


def _populate(fake_provider, versions: dict):
    def populate(ws):
        core_providers.add_provider(ws, "fast", "openai/echo", base_url=fake_provider.base_url,
                                    api_key="sk-test")
        versions[1] = save_prompt(ws, "support/greet", ("user", "Greet {{ name }} from {{ city }}."))
        versions[2] = save_prompt(ws, "support/greet",
                                  ("system", "Be brief.\n"),
                                  ("user", "Greet {{ name }} from {{ city }}."))
    return populate


def _write_logs(sink, versions: dict, calls: int = 240) -> dict:
    """`calls` calls over two days of releases 1 and 2, feedback on some; a second segment
    with one malformed line. Returns what was written."""
    records, negative = [], []
    for i in range(1, calls + 1):
        release = 1 if i <= calls // 2 else 2
        hour = (i * 47) % 48  # spread over two days
        day = "2026-12-01" if hour < 24 else "2026-12-02"
        output = {3: RTL, 4: LONG, 5: MARKUP}.get(i, f"Hello customer {i}, welcome from "
                                                     f"{CITIES[i % len(CITIES)]}.")
        records.append(seg.call(i, release=release, version=versions[release],
                                variables={"name": f"customer {i}", "city": CITIES[i % len(CITIES)]},
                                output=output, error="RateLimited: slow down" if i % 37 == 0
                                else None,
                                time=f"{day}T{hour % 24:02d}:{i % 60:02d}:00.000000Z"))
    for i in range(1, calls + 1):
        if i % 9 == 0 or i in (3, 4):
            negative.append(i)
            records.append(seg.feedback(10_000 + i, seg.call_id(i), rating=False,
                                        comment="too formal",
                                        corrected=f"Hi customer {i}!\n" if i % 2 else None,
                                        time="2026-12-02T23:00:00.000000Z"))
        elif i % 5 == 0:
            records.append(seg.feedback(10_000 + i, seg.call_id(i), rating=True,
                                        time="2026-12-02T23:00:00.000000Z"))
    good = seg.write(sink, seg.segment(records, seq=1))
    bad = seg.write(sink, seg.segment([seg.call(calls + 1, version=versions[2], release=2),
                                       b"{not json at all"], seq=2, writer="fedcba9876543210"))
    return {"negative": negative, "calls": calls + 1, "good": good, "bad": bad}


def _logs_window(app) -> LogsWindow:
    window = app.wait_window(LogsWindow)
    app.aio.wait(lambda: not window.model.loading and window.count.text() not in ("", "Looking…"),
                 what="the Logs window to load", state=window.count.text)
    return window


def test_pull_filter_add_to_test_set_and_run(open_app, fake_provider, tmp_path):
    versions: dict = {}
    app = open_app(populate=_populate(fake_provider, versions))
    sink, repository = tmp_path / "logs", tmp_path / "releases"
    written = _write_logs(sink, versions)

    app.choose("Release", "Logs…")
    window = _logs_window(app)
    assert window.model.total == 0 and "No logs in this workspace yet" in \
        window.detail.widget().findChild(type(window.count), "detailHint").text()

    # Pull Logs…: a sink for the release repository, then pull it
    click(window.pull_button)
    dialog = app.wait_window(PullDialog)
    app.aio.wait(lambda: not len(dialog.tasks), what="the pull dialog to load")
    fill(dialog.repository.lineEdit(), str(repository))
    app.person.will_choose(sink, title="Choose the folder the applications log to")
    click(dialog.add_folder)
    app.person.wait_done()
    app.aio.wait(lambda: dialog.sinks.count() == 1, what="the new sink",
                 state=dialog.status.text)
    assert str(sink) in dialog.sinks.item(0).text()
    click(dialog.pull_repository)
    app.aio.wait(lambda: dialog.reports and not dialog.running, timeout=30,
                 what="the pull to finish", state=dialog.status.text)
    report = dialog.report.toPlainText()
    assert f"{written['calls']:,} new calls" in report, report
    bad = written["bad"].relative_to(sink).as_posix()
    assert f"skipped {bad}, line 3:" in report, report  # header is line 1: the bad one is 3
    snap(dialog, "journey7-pull-logs")
    click_button(dialog, "Close")

    app.aio.wait(lambda: window.model.total == written["calls"], what="the pulled calls",
                 state=window.count.text)
    assert len(window.model.rows) == 200 and "showing the newest 200" in window.count.text()
    window.table.scrollToBottom()
    app.aio.wait(lambda: len(window.model.rows) == written["calls"], what="the next page")
    assert len({r.pk for r in window.model.rows}) == written["calls"]
    app.aio.wait(lambda: window.chart.points, what="the chart")
    assert {p.release for p in window.chart.points} == {1, 2}
    app.aio.wait(lambda: window.filters.release.count() == 3, what="the releases to filter on")

    # Negative feedback only
    pick(window.filters.feedback, "Negative feedback")
    app.aio.wait(lambda: window.model.total == len(written["negative"])
                 and not window.model.loading, what="the negative calls", state=window.count.text)
    assert "match" in window.count.text()
    click_row(window.table, 0)
    click_row(window.table, 1, ctrl=True)
    click_row(window.table, 2, ctrl=True)
    chosen = window.selected_rows()
    assert len(chosen) == 3 and all(r.negative for r in chosen)
    app.aio.wait(lambda: window.detail.shown is not None, what="the detail of a call")

    click(window.add_button)
    adding = app.wait_window(QDialog, "Add logged calls to a test set")
    assert adding.set_box.currentText() == "New test set…"
    fill(adding.new_name, "complaints")
    snap(adding, "journey7-add-to-test-set")
    click(adding.ok)
    app.aio.wait(lambda: "Added 3 logged calls" in window.notice.text(), what="the note",
                 state=window.notice.text)
    with app.workspace.session() as session:
        test_set = testsets.require_test_set(session, "complaints")
        cases = testsets.cases(session, test_set)
        assert testsets.owner_name(session, test_set) == "support/greet"
    by_name = {r.variables_preview["name"]: r for r in chosen}
    assert sorted(c.variables["name"] for c in cases) == sorted(by_name)
    for case in cases:
        i = int(case.variables["name"].split()[1])
        expected = f"Hi customer {i}!\n" if i % 2 and i % 9 == 0 else None
        if expected:
            assert case.expected == expected  # the corrected output, byte-exact
        assert "from-logs" in case.tags

    # Run the new set on the loopback provider
    click_button(window.notice, "Open the test set")
    tests = app.wait_window(QDialog, "Test — support/greet")
    app.aio.wait(lambda: tests.editor.loaded is not None and tests.editor.loaded.name
                 == "complaints", what="the test set", state=lambda: tests.editor.loaded)
    tests.pages.setCurrentIndex(1)
    panel = tests.panel
    app.aio.wait(lambda: "complaints" in panel.test_set_box.currentText(),
                 what="the set in the Run panel", state=panel.test_set_box.currentText)
    tick(panel.providers, 0)
    click(panel.start_button)
    grid = tests.grid
    app.aio.wait(lambda: grid.model is not None and grid.model.status == "finished",
                 timeout=30, what="the run to finish",
                 state=lambda: grid.model and grid.model.status)
    assert grid.model.total_rows == 3
    outputs = [grid.model.index(r, 1).data(Qt.ItemDataRole.DisplayRole) or "" for r in range(3)]
    assert all("Echo:" in o or "Greet" in o for o in outputs), outputs
    tests.close()

    # The screenshot: every call, the RTL one chosen
    pick(window.filters.feedback, "Any feedback or none")
    app.aio.wait(lambda: window.model.total == written["calls"] and not window.model.loading,
                 what="every call again")
    snap(window, "journey7-logs")
    window.close()


def test_detail_pane_shows_whitespace_rtl_and_markup_as_text(open_app, fake_provider, tmp_path):
    versions: dict = {}
    app = open_app(populate=_populate(fake_provider, versions))
    sink = tmp_path / "logs"
    seg.write(sink, seg.segment([
        seg.call(1, version=versions[1], output=RTL, variables={"name": "Nour\u202e", "city":
                                                                "  Tab\tville "}),
        seg.call(2, version=versions[1], output=MARKUP, time="2026-12-02T09:00:00.000000Z"),
        seg.call(3, version=versions[2], release=2, output="", time="2026-12-02T08:00:00.000000Z"),
        seg.feedback(9, seg.call_id(1), rating=False, comment="צריך להיות קצר יותר",
                     corrected="أهلا بك\n"),
    ]))
    app.choose("Release", "Logs…")
    window = _logs_window(app)
    click(window.pull_button)
    dialog = app.wait_window(PullDialog)
    fill(dialog.source, str(sink))
    click(dialog.pull_one)
    app.aio.wait(lambda: dialog.reports and not dialog.running, what="the pull")
    assert "3 new calls" in dialog.report.toPlainText()
    assert "skipped" not in dialog.report.toPlainText()
    click_button(dialog, "Close")
    app.aio.wait(lambda: window.model.total == 3, what="the calls", state=window.count.text)

    row = next(i for i, r in enumerate(window.model.rows) if r.log_id == seg.call_id(1))
    click_row(window.table, row)
    app.aio.wait(lambda: window.detail.shown is not None
                 and window.detail.shown.call.log_id == seg.call_id(1), what="call 1 in full")
    output = window.detail.blocks["output"]
    assert output.text == RTL
    assert output.view.toPlainText() == RTL  # shown as it is: line break kept, spaces drawn
    assert output.direction(0) == Qt.LayoutDirection.RightToLeft  # Arabic
    assert output.direction(1) == Qt.LayoutDirection.RightToLeft  # Hebrew
    assert "2 spaces or tabs at the end" in output.about.text()
    assert "no line break at the end" in output.about.text()
    name = window.detail.blocks["var:name"]
    assert name.view.toPlainText() == "Nour⟨U+202E⟩"  # a bidi override is shown, not obeyed
    assert "RIGHT-TO-LEFT OVERRIDE" in name.about.text()
    city = window.detail.blocks["var:city"]
    assert city.view.toPlainText() == "  Tab\tville " and "starts with spaces" in city.about.text()
    corrected = window.detail.blocks["corrected0"]
    assert corrected.text == "أهلا بك\n" and "ends with a line break" in corrected.about.text()
    assert corrected.direction(0) == Qt.LayoutDirection.RightToLeft
    messages = window.detail.blocks["message0"]
    assert messages.text == "Greet Nour\u202e from   Tab\tville ."  # rendered, byte-exact
    snap(window, "journey7-logs-detail")

    row = next(i for i, r in enumerate(window.model.rows) if r.log_id == seg.call_id(2))
    click_row(window.table, row)
    app.aio.wait(lambda: window.detail.shown.call.log_id == seg.call_id(2), what="call 2")
    markup = window.detail.blocks["output"]
    assert markup.view.toPlainText() == MARKUP  # never read as markup
    assert markup.direction(0) == Qt.LayoutDirection.LeftToRight
    row = next(i for i, r in enumerate(window.model.rows) if r.log_id == seg.call_id(3))
    assert window.model.index(row, 5).data() == "(empty)"
    click_row(window.table, row)
    app.aio.wait(lambda: window.detail.shown.call.log_id == seg.call_id(3), what="call 3")
    assert window.detail.blocks["output"].about.text() == "empty (0 characters)"
    window.close()
