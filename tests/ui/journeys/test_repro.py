"""Reproductions through the real window of what crashed for users."""

from __future__ import annotations

import pytest

from tests.ui.conftest import save_prompt
from PySide6.QtWidgets import QLineEdit

from tests.ui.conftest import type_text
from tests.ui.real_app import click, click_button


def _one_prompt(ws):
    save_prompt(ws, "support/greet", ("system", "Be kind."), ("user", "Hello {{ name }}"))


@pytest.mark.parametrize("item", ["Publish…", "Browse Releases…", "Review Pending Release…",
                                  "Signing Keys…"])
def test_release_menu_items_open(open_app, item):
    app = open_app(populate=_one_prompt)
    app.aio.run(app.view.open_prompt_async("support/greet"))
    app.choose("Release", item)
    app.aio.sleep(0.5)


def test_save_version_button(open_app):
    app = open_app(populate=_one_prompt)
    tab = app.aio.run(app.view.open_prompt_async("support/greet"))
    tab.messages.cards[1].editor.setPlainText("Hello {{ name }}!")
    tab.refresh_now()
    click(tab.save_button)
    dialog = app.wait_window(title="Save version")
    type_text(dialog.findChild(QLineEdit), "more enthusiastic")
    click_button(dialog, "Save version")
    app.aio.wait(lambda: "Saved version" in tab.banner.text(), what="the saved banner")
    app.aio.sleep(0.3)


def test_test_sets_window(open_app):
    app = open_app(populate=_one_prompt)
    app.aio.run(app.view.open_prompt_async("support/greet"))
    app.choose("Test", "Test Sets and Runs…")
    app.aio.sleep(0.5)
