"""The Logs view's filters: prompt, release, version, time, feedback, errors, and text search.

Every change emits `changed` with the new `CallFilter`; typing in the search box waits until
the typing pauses (DEBOUNCE_MS), so a search runs once per word, not once per key.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QLineEdit, QWidget

from storage.workspace.logs import CallFilter, LogFacets

from ..widgets import hbox, label, single_shot

DEBOUNCE_MS = 300
FEEDBACK = (("Any feedback or none", None), ("Negative feedback", "negative"),
            ("Positive feedback", "positive"), ("Neutral feedback", "neutral"),
            ("With feedback", "any"), ("Without feedback", "none"),
            ("Corrected output", "corrected"))
PERIODS = (("Any time", None), ("Last 24 hours", timedelta(days=1)),
           ("Last 7 days", timedelta(days=7)), ("Last 30 days", timedelta(days=30)),
           ("Between dates…", "dates"))


def _combo(name: str, tip: str) -> QComboBox:
    box = QComboBox()
    box.setObjectName(name)
    box.setToolTip(tip)
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    return box


class FilterBar(QWidget):
    changed = Signal(object)  # CallFilter

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pks: tuple[int, ...] | None = None  # only these calls (an alert's), until cleared
        self._quiet = False
        self.prompt = _combo("promptFilter", "Whose calls: one prompt, or every prompt")
        self.prompt.addItem("All prompts", None)
        self.release = _combo("releaseFilter", "Calls of one release")
        self.release.addItem("Any release", None)
        self.version = _combo("versionFilter", "Calls of one version")
        self.version.addItem("Any version", None)
        self.period = _combo("periodFilter", "When the calls were made (UTC)")
        for text, value in PERIODS:
            self.period.addItem(text, value)
        today = QDate.currentDate()
        self.since = QDateEdit(today.addDays(-7))
        self.until = QDateEdit(today)
        for edit, tip in ((self.since, "From this day (UTC)"), (self.until, "To this day, "
                                                                "inclusive (UTC)")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setToolTip(tip)
            edit.setVisible(False)
            edit.dateChanged.connect(lambda _d: self._emit())
        self.feedback = _combo("feedbackFilter", "Calls by the feedback users gave")
        for text, value in FEEDBACK:
            self.feedback.addItem(text, value)
        self.errors = QCheckBox("Errors only")
        self.errors.setObjectName("errorsOnly")
        self.search = QLineEdit()
        self.search.setObjectName("logSearch")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText("Search variables, outputs, errors and feedback…")
        self.search.setMinimumWidth(240)
        self.only = label("", "onlyThese")
        self.only.setVisible(False)
        self.debounce = single_shot(self, "logSearchDebounce", DEBOUNCE_MS, self._emit)
        self.search.textChanged.connect(lambda _t: self.debounce.start())
        self.search.returnPressed.connect(self._emit_now)
        for box in (self.prompt, self.release, self.version, self.feedback):
            box.currentIndexChanged.connect(lambda _i: self._emit())
        self.period.currentIndexChanged.connect(self._period_changed)
        self.errors.toggled.connect(lambda _on: self._emit())
        self.setLayout(hbox(self.prompt, self.release, self.version, self.period, self.since,
                            self.until, self.feedback, self.errors, (self.search, 1), self.only,
                            margins=0, spacing=6))

    # -- choices ---------------------------------------------------------------------------
    def set_facets(self, facets: LogFacets) -> None:
        """Offer what the logs hold, keeping what is chosen."""
        self._quiet = True
        try:
            self._fill(self.prompt, [(f"{name} ({n:,})", name) for name, n in facets.prompts])
            self._fill(self.release, [(f"Release {r}", r) for r in facets.releases])
            self._fill(self.version, [(f"Version {v[:8]}", v) for v in facets.versions[:50]])
        finally:
            self._quiet = False

    @staticmethod
    def _fill(box: QComboBox, items: list[tuple[str, object]]) -> None:
        chosen = box.currentData()
        while box.count() > 1:
            box.removeItem(1)
        for text, value in items:
            box.addItem(text, value)
        if chosen is not None:
            index = box.findData(chosen)
            if index < 0:  # still filtering on it: keep offering it
                box.addItem(str(chosen), chosen)
                index = box.count() - 1
            box.setCurrentIndex(index)

    def set_prompt(self, prompt: str | None) -> None:
        if prompt is None:
            self.prompt.setCurrentIndex(0)
            return
        index = self.prompt.findData(prompt)
        if index < 0:
            self.prompt.addItem(prompt, prompt)
            index = self.prompt.count() - 1
        self.prompt.setCurrentIndex(index)

    def set_only(self, pks: tuple[int, ...] | None) -> None:
        """Show only these calls (with the other filters), or every call again (None)."""
        self.pks = pks
        self.only.setText(f"Only the {len(pks):,} calls asked for" if pks is not None else "")
        self.only.setVisible(pks is not None)
        self._emit()

    def _period_changed(self, _index: int) -> None:
        dates = self.period.currentData() == "dates"
        self.since.setVisible(dates)
        self.until.setVisible(dates)
        self._emit()

    # -- the filter ------------------------------------------------------------------------
    def current(self, now: datetime | None = None) -> CallFilter:
        since = until = None
        period = self.period.currentData()
        if isinstance(period, timedelta):
            since = (now or datetime.now(timezone.utc)) - period
        elif period == "dates":
            since = datetime.combine(self.since.date().toPython(), time(), timezone.utc)
            until = datetime.combine(self.until.date().toPython(), time(),
                                     timezone.utc) + timedelta(days=1)
        return CallFilter(prompt=self.prompt.currentData(), release=self.release.currentData(),
                          version=self.version.currentData(), since=since, until=until,
                          feedback=self.feedback.currentData(),
                          errors=True if self.errors.isChecked() else None,
                          text=self.search.text() or None, pks=self.pks)

    def _emit_now(self) -> None:
        self.debounce.stop()
        self._emit()

    def _emit(self) -> None:
        if not self._quiet:
            self.debounce.stop()
            self.changed.emit(self.current())
