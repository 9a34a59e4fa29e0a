"""The prompt browser: a tree by folder, searchable by name and text; a click opens a tab."""

from __future__ import annotations

import pytest

from desktop.ui.browser import KindRole, PathRole, PromptEntry, PromptFilter, PromptTreeModel

from .conftest import save_prompt

ENTRIES = [
    PromptEntry("support/summarize-call", "For the CRM", 3, "ab" * 32, "You summarise calls"),
    PromptEntry("support/triage/route", "", 1, "cd" * 32, "Route the ticket to a team"),
    PromptEntry("marketing/tagline", "", 1, "ef" * 32, "Write a tagline in עברית"),
    PromptEntry("standalone", "", 0, None, ""),
]


def _rows(model, parent=None):
    from PySide6.QtCore import QModelIndex

    parent = parent or QModelIndex()
    out = []
    for row in range(model.rowCount(parent)):
        index = model.index(row, 0, parent)
        out.append(index.data(PathRole))
        out.extend(_rows(model, index))
    return out


# The filter changes the list row by row when few stretches change, else in one re-layout:
# every test of it runs both ways.
BOTH_WAYS = pytest.mark.parametrize("few", [10**9, -1], ids=["row by row", "re-layout"])


@BOTH_WAYS
def test_the_tree_models_pass_the_model_tester(qtmodeltester, monkeypatch, few):
    monkeypatch.setattr("desktop.ui.browser.FEW_STRETCHES", few)
    model = PromptTreeModel()
    model.set_entries(ENTRIES, ["empty-folder"])
    qtmodeltester.check(model)
    proxy = PromptFilter()
    proxy.setSourceModel(model)
    proxy.set_query("route")
    qtmodeltester.check(proxy)
    for query in ("tagline", "", "nothing like this", "support", "עברית"):  # watched as it changes
        proxy.set_query(query)
        qtmodeltester.check(proxy)


def test_folders_come_first_and_empty_folders_stay():
    model = PromptTreeModel()
    model.set_entries(ENTRIES, ["empty-folder"])
    assert _rows(model) == ["empty-folder", "marketing", "marketing/tagline", "support",
                            "support/triage", "support/triage/route", "support/summarize-call",
                            "standalone"]
    assert model.index(0, 0).data(KindRole) == "folder"


@BOTH_WAYS
def test_search_matches_names_descriptions_and_text(monkeypatch, few):
    monkeypatch.setattr("desktop.ui.browser.FEW_STRETCHES", few)
    model = PromptTreeModel()
    model.set_entries(ENTRIES)
    proxy = PromptFilter()
    proxy.setSourceModel(model)
    proxy.set_query("TEAM")  # in the text only
    assert _rows(proxy) == ["support", "support/triage", "support/triage/route"]
    proxy.set_query("crm summarise")  # every word, across description and text
    assert _rows(proxy) == ["support", "support/summarize-call"]
    proxy.set_query("עברית")
    assert _rows(proxy) == ["marketing", "marketing/tagline"]
    proxy.set_query("support")  # a folder's name keeps all it holds
    assert "support/triage/route" in _rows(proxy)


def test_clicking_a_prompt_opens_it_once(harness, workspace):
    save_prompt(workspace, "folder/p", ("user", "hi"))
    harness.aio.run(harness.view.refresh_browser())
    browser = harness.view.browser
    browser.tree.expandAll()
    index = browser.proxy.mapFromSource(browser.model.index_of("folder/p"))
    browser.tree.clicked.emit(index)
    harness.aio.wait(lambda: harness.view.tabs.count() == 1)
    browser.tree.clicked.emit(index)
    harness.aio.run(harness.view.tasks.wait())
    assert harness.view.tabs.count() == 1
    browser.search.setText("nothing like this")
    browser._apply_search()
    assert "Nothing matches" in browser.empty.text()


@BOTH_WAYS
def test_the_selected_prompt_stays_selected_while_the_search_narrows_the_list(harness, workspace,
                                                                          monkeypatch, few):
    """The filter changes the list in one step (5,000 prompts took seconds row by row); what the
    person selected stays selected as long as it still matches."""
    monkeypatch.setattr("desktop.ui.browser.FEW_STRETCHES", few)
    for name, text in (("support/refund", "Offer the refund"), ("support/greet", "שלום"),
                       ("sales/pitch", "Pitch the refund plan")):
        save_prompt(workspace, name, ("user", text))
    harness.aio.run(harness.view.refresh_browser())
    browser = harness.view.browser
    browser.tree.expandAll()
    browser.tree.setCurrentIndex(browser.proxy.mapFromSource(
        browser.model.index_of("support/refund")))

    def selected() -> str | None:
        return browser.tree.currentIndex().data(PathRole)

    for query in ("refund", "REFUND offer", "support", ""):
        browser.search.setText(query)
        browser._apply_search()
        assert selected() == "support/refund", query
    browser.search.setText("שלום")
    browser._apply_search()
    assert _rows(browser.proxy) == ["support", "support/greet"]


def test_how_the_filter_changes_follows_how_many_stretches_change():
    """Scattered changes across many prompts re-lay the list out once; a folder hidden as a
    whole, or a few prompts, go row by row."""
    entries = [PromptEntry(f"team{p % 3}/p{p:03}", "", 1, "ab" * 32,
                           "refund" if p % 2 else "refund late") for p in range(120)]
    model = PromptTreeModel()
    model.set_entries(entries)
    proxy = PromptFilter()
    proxy.setSourceModel(model)
    assert proxy._stretches_changing([], ["late"]) == 60  # every other prompt: 60 stretches
    assert proxy._stretches_changing([], ["nowhere"]) == 1  # every folder goes: one stretch
    assert proxy._stretches_changing(["refund"], ["refund"]) == 0
    calls = []
    proxy.layoutChanged.connect(lambda *a: calls.append("layout"))
    proxy.rowsRemoved.connect(lambda *a: calls.append("removed"))
    proxy.set_query("late")
    assert calls == ["layout"] and len(_rows(proxy)) == 3 + 60
    calls.clear()
    proxy.set_query("")
    proxy.set_query("nowhere")
    assert "removed" in calls and _rows(proxy) == []
