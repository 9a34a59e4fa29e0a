"""The values form: one field per variable the messages use, kept per tab."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from storage.releases.content import Variable

from ..widgets import hbox, label, scroll_down, vbox
from .editor import PromptTextEdit


class VariableField(QFrame):
    changed = Signal(str, str)  # name, value

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.setObjectName("variableField")
        self.label = QLabel(name)
        self.label.setObjectName("variableName")
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.description = QLabel()
        self.description.setObjectName("variableDescription")
        self.description.setWordWrap(True)
        self.description.hide()
        self.editor = PromptTextEdit(self, template=False, min_lines=1, max_lines=8,
                                     shared_undo=False)
        self.editor.setObjectName("variableEditor")
        self.editor.setTabChangesFocus(True)
        self.editor.textChanged.connect(lambda: self.changed.emit(self.name, self.editor.text()))
        vbox(self.label, self.description, self.editor, margins=0, spacing=3, parent=self)

    def describe(self, variable: Variable | None) -> None:
        text = variable.description if variable else ""
        self.description.setText(text)
        self.description.setVisible(bool(text))
        if variable is not None and variable.default is not None:
            shown = variable.default if variable.default.strip() else repr(variable.default)
            self.editor.setPlaceholderText(f"Leave empty to use the default: {shown}")
        else:
            self.editor.setPlaceholderText(f"The value for {self.name} (it may span lines)")

    def value(self) -> str:
        return self.editor.text()

    def set_value(self, value: str) -> None:
        if value != self.editor.text():
            self.editor.blockSignals(True)
            self.editor.set_text(value)
            self.editor.blockSignals(False)

    def flash(self) -> None:
        self._set_attention(True)
        if not hasattr(self, "_flash_timer"):
            self._flash_timer = QTimer(self)  # a child: it dies with the field
            self._flash_timer.setSingleShot(True)
            self._flash_timer.setInterval(1600)
            self._flash_timer.timeout.connect(self._unflash)
        self._flash_timer.start()

    def _unflash(self) -> None:
        self._set_attention(False)

    def _set_attention(self, on: bool) -> None:
        self.setProperty("attention", on)
        for widget in (self, self.editor):  # the rule styles the editor inside
            widget.style().unpolish(widget)
            widget.style().polish(widget)


class VariablesPanel(QWidget):
    """Fields for the variables in use. Values of variables no longer used are kept, unseen,
    so that renaming a variable back brings its value back."""

    value_changed = Signal(str, str)
    fill_requested = Signal()  # "Fill from test case…"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("variablesPanel")
        self.fill_button = QToolButton()
        self.fill_button.setText("Fill from test case ▾")
        self.fill_button.setObjectName("linkButton")
        self.fill_button.setToolTip("Fill these fields from a row of a test set")
        self.fill_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.fill_button.hide()
        header = hbox(label("Values", "sectionTitle"), None, self.fill_button, margins=0)
        self.empty = QLabel(
            "No variables yet.\n\nWrite {{ name }} in a message and a field for it appears "
            "here, so you can try the prompt with different values.")
        self.empty.setObjectName("emptyState")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.fields: dict[str, VariableField] = {}
        self._values: dict[str, str] = {}
        inner = QWidget()
        inner.setObjectName("variablesInner")
        self.rows = QVBoxLayout(inner)
        self.rows.setContentsMargins(0, 0, 6, 0)
        self.rows.setSpacing(12)
        self.rows.addWidget(self.empty)
        self.rows.addStretch(1)
        scroll = scroll_down(QScrollArea(), "variablesScroll")
        scroll.viewport().setObjectName("variablesViewport")
        scroll.setWidget(inner)
        vbox(header, (scroll, 1), margins=0, spacing=8, parent=self)

    def set_variables(self, names: list[str], declared: dict[str, Variable]) -> None:
        """Show a field per name, in this order, keeping the fields (and focus) that stay."""
        for name in list(self.fields):
            if name not in names:
                field = self.fields.pop(name)
                self.rows.removeWidget(field)
                field.hide()
                field.deleteLater()
        for index, name in enumerate(names):
            field = self.fields.get(name)
            if field is None:
                field = VariableField(name)
                field.set_value(self._values.get(name, ""))
                field.changed.connect(self._changed)
                self.fields[name] = field
            field.describe(declared.get(name))
            if self.rows.indexOf(field) != index:
                self.rows.removeWidget(field)
                self.rows.insertWidget(index, field)
        self.empty.setVisible(not names)

    def names(self) -> list[str]:
        return list(self.fields)

    def values(self) -> dict[str, str]:
        """Every value typed in this tab, shown or not (what the draft keeps)."""
        return dict(self._values)

    def filled(self) -> dict[str, str]:
        """Values for a run: fields left empty are not given (defaults apply, or it is refused)."""
        return {k: v for k, v in self._values.items() if v != ""}

    def set_values(self, values: dict[str, str]) -> None:
        self._values = dict(values)
        for name, field in self.fields.items():
            field.set_value(self._values.get(name, ""))

    def focus_variable(self, name: str) -> None:
        field = self.fields.get(name)
        if field is None:
            return
        field.editor.setFocus(Qt.FocusReason.OtherFocusReason)
        field.flash()

    def _changed(self, name: str, value: str) -> None:
        self._values[name] = value
        self.value_changed.emit(name, value)
