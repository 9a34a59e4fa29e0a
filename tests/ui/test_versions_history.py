"""The history panel: its model (lazy, with custom roles, qtmodeltester-clean) and its actions
(compare, compare with the draft, open as a draft, restore) on a real workspace."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import QModelIndex, Qt

from desktop.core.version_history import HistoryEntry, ReleaseRef
from desktop.ui.versions import HistoryModel, HistoryPanel
from desktop.ui.versions.history_model import (
    BATCH,
    EntryRole,
    IsCurrentRole,
    KindRole,
    SortRole,
    VersionIdRole,
    relative_time,
)
from storage.releases.content import Message, PromptContent
from storage.workspace import prompts as repo
from storage.workspace.models import Release, Result, Run

from .conftest import answering, save_prompt

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=timezone.utc)


def vid(k: int) -> str:
    return f"{k:08x}".ljust(64, "e")


def entry(k: int, kind: str = "saved", **kw) -> HistoryEntry:
    values = dict(kind=kind, version_id=vid(k), author="ann", time=NOW - timedelta(hours=k),
                  message=f"note {k}", parent_id=vid(k + 1), is_current=False)
    values.update(kw)
    return HistoryEntry(**values)


def entries(n: int) -> list[HistoryEntry]:
    out = [entry(k, is_current=(k == 3)) for k in range(n)]
    out[2] = entry(2, "restored", message="Restored from 0000", parent_id=vid(9))
    out[4] = entry(4, "renamed", version_id=None, parent_id=None, message="Renamed from a to b")
    out[5] = entry(5, releases=(ReleaseRef("demo", 3, "production", "dir", NOW),
                                ReleaseRef("demo", 3, "production", "http", NOW)),
                   score=0.8512, scored_cases=40)
    return out


def test_model_passes_qtmodeltester_with_lazy_rows(qtmodeltester):
    model = HistoryModel(now=lambda: NOW)
    qtmodeltester.check(model)
    model.set_entries(entries(BATCH * 2 + 10))
    qtmodeltester.check(model)
    model.set_show_events(False)
    qtmodeltester.check(model)


def test_model_loads_rows_in_batches():
    model = HistoryModel(now=lambda: NOW)
    model.set_entries(entries(10_000))
    assert model.rowCount() == BATCH and model.total == 10_000
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 2 * BATCH
    assert model.row_of(vid(9000)) == 9000 and model.rowCount() >= 9001
    model.set_show_events(False)
    assert model.total == 10_000 - 2 and model.rowCount() == BATCH


def test_model_columns_and_roles():
    model = HistoryModel(now=lambda: NOW)
    model.set_entries(entries(8))

    def cell(row: int, column: int, role=Qt.ItemDataRole.DisplayRole):
        return model.data(model.index(row, column), role)

    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(7)] == \
        ["Version", "Saved by", "When", "Note", "Based on", "Releases", "Score"]
    assert cell(0, 0) == vid(0)[:12] and cell(0, 2) == "just now"
    assert cell(3, 0) == f"{vid(3)[:12]}  ● current" and cell(3, 0, IsCurrentRole) is True
    assert cell(3, 0, Qt.ItemDataRole.FontRole).bold()
    assert cell(2, 0) == f"↺ restored {vid(2)[:12]}" and cell(2, 4) == f"was {vid(9)[:12]}"
    assert cell(4, 0) == "renamed" and cell(4, 0, VersionIdRole) is None
    assert cell(4, 0, KindRole) == "renamed" and cell(4, 0, Qt.ItemDataRole.FontRole).italic()
    assert cell(5, 5) == "production #3"
    assert "http" in cell(5, 5, Qt.ItemDataRole.ToolTipRole)
    assert cell(5, 6) == "0.85" and cell(5, 6, SortRole) == pytest.approx(0.8512)
    assert "40 cases" in cell(5, 6, Qt.ItemDataRole.ToolTipRole)
    assert cell(1, 2, SortRole) == (NOW - timedelta(hours=1)).timestamp()
    assert cell(1, 0, EntryRole).version_id == vid(1)
    first = entry(0, parent_id=None, message="")
    model.set_entries([first])
    assert cell(0, 4) == "first version" and cell(0, 3) == "(no note)"


def test_relative_times():
    assert relative_time(NOW - timedelta(seconds=20), NOW) == "just now"
    assert relative_time(NOW - timedelta(minutes=1), NOW) == "1 minute ago"
    assert relative_time(NOW - timedelta(minutes=42), NOW) == "42 minutes ago"
    local = NOW.astimezone()
    two_days = (NOW - timedelta(days=2)).astimezone()
    assert relative_time(NOW - timedelta(days=2), NOW) == f"{two_days:%A %H:%M}"
    old = datetime(2024, 3, 12, 9, 30, tzinfo=timezone.utc)
    assert relative_time(old, NOW).endswith("Mar 2024")
    assert local.tzinfo is not None


# -- The panel on a workspace ------------------------------------------------------------


@pytest.fixture
def panel(aio, workspace, qtbot):
    made: list[HistoryPanel] = []

    def make(name: str) -> HistoryPanel:
        widget = HistoryPanel(workspace, name)
        qtbot.addWidget(widget)
        widget.resize(1400, 900)
        widget.show()
        aio.run(widget.tasks.wait())
        made.append(widget)
        return widget

    yield make
    for widget in made:
        widget.shutdown()
        aio.run(widget.tasks.wait())


def recorder(signal) -> list:
    seen: list = []
    signal.connect(lambda *args: seen.append(args))
    return seen


def three_versions(workspace) -> list[str]:
    a = save_prompt(workspace, "support/greet", ("system", "Be kind.\n"), ("user", "{{ q }}"))
    b = save_prompt(workspace, "support/greet", ("system", "Be kind. \n"), ("user", "{{ q }}"))
    c = save_prompt(workspace, "support/greet", ("system", "Be warm. \n"), ("user", "{{ q }}"),
                    model="openai/gpt-4o-mini")
    return [a, b, c]


def test_panel_lists_versions_and_shows_what_the_newest_changed(panel, workspace, aio):
    a, b, c = three_versions(workspace)
    widget = panel("support/greet")
    assert widget.model.rowCount() == 3
    assert [widget.model.entry(r).version_id for r in range(3)] == [c, b, a]
    assert widget.count.text() == "· 3 versions"
    # the newest is selected; its diff against the version it was saved from is shown
    compared = recorder(widget.compared)
    aio.wait(lambda: widget.diff_view.changes is not None, what="diff shown")
    assert widget.diff_view.summary_text().startswith("2 changes: model set to "
                                                      "openai/gpt-4o-mini; line 1 changed")
    widget.select_versions(b)
    aio.wait(lambda: compared and compared[-1] == (a, b), what="a -> b compared",
             state=lambda: compared)
    assert widget.diff_view.summary_text() == ("1 change: trailing space added on line 1 of "
                                               "the system message.")
    assert widget.diff_view.left_title.text().startswith(f"Before: version {a[:12]}")


def test_panel_compares_two_selected_versions_oldest_first(panel, workspace, aio):
    a, b, c = three_versions(workspace)
    widget = panel("support/greet")
    compared = recorder(widget.compared)
    widget.select_versions(c, a)
    aio.wait(lambda: compared and compared[-1] == (a, c), what="a -> c compared")
    assert widget.diff_view.changes is not None and len(widget.diff_view.changes) == 2


def test_first_version_compares_with_nothing(panel, workspace, aio):
    a, _b, _c = three_versions(workspace)
    widget = panel("support/greet")
    compared = recorder(widget.compared)
    widget.select_versions(a)
    aio.wait(lambda: compared and compared[-1] == ("", a))
    assert widget.diff_view.left_title.text() == "Before: nothing (first version)"
    assert "the system message added" in widget.diff_view.summary_text()


def test_compare_with_the_open_draft(panel, workspace, aio):
    a, b, c = three_versions(workspace)
    widget = panel("support/greet")
    assert not widget.compare_draft_button.isEnabled()
    draft = PromptContent(messages=(Message("system", "Be warm.\t\n"), Message("user", "{{ q }}")),
                          model="openai/gpt-4o-mini")
    widget.set_draft(draft, "your draft (not saved)")
    widget.select_versions(c)
    aio.wait(lambda: widget.compare_draft_button.isEnabled())
    compared = recorder(widget.compared)
    widget.compare_draft_button.click()
    aio.wait(lambda: compared and compared[-1] == (c, "draft"), what="draft compared")
    assert widget.diff_view.right_title.text() == "After: your draft (not saved)"
    assert "trailing whitespace changed from 1 space to 1 tab on line 1" in \
        widget.diff_view.summary_text()


def test_open_as_draft_emits_the_version_pk(panel, workspace, aio):
    a, b, _c = three_versions(workspace)
    widget = panel("support/greet")
    widget.select_versions(b)
    opened = recorder(widget.open_version_requested)
    aio.wait(lambda: widget.open_button.isEnabled())
    widget.open_button.click()
    aio.wait(lambda: opened, what="open requested")
    with workspace.session() as session:
        assert opened == [(repo.resolve(session, f"support/greet@{b}").pk,)]


def test_restore_asks_then_records_a_restored_row(panel, workspace, aio):
    a, b, c = three_versions(workspace)
    widget = panel("support/greet")
    asked: list[str] = []
    widget.ask_restore = answering(lambda vid: asked.append(vid) or True)
    restored = recorder(widget.restored)
    widget.select_versions(a)
    aio.wait(lambda: widget.restore_button.isEnabled())
    widget.restore_button.click()
    aio.wait(lambda: restored, what="restored")
    assert asked == [a] and restored == [(a,)]
    top = widget.model.entry(0)
    assert (top.kind, top.version_id, top.parent_id) == ("restored", a, c)
    assert widget.model.find_version(a).is_current
    assert widget.notice.text() == f"Version {a[:12]} is the current version again."
    with workspace.session() as session:
        assert repo.resolve(session, "support/greet").version_id == a
    # the current version cannot be restored again; a "no" changes nothing
    widget.select_versions(a)
    aio.wait(lambda: not widget.restore_button.isEnabled())
    widget.ask_restore = answering(lambda vid: False)
    aio.run(widget.restore_version(b))
    with workspace.session() as session:
        assert repo.resolve(session, "support/greet").version_id == a


def test_renames_show_between_versions_and_can_be_hidden(panel, workspace, aio):
    three_versions(workspace)
    with workspace.session() as session:
        repo.rename_prompt(session, "support/greet", "support/hello", author="chen")
    widget = panel("support/hello")
    assert widget.model.entry(0).kind == "renamed"
    widget.table.selectRow(0)
    aio.wait(lambda: "Renamed from support/greet to support/hello" in widget.diff_view.empty.text())
    widget.show_events.setChecked(False)
    assert [widget.model.entry(r).kind for r in range(widget.model.rowCount())] == ["saved"] * 3


def test_releases_and_scores_fill_their_columns(panel, workspace, aio):
    a, _b, _c = three_versions(workspace)
    with workspace.session() as session:
        pk = repo.resolve(session, f"support/greet@{a}").pk
        session.add(Release(project="demo", number=4, channel="production", destination="d",
                            manifest_sha256="0" * 64, prompts={"support/greet": a}))
        run = Run(settings={})
        session.add(run)
        session.flush()
        session.add_all([Result(run_id=run.id, version_pk=pk, provider="x", score=0.5),
                         Result(run_id=run.id, version_pk=pk, provider="y", score=1.0)])
    widget = panel("support/greet")
    row = widget.model.row_of(a)
    assert widget.model.data(widget.model.index(row, 5)) == "production #4"
    assert widget.model.data(widget.model.index(row, 6)) == "0.75"


def test_a_missing_prompt_is_reported_not_raised(panel):
    widget = panel("nope/missing")
    assert widget.model.rowCount() == 0
    assert "nope/missing" in widget.notice.text()


def test_complete_entries_appends_behind_the_rows_shown(qtmodeltester):
    model = HistoryModel(now=lambda: NOW)
    full = entries(BATCH * 3)
    model.set_entries(full[:BATCH])
    resets = recorder(model.modelReset)
    model.complete_entries(full)
    assert not resets and model.total == BATCH * 3 and model.rowCount() == BATCH
    qtmodeltester.check(model)
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    assert [model.entry(r) for r in range(model.rowCount())] == full
    # Someone saved between the first page and the rest: the rows are replaced.
    newer = [entry(-1)] + full
    model.complete_entries(newer)
    assert resets and model.entry(0) == newer[0] and model.total == len(newer)


def test_panel_shows_a_first_page_then_the_whole_history_in_order(panel, workspace, aio,
                                                                  monkeypatch):
    from desktop.ui.versions import history_panel

    monkeypatch.setattr(history_panel, "FIRST_PAGE", 2)
    ids = three_versions(workspace)
    ids += [save_prompt(workspace, "support/greet", ("system", f"Be warm {k}. שלום 😀\n"),
                        ("user", "{{ q }}")) for k in range(3)]
    with workspace.session() as session:
        repo.rename_prompt(session, "support/greet", "support/hello", author="chen")
    widget = panel("support/hello")
    while widget.model.canFetchMore(QModelIndex()):
        widget.model.fetchMore(QModelIndex())
    rows = [widget.model.entry(r) for r in range(widget.model.rowCount())]
    assert [r.kind for r in rows] == ["renamed"] + ["saved"] * 6
    assert [r.version_id for r in rows[1:]] == ids[::-1]
    assert widget.count.text() == "· 6 versions"
    with workspace.session() as session:
        from desktop.core.version_history import version_history
        assert rows == version_history(session, "support/hello")
