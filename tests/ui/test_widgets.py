"""The shared list helpers: tick-box items carry their data, and the ticked data reads back."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget

from desktop.ui.widgets import check_item, checked_data


def test_ticked_items_read_back_in_list_order(qtbot):
    box = QListWidget()
    qtbot.addWidget(box)
    box.addItem(check_item("fast  (openai/gpt-4o-mini)", "fast", True, "cheapest"))
    box.addItem(check_item("slow  (ollama/llama3)", "slow", False))
    box.addItem(check_item("mid  (anthropic/haiku)", {"key": "mid"}, True, selectable=True))
    assert checked_data(box) == ["fast", {"key": "mid"}]
    box.item(1).setCheckState(Qt.CheckState.Checked)
    box.item(0).setCheckState(Qt.CheckState.Unchecked)
    assert checked_data(box) == ["slow", {"key": "mid"}]
    assert box.item(0).toolTip() == "cheapest"
    assert not box.item(0).flags() & Qt.ItemFlag.ItemIsSelectable
    assert box.item(2).flags() & Qt.ItemFlag.ItemIsSelectable
    assert box.item(2).flags() & Qt.ItemFlag.ItemIsUserCheckable
