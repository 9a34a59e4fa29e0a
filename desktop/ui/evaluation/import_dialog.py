"""Importing a test set from CSV, JSONL or XLSX: the whole file is read and checked first, shown
as a preview with every problem listed, and imported only when there is none (all rows or none).

The file is read off the GUI thread (`preview_import`); changing the encoding or format reads
it again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import (QAbstractTableModel, QModelIndex, QPersistentModelIndex, QPoint, Qt,
                            Signal)
from PySide6.QtGui import QColor
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QButtonGroup, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHeaderView, QLabel,
    QLineEdit, QListWidget, QListWidgetItem, QMenu, QRadioButton, QTableView, QWidget,
)

from desktop.core.testsets import ImportPreview, preview_import

from ..tasks import TaskSet
from ..widgets import button, hbox, label, resize_within, splitter, vbox
from .common import FAIL, FAIL_BG, STYLE, one_line

Index = QModelIndex | QPersistentModelIndex

ENCODINGS: tuple[tuple[str, str | None], ...] = (
    ("Detect automatically", None),
    ("UTF-8", "utf-8"),
    ("UTF-8 with BOM", "utf-8-sig"),
    ("UTF-16 (Excel “Unicode text”)", "utf-16"),
    ("Windows-1252 (Western European)", "cp1252"),
    ("Windows-1250 (Central European)", "cp1250"),
    ("Windows-1251 (Cyrillic)", "cp1251"),
    ("Windows-1253 (Greek)", "cp1253"),
    ("Windows-1254 (Turkish)", "cp1254"),
    ("Windows-1255 (Hebrew)", "cp1255"),
    ("Windows-1256 (Arabic)", "cp1256"),
    ("ISO-8859-1 (Latin-1)", "latin-1"),
    ("Shift_JIS (Japanese)", "shift_jis"),
    ("GB18030 (Chinese)", "gb18030"),
    ("EUC-KR (Korean)", "euc_kr"),
)
FORMATS: tuple[tuple[str, str | None], ...] = (
    ("Detect from the file", None), ("CSV / TSV", "csv"), ("JSON Lines", "jsonl"),
    ("Excel workbook (.xlsx)", "xlsx"))
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
FILE_FILTER = ("Test sets (*.csv *.tsv *.txt *.jsonl *.ndjson *.xlsx);;CSV (*.csv *.tsv *.txt);;"
               "JSON Lines (*.jsonl *.ndjson);;Excel (*.xlsx);;All files (*)")
ROLE_WORDS = {"expected": "expected output", "notes": "notes", "tags": "tags"}


class PreviewModel(QAbstractTableModel):
    """The file's cells as read, with each column's role in its header; rows with a problem
    are tinted. Holds the preview's tuples as they are: nothing is copied per row."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._preview: ImportPreview | None = None
        self._columns: tuple[str, ...] = ()
        self._rows: tuple[dict[str, str], ...] = ()
        self._numbers: tuple[int, ...] = ()
        self._bad: dict[int, str] = {}

    def set_preview(self, preview: ImportPreview | None) -> None:
        self.beginResetModel()
        self._preview = preview
        table = preview.table if preview else None
        self._columns = table.columns if table else ()
        self._rows = table.rows if table else ()
        self._numbers = table.row_numbers if table else ()
        self._bad = {}
        for error in (preview.errors if preview else ()):
            if error.row is not None:
                self._bad.setdefault(error.row, error.message)
        self.endResetModel()

    def role_of(self, column: str) -> str:
        roles = self._preview.roles if self._preview else None
        if roles is None:
            return ""
        if column in roles.variables:
            return f"→ {{{{ {roles.variables[column]} }}}}"
        for role in ("expected", "notes", "tags"):
            if getattr(roles, role) == column:
                return f"→ {ROLE_WORDS[role]}"
        return "→ not used"

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            if 0 <= section < len(self._rows):
                return str(self._numbers[section]) if section < len(self._numbers) \
                    else str(section + 2)
            return None
        if 0 <= section < len(self._columns):
            column = self._columns[section]
            return f"{column}\n{self.role_of(column)}"
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows) \
                or not 0 <= index.column() < len(self._columns):
            return None
        number = self._numbers[index.row()] if index.row() < len(self._numbers) else None
        if role == Qt.ItemDataRole.DisplayRole:
            return one_line(self._rows[index.row()].get(self._columns[index.column()], ""), 200)
        if role == Qt.ItemDataRole.ToolTipRole:
            problem = self._bad.get(number) if number is not None else None
            text = self._rows[index.row()].get(self._columns[index.column()], "")
            return (f"Row {number}: {problem}\n\n" if problem else "") + text[:1000] or None
        if role == Qt.ItemDataRole.BackgroundRole and number in self._bad:
            return FAIL_BG
        return None


class ImportDialog(QDialog):
    """Choose a file, check the preview, import. After `exec()` returns Accepted, `rows()`
    gives every row (`desktop.core.testsets.CaseRow`) and `replace` says whether they
    replace the test set's cases or are added after them."""

    preview_changed = Signal(object)  # ImportPreview or None

    def __init__(self, variables: Sequence[str] | None = None, *, defaults: Sequence[str] = (),
                 path: str | Path | None = None, tasks: TaskSet | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importDialog")
        self.setWindowTitle("Import test cases")
        self.setStyleSheet(STYLE)
        resize_within(self, 1000, 680)
        self.tasks = tasks if tasks is not None else TaskSet()
        self.variables = list(variables) if variables is not None else None
        self.defaults = list(defaults)
        self.preview: ImportPreview | None = None
        self.path: Path | None = None
        self._loading = 0
        self.overrides: dict[str, str] = {}  # column -> role chosen by the user

        self.path_edit = QLineEdit()
        self.path_edit.setReadOnly(True)
        self.path_edit.setPlaceholderText("No file chosen")
        choose = button("Choose file…", self.choose_file)
        self.format_box = QComboBox()
        for text, value in FORMATS:
            self.format_box.addItem(text, value)
        self.encoding_box = QComboBox()
        for text, value in ENCODINGS:
            self.encoding_box.addItem(text, value)
        self.encoding_box.setToolTip("If accents or letters look wrong in the preview, choose "
                                     "the encoding the file was saved in")
        self.format_box.currentIndexChanged.connect(self._reload)
        self.encoding_box.currentIndexChanged.connect(self._reload)
        self.detected = label("", "hint", selectable=True)

        self.replace_button = QRadioButton("Replace the cases in this test set")
        self.append_button = QRadioButton("Add them after the existing cases")
        self.replace_button.setChecked(True)
        mode = QButtonGroup(self)
        mode.addButton(self.replace_button)
        mode.addButton(self.append_button)

        form = QFormLayout()
        form.addRow("File", hbox((self.path_edit, 1), choose))
        form.addRow("", hbox(QLabel("Format"), self.format_box, 16, QLabel("Encoding"),
                             self.encoding_box, None))
        form.addRow("", self.detected)
        form.addRow("Cases", hbox(self.replace_button, self.append_button, None))

        self.model = PreviewModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.horizontalHeader().setDefaultSectionSize(180)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setMinimumHeight(40)
        self.table.horizontalHeader().setSectionsClickable(True)
        self.table.horizontalHeader().setToolTip("Click a column's header to choose what it "
                                                 "fills")
        self.table.horizontalHeader().sectionClicked.connect(self._choose_role)
        self.roles_hint = label("Click a column's header to choose what it fills.", "hint")

        self.status = label("Choose a CSV, JSON Lines or Excel file. Nothing is imported "
                            "until you confirm.", "summary", wrap=True)
        self.problems = QListWidget()
        self.problems.setObjectName("problems")
        self.problems.setWordWrap(True)
        self.problems.hide()

        split = splitter(self.table, self.problems, stretch=(4, 1), sizes=[560, 120],
                         vertical=True, collapsible=True)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setObjectName("primary")
        self.import_button.setEnabled(False)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)

        vbox(form, self.roles_hint, (split, 1), self.status, self.buttons, parent=self)
        if path is not None:
            self.load(path)

    # -- loading -------------------------------------------------------------------------
    def choose_file(self) -> None:
        self.tasks.spawn(self._ask_file())

    async def _ask_file(self) -> None:
        from .. import asking

        name = await asking.open_file(self, "Choose the file to import", "testset-import",
                                      FILE_FILTER)
        if name:
            self.load(name)

    def load(self, path: str | Path) -> None:
        self.path = Path(path)
        self.overrides = {}
        self.path_edit.setText(str(self.path))
        self._reload()

    def _reload(self) -> None:
        if self.path is not None:
            self.tasks.spawn(self.load_async())

    async def load_async(self) -> ImportPreview | None:
        """Read the file with the chosen format and encoding, then show the preview."""
        if self.path is None:
            return None
        self._loading += 1
        ticket = self._loading
        self.import_button.setEnabled(False)
        self.status.setText(f"Reading {self.path.name}…")
        preview = await asyncio.to_thread(
            preview_import, self.path, self.variables, defaults=self.defaults,
            format=self.format_box.currentData(), encoding=self.encoding_box.currentData(),
            overrides=dict(self.overrides))
        if ticket == self._loading:  # a newer read replaces this one
            self.show_preview(preview)
        return preview

    def show_preview(self, preview: ImportPreview) -> None:
        self.preview = preview
        self.model.set_preview(preview)
        table = preview.table
        few = 0 < len(table.columns) <= 5
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Stretch if few else QHeaderView.ResizeMode.Interactive)
        facts = [table.format.upper()]
        if table.encoding:
            chosen = self.encoding_box.currentData()
            facts.append(f"encoding {table.encoding}" + ("" if chosen else " (detected)"))
        if table.delimiter:
            facts.append(f"delimiter: {DELIMITER_NAMES.get(table.delimiter, repr(table.delimiter))}")
        if table.sheet:
            facts.append(f"sheet “{table.sheet}”")
        facts.append(f"{len(table.rows):,} rows, {len(table.columns)} columns")
        self.detected.setText(" · ".join(facts))
        self.problems.clear()
        for error in preview.errors:
            item = QListWidgetItem(f"✗  {str(error)[:1000]}")
            item.setForeground(FAIL)
            self.problems.addItem(item)
        for warning in preview.warnings:
            item = QListWidgetItem(f"!  {warning}")
            item.setForeground(QColor("#93370d"))
            self.problems.addItem(item)
        self.problems.setVisible(bool(preview.errors or preview.warnings))
        if preview.ok and table.rows:
            self.status.setText(f"{len(table.rows):,} cases are ready to import. Check that the "
                                "columns go where you expect (the arrows in the headers).")
            self.import_button.setEnabled(True)
        else:
            n = len(preview.errors)
            self.status.setText(
                f"Nothing can be imported yet: {n} problem{'s' * (n != 1)} (listed above). Fix "
                "them in the file and choose it again, or pick another encoding if the text "
                "looks wrong." if n else "The file has no rows to import.")
            self.import_button.setEnabled(False)
        self.preview_changed.emit(preview)

    # -- column roles ----------------------------------------------------------------------
    def role_choices(self) -> list[tuple[str, str]]:
        """(label, role) pairs a column can be given."""
        out = [(f"Fills {{{{ {v} }}}}", f"variable:{v}") for v in (self.variables or [])]
        if self.variables is None:
            out.append(("A variable of the same name", "variable"))
        out += [("Expected output", "expected"), ("Notes", "notes"), ("Tags", "tags"),
                ("Not imported", "ignore")]
        return out

    def set_role(self, column: str, role: str | None) -> None:
        """Give a column a role (None: back to the automatic choice) and read again."""
        if role is None:
            self.overrides.pop(column, None)
        else:
            self.overrides[column] = role
        self._reload()

    def _choose_role(self, section: int) -> None:
        if self.preview is None or not 0 <= section < len(self.preview.columns):
            return
        column = self.preview.columns[section]
        menu = QMenu(self)
        for label, role in self.role_choices():
            action = QAction(label, menu)
            action.setCheckable(True)
            action.setChecked(self.overrides.get(column) == role)
            action.triggered.connect(lambda _=False, r=role: self.set_role(column, r))
            menu.addAction(action)
        if column in self.overrides:
            menu.addSeparator()
            automatic = QAction("Choose automatically", menu)
            automatic.triggered.connect(lambda: self.set_role(column, None))
            menu.addAction(automatic)
        header = self.table.horizontalHeader()
        menu.popup(header.mapToGlobal(QPoint(header.sectionViewportPosition(section),
                                             header.height())))

    # -- result --------------------------------------------------------------------------
    @property
    def replace(self) -> bool:
        return self.replace_button.isChecked()

    def rows(self):
        """Every row of the file; raises ImportProblem if the preview has errors."""
        if self.preview is None:
            return []
        return self.preview.cases()

    def _accept(self) -> None:
        if self.preview is not None and self.preview.ok and self.preview.table.rows:
            self.accept()

    def done(self, result: int) -> None:
        self.tasks.cancel_all()
        super().done(result)
