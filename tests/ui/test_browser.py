"""The prompt browser: a tree by folder, searchable by name and text; a click opens a tab."""

from __future__ import annotations

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


def test_the_tree_models_pass_the_model_tester(qtmodeltester):
    model = PromptTreeModel()
    model.set_entries(ENTRIES, ["empty-folder"])
    qtmodeltester.check(model)
    proxy = PromptFilter()
    proxy.setSourceModel(model)
    proxy.set_query("route")
    qtmodeltester.check(proxy)


def test_folders_come_first_and_empty_folders_stay():
    model = PromptTreeModel()
    model.set_entries(ENTRIES, ["empty-folder"])
    assert _rows(model) == ["empty-folder", "marketing", "marketing/tagline", "support",
                            "support/triage", "support/triage/route", "support/summarize-call",
                            "standalone"]
    assert model.index(0, 0).data(KindRole) == "folder"


def test_search_matches_names_descriptions_and_text():
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
