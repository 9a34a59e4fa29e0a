"""A column's parameters: temperature, max tokens, top P, stop sequences, seed, JSON answers.

Each field can be left at "default", which sends nothing and lets the provider decide.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from .params import SPEC, format_stops, parse_stops

DEFAULT = "default"
JSON_OBJECT = {"type": "json_object"}


def _float_box(key: str) -> QDoubleSpinBox:
    spec = SPEC[key]
    box = QDoubleSpinBox()
    box.setDecimals(2)
    box.setSingleStep(spec.step)
    # One step below the range stands for "not set".
    box.setRange(spec.minimum - spec.step, spec.maximum)
    box.setSpecialValueText(DEFAULT)
    box.setKeyboardTracking(False)
    box.setToolTip(spec.help)
    box.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)
    return box


def _int_box(key: str) -> QSpinBox:
    spec = SPEC[key]
    box = QSpinBox()
    box.setRange(int(spec.minimum) - 1, int(spec.maximum))
    box.setSingleStep(int(spec.step))
    box.setSpecialValueText(DEFAULT if key != "seed" else "none")
    box.setKeyboardTracking(False)
    box.setToolTip(spec.help)
    return box


class ColumnSettings(QFrame):
    changed = Signal(str, object)  # key, value (None = default)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("columnSettings")
        self._loading = False
        self.temperature = _float_box("temperature")
        self.max_tokens = _int_box("max_tokens")
        self.top_p = _float_box("top_p")
        self.seed = _int_box("seed")
        self.stop = QLineEdit()
        self.stop.setPlaceholderText("none — e.g.  END, \\n\\n")
        self.stop.setToolTip(SPEC["stop"].help)
        self.json = QCheckBox("Answer in JSON")
        self.json.setToolTip("Ask the model for a JSON object (response_format)")
        form = QFormLayout(self)
        form.setContentsMargins(8, 6, 8, 6)
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(4)
        form.addRow(SPEC["temperature"].label, self.temperature)
        form.addRow(SPEC["max_tokens"].label, self.max_tokens)
        form.addRow(SPEC["top_p"].label, self.top_p)
        form.addRow(SPEC["stop"].label, self.stop)
        form.addRow(SPEC["seed"].label, self.seed)
        form.addRow("", self.json)
        self.temperature.valueChanged.connect(lambda v: self._number("temperature", v))
        self.top_p.valueChanged.connect(lambda v: self._number("top_p", v))
        self.max_tokens.valueChanged.connect(lambda v: self._number("max_tokens", v))
        self.seed.valueChanged.connect(lambda v: self._number("seed", v))
        self.stop.editingFinished.connect(self._stops)
        self.json.toggled.connect(self._json)
        self._response_format: dict | None = None

    def load(self, params: dict[str, Any], response_format: dict | None) -> None:
        self._loading = True
        try:
            for key, box in (("temperature", self.temperature), ("top_p", self.top_p),
                             ("max_tokens", self.max_tokens), ("seed", self.seed)):
                value = params.get(key)
                box.setValue(box.minimum() if value is None else value)
            text = format_stops(params.get("stop"))
            if parse_stops(self.stop.text()) != (params.get("stop") or []):
                self.stop.setText(text)
            if response_format is not None:
                self._response_format = response_format  # remembered when switched off and on
            self.json.setChecked(response_format is not None)
            if response_format is not None and response_format.get("type") == "json_schema":
                self.json.setText("Answer in JSON (with the prompt's schema)")
            else:
                self.json.setText("Answer in JSON")
        finally:
            self._loading = False

    def _number(self, key: str, value: float) -> None:
        if self._loading:
            return
        box = getattr(self, key)
        if value <= box.minimum():
            self.changed.emit(key, None)
        else:
            self.changed.emit(key, int(value) if isinstance(box, QSpinBox) else round(value, 4))

    def _stops(self) -> None:
        if not self._loading:
            stops = parse_stops(self.stop.text())
            self.changed.emit("stop", stops or None)

    def _json(self, on: bool) -> None:
        if self._loading:
            return
        if on:
            fmt = self._response_format if self._response_format is not None else JSON_OBJECT
            self.changed.emit("response_format", dict(fmt))
        else:
            self.changed.emit("response_format", None)
