"""A test set as an editable table: one column per prompt variable, then expected output,
notes and tags. Every change is a QUndoCommand on the model's stack, naming rows by uid (so
undoing a delete and then an edit before it works).

Over 500 lines on purpose: the paged Qt table model and the undo commands that edit it belong
together (each command calls the model's private row operations).

Opening needs only how many cases there are: a row's contents are read a page (`PAGE` rows)
at a time when the view first asks for one of them, so 100,000 cases open as fast as 100.
Unread rows are first the stored cases' ranks, then, once the editor has read their ids off
the GUI thread (`set_ids`), the ids. Saving writes what changed: the edited cases, the ones
added at the end, or, after rows were inserted, deleted or moved, the new order as ids
(`take_changes`), still without reading the others."""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QUndoCommand, QUndoStack

from dataclasses import dataclass, field

from desktop.core.testsets import parse_tags
from storage.workspace.testsets import CaseData

Index = QModelIndex | QPersistentModelIndex

RowRole = Qt.ItemDataRole.UserRole + 1  # the CaseRow
FieldRole = Qt.ItemDataRole.UserRole + 2  # ("variable", name) / ("expected",) / ...

EXPECTED, NOTES, TAGS = ("expected",), ("notes",), ("tags",)
ROLE_TITLES = {EXPECTED: "Expected output", NOTES: "Notes", TAGS: "Tags"}

_uids = itertools.count(1)
PAGE = 200  # rows read together when the view first shows one of them

# Reads these stored cases: {case id: data} (a case deleted meanwhile is left out).
Reader = Callable[[Sequence[int]], Mapping[int, CaseData]]
# Reads `count` stored cases from the `start`th in the stored order: [(case id, data)].
RankReader = Callable[[int, int], Sequence[tuple[int, CaseData]]]


@dataclass(slots=True)
class CaseRow:
    """One editable row. `uid` names it for undo (stable across delete + undo); `case_id` is
    its stored id, None until first saved."""

    uid: int
    variables: dict[str, str] = field(default_factory=dict)
    expected: str | None = None
    notes: str = ""
    tags: list[str] = field(default_factory=list)
    case_id: int | None = None

    def copy(self) -> "CaseRow":
        return CaseRow(self.uid, dict(self.variables), self.expected, self.notes,
                       list(self.tags), self.case_id)

    def data(self) -> CaseData:
        return CaseData(dict(self.variables), self.expected, self.notes, tuple(self.tags))


def new_row(variables: Mapping[str, Any] | None = None, expected: str | None = None,
            notes: str = "", tags: Iterable[str] = (), case_id: int | None = None) -> CaseRow:
    return CaseRow(next(_uids), {k: "" if v is None else str(v) for k, v in
                                 (variables or {}).items()},
                   expected, notes, list(tags), case_id)


def _stored_row(case_id: int, data: CaseData) -> CaseRow:
    return new_row(data.variables, data.expected, data.notes, data.tags, case_id)


@dataclass(slots=True)
class CaseChanges:
    """What to save (from `take_changes`). `order` is None while the stored order still holds
    (then `edited` are the stored rows edited and `appended` the rows added at the end);
    otherwise it is the whole new order: a stored case's id where only its place may have
    changed, a copy of the row where its data must be written (edited, new or put back)."""

    order: list[int | CaseRow] | None
    edited: list[CaseRow]
    appended: list[CaseRow]


def preview_line(text: str, limit: int = 300) -> str:
    """What a cell shows: the text up to `limit` characters, line breaks as ⏎."""
    head = text[:limit]
    return head.replace("\r\n", "⏎ ").replace("\n", "⏎ ") + ("…" if len(text) > limit else "")


class TestSetModel(QAbstractTableModel):
    """Rows are `CaseRow`s or, until a page of them is read, the stored case's rank (before
    `set_ids`) or id. Edits go through `undo_stack`; `changed` fires after each one."""

    __test__ = False
    changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self._variables: list[str] = []
        self._rows: list[CaseRow | int] = []  # an int: a stored case not read yet
        self._reader: Reader | None = None
        self._rank_reader: RankReader | None = None  # while the ints are ranks
        self.pages_read = 0  # how many reads of stored cases (tests and benchmarks count them)
        self._defaults: set[str] = set()
        # What changed since the last save: edited rows (by uid), and whether rows or columns
        # were added, removed or moved (then the whole order must be saved).
        self._edited: set[int] = set()
        self._reshaped = False
        self._appended: list[int] = []  # uids of rows added at the end (saved by appending)
        self._inserted: set[int] = set()  # uids of rows put in since (new, or an undone delete)

    # -- content -------------------------------------------------------------------------
    @property
    def variables(self) -> list[str]:
        return list(self._variables)

    def rows(self) -> list[CaseRow]:
        """Copies of every row (reads every case not read yet: saving a reshaped set, export)."""
        return [r.copy() for r in self._all_rows()]

    def row_at(self, position: int) -> CaseRow:
        row = self._rows[position]
        if isinstance(row, int):
            self._read(position - position % PAGE, position - position % PAGE + PAGE)
            row = self._rows[position]
        return row  # type: ignore[return-value]

    def _all_rows(self) -> list[CaseRow]:
        if any(isinstance(r, int) for r in self._rows):
            self._read(0, len(self._rows))
        return self._rows  # type: ignore[return-value]

    @property
    def by_rank(self) -> bool:
        """Whether rows not read yet are still ranks (`set_ids` has not come)."""
        return self._rank_reader is not None

    def set_ids(self, ids: Sequence[int]) -> None:
        """The stored cases' ids in the stored order: the unread rows become ids."""
        if self._rank_reader is None:
            return
        self._rows = [ids[r] if isinstance(r, int) and r < len(ids)
                      else new_row() if isinstance(r, int) else r for r in self._rows]
        self._rank_reader = None

    def _read(self, start: int, stop: int) -> None:
        """Read the stored cases at positions start..stop that are not read yet: one query
        (one per run of consecutive ranks, before `set_ids`)."""
        unread = [(p, r) for p in range(start, min(stop, len(self._rows)))
                  if isinstance(r := self._rows[p], int)]
        if not unread:
            return
        if self._rank_reader is not None:
            self._read_ranks(unread)
            return
        found = self._reader([case_id for _, case_id in unread]) if self._reader else {}
        self.pages_read += 1
        for p, case_id in unread:
            data = found.get(case_id)
            # Deleted elsewhere since opening: an empty new case takes its place.
            self._rows[p] = _stored_row(case_id, data) if data is not None else new_row()

    def _read_ranks(self, unread: list[tuple[int, int]]) -> None:
        runs: list[list[tuple[int, int]]] = []
        for p, rank in unread:
            if runs and runs[-1][-1][1] == rank - 1:
                runs[-1].append((p, rank))
            else:
                runs.append([(p, rank)])
        for run in runs:
            found = self._rank_reader(run[0][1], len(run))  # type: ignore[misc]
            self.pages_read += 1
            for i, (p, _rank) in enumerate(run):
                self._rows[p] = _stored_row(*found[i]) if i < len(found) else new_row()

    def unread(self) -> list[int]:
        """The ids of the stored cases not read yet, in the rows' order (after `set_ids`)."""
        assert self._rank_reader is None, "set_ids first"
        return [r for r in self._rows if isinstance(r, int)]

    def read_stored(self, ids: Sequence[int]) -> dict[int, CaseData]:
        """These stored cases (from `unread()`) through the reader, by id: safe on any thread
        (the rows are not touched); `fill` puts them in."""
        return dict(self._reader(ids)) if self._reader is not None and ids else {}

    def fill(self, read: Mapping[int, CaseData]) -> None:
        """Rows read elsewhere (`read_stored`), by id; rows read meanwhile are kept."""
        for p, case_id in enumerate(self._rows):
            if isinstance(case_id, int) and case_id in read:
                self._rows[p] = _stored_row(case_id, read[case_id])

    def _loaded(self) -> Iterable[CaseRow]:
        return (r for r in self._rows if not isinstance(r, int))

    def position_of(self, uid: int) -> int:
        for i, row in enumerate(self._rows):
            if not isinstance(row, int) and row.uid == uid:
                return i
        raise KeyError(uid)

    def fields(self) -> list[tuple[str, ...]]:
        return [("variable", v) for v in self._variables] + [EXPECTED, NOTES, TAGS]

    def field_of(self, column: int) -> tuple[str, ...]:
        return self.fields()[column]

    def load(self, variables: Sequence[str], rows: Sequence[CaseRow | int],
             defaults: Iterable[str] = (), reader: Reader | None = None,
             rank_reader: RankReader | None = None) -> None:
        """Show a stored test set; clears undo history. `rows` may be stored case ids, read
        through `reader` a page at a time as they are shown, or, with `rank_reader`, ranks in
        the stored order until `set_ids`."""
        self.beginResetModel()
        self._variables = list(dict.fromkeys(variables))
        self._rows = list(rows)
        self._reader = reader
        self._rank_reader = rank_reader
        self._defaults = set(defaults)
        self._edited, self._reshaped, self._appended, self._inserted = set(), False, [], set()
        self.endResetModel()
        self.undo_stack.clear()

    def extend_variables(self, names: Iterable[str]) -> None:
        """Columns for variables found in cases not read yet (not an edit: not undoable, and
        nothing to save)."""
        new = [n for n in dict.fromkeys(names) if n not in self._variables]
        if new:
            self._set_variables(self._variables + new, reshape=False)

    @property
    def reshaped(self) -> bool:
        """Whether the next save is a new order (see `take_changes`)."""
        return self._reshaped or any(
            row.case_id is None for row in self._loaded() if row.uid in self._edited
            and row.uid not in self._appended)

    def take_changes(self) -> CaseChanges:
        """What changed since the last call, which forgets it (see `CaseChanges`). The new
        order is taken when rows or columns were removed, moved or added elsewhere than at the
        end, or an edited row has no stored case; the rows not read stay ids."""
        reshaped, uids, appended = self.reshaped, self._edited, self._appended
        inserted = self._inserted
        self._edited, self._reshaped, self._appended, self._inserted = set(), False, [], set()
        new = set(appended)
        by_uid = {row.uid: row for row in self._loaded() if row.uid in uids or row.uid in new}
        edited = [by_uid[uid].copy() for uid in sorted(uids) if uid in by_uid and uid not in new]
        if not reshaped:
            return CaseChanges(None, edited, [by_uid[uid].copy() for uid in appended
                                              if uid in by_uid])
        assert self._rank_reader is None, "set_ids before saving a new order"
        write = uids | inserted | new
        order: list[int | CaseRow] = [
            row if isinstance(row, int)
            else row.case_id if row.case_id is not None and row.uid not in write
            else row.copy()
            for row in self._rows]
        return CaseChanges(order, [], [])

    def changes_pending(self, changes: CaseChanges) -> None:
        """Saving `changes` failed: save them again next time, with the whole order (where a
        case deleted elsewhere is written again)."""
        self._reshaped = True
        if changes.order is not None:
            self._edited.update(r.uid for r in changes.order if isinstance(r, CaseRow))
        else:
            self._edited.update(r.uid for r in changes.edited)
            self._appended[:0] = [r.uid for r in changes.appended
                                  if r.uid not in self._appended]

    def assign_ids(self, ids: Mapping[int, int]) -> None:
        """After a save: remember each row's stored case id (by uid)."""
        for row in self._loaded():
            if row.uid in ids:
                row.case_id = ids[row.uid]

    def forget_ids(self, case_ids: set[int]) -> None:
        for row in self._loaded():
            if row.case_id in case_ids:
                row.case_id = None

    # -- Qt ------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._variables) + 3

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsEditable)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Vertical:
            if role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self._rows):
                return str(section + 1)
            return None
        if not 0 <= section < self.columnCount():
            return None
        key = self.field_of(section)
        if role == Qt.ItemDataRole.DisplayRole:
            return key[1] if key[0] == "variable" else ROLE_TITLES[key]
        if role == Qt.ItemDataRole.ToolTipRole:
            if key[0] == "variable":
                extra = " (has a default: may stay empty)" if key[1] in self._defaults else ""
                return f"The value of the prompt variable {{{{ {key[1]} }}}}{extra}"
            return {EXPECTED: "What a good answer looks like; evaluators compare with it",
                    NOTES: "Anything worth knowing about this case",
                    TAGS: "Labels, separated by commas"}[key]
        return None

    def _text(self, row: CaseRow, key: tuple[str, ...]) -> str:
        if key[0] == "variable":
            return row.variables.get(key[1], "")
        if key == EXPECTED:
            return row.expected or ""
        if key == NOTES:
            return row.notes
        return ", ".join(row.tags)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self.row_at(index.row())
        key = self.field_of(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return preview_line(self._text(row, key))
        if role == Qt.ItemDataRole.EditRole:
            return self._text(row, key)
        if role == Qt.ItemDataRole.ToolTipRole:
            text = self._text(row, key)
            return text[:2000] if len(text) > 60 or "\n" in text else None
        if role == Qt.ItemDataRole.ForegroundRole:
            if key[0] == "variable" and key[1] not in row.variables:
                return QColor("#9ca3af")
            return None
        if role == RowRole:
            return row
        if role == FieldRole:
            return key
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        row = self.row_at(index.row())
        key = self.field_of(index.column())
        new = "" if value is None else str(value)
        if new == self._text(row, key):
            return False
        self.undo_stack.push(EditCell(self, row.uid, key, self._get(row, key),
                                      self._parse(key, new)))
        return True

    # -- changes (undoable) ---------------------------------------------------------------
    def add_rows(self, rows: Sequence[CaseRow], position: int | None = None,
                 text: str = "add case") -> None:
        position = len(self._rows) if position is None else position
        missing = [k for r in rows for k in r.variables if k not in self._variables]
        self.undo_stack.beginMacro(text)
        if missing:
            self.undo_stack.push(AddVariables(self, list(dict.fromkeys(missing))))
        self.undo_stack.push(InsertRows(self, position, [r.copy() for r in rows], text))
        self.undo_stack.endMacro()

    def remove_positions(self, positions: Iterable[int]) -> None:
        wanted = sorted(set(p for p in positions if 0 <= p < len(self._rows)))
        if wanted:
            n = len(wanted)
            self.undo_stack.push(RemoveRows(self, wanted, f"delete {n} case{'s' * (n != 1)}"))

    def move(self, position: int, step: int) -> bool:
        target = position + step
        if not (0 <= position < len(self._rows) and 0 <= target < len(self._rows)):
            return False
        self.undo_stack.push(MoveRow(self, self.row_at(position).uid, target))
        return True

    def replace_all(self, variables: Sequence[str], rows: Sequence[CaseRow],
                    text: str = "import") -> None:
        self.undo_stack.push(ReplaceAll(self, list(variables), [r.copy() for r in rows], text))

    # -- applied by the commands ------------------------------------------------------------
    @staticmethod
    def _get(row: CaseRow, key: tuple[str, ...]) -> Any:
        if key[0] == "variable":
            return row.variables.get(key[1])
        if key == EXPECTED:
            return row.expected
        if key == NOTES:
            return row.notes
        return list(row.tags)

    @staticmethod
    def _parse(key: tuple[str, ...], text: str) -> Any:
        if key == EXPECTED:
            return text or None
        if key == TAGS:
            return list(parse_tags(text))
        return text

    def _apply_field(self, uid: int, key: tuple[str, ...], value: Any) -> None:
        position = self.position_of(uid)
        row = self.row_at(position)
        if key[0] == "variable":
            if value is None:
                row.variables.pop(key[1], None)
            else:
                row.variables[key[1]] = value
        elif key == EXPECTED:
            row.expected = value
        elif key == NOTES:
            row.notes = value
        else:
            row.tags = list(value)
        self._edited.add(uid)
        column = self.fields().index(key)
        index = self.index(position, column)
        self.dataChanged.emit(index, index)
        self.changed.emit()

    def _insert(self, position: int, rows: list[CaseRow]) -> None:
        self.beginInsertRows(QModelIndex(), position, position + len(rows) - 1)
        at_end = position == len(self._rows)
        self._rows[position:position] = rows
        self._inserted.update(row.uid for row in rows)
        if at_end and not self._reshaped:  # the stored order stays: append these
            self._appended.extend(row.uid for row in rows)
        else:
            self._reshaped = True
        self.endInsertRows()
        self.changed.emit()

    def _remove_uids(self, uids: Sequence[int]) -> None:
        for uid in uids:
            position = self.position_of(uid)
            self.beginRemoveRows(QModelIndex(), position, position)
            del self._rows[position]
            self.endRemoveRows()
        self._reshaped = True
        self.changed.emit()

    def _move_uid(self, uid: int, target: int) -> int:
        source = self.position_of(uid)
        if source == target:
            return source
        dest = target + 1 if target > source else target
        self.beginMoveRows(QModelIndex(), source, source, QModelIndex(), dest)
        row = self._rows.pop(source)
        self._rows.insert(target, row)
        self._reshaped = True
        self.endMoveRows()
        self.changed.emit()
        return source

    def _set_variables(self, variables: list[str], reshape: bool = True) -> None:
        old = self._variables
        if variables == old:
            return
        self._reshaped = self._reshaped or reshape
        # Columns are added or removed at the end of the variables block.
        if variables[:len(old)] == old:
            self.beginInsertColumns(QModelIndex(), len(old), len(variables) - 1)
            self._variables = variables
            self.endInsertColumns()
        elif old[:len(variables)] == variables:
            self.beginRemoveColumns(QModelIndex(), len(variables), len(old) - 1)
            self._variables = variables
            self.endRemoveColumns()
        else:
            self.beginResetModel()
            self._variables = variables
            self.endResetModel()
        if reshape:
            self.changed.emit()

    def _reset(self, variables: list[str], rows: list[CaseRow]) -> None:
        self.beginResetModel()
        self._variables = variables
        self._rows = rows
        self._reshaped = True
        self._inserted.update(row.uid for row in rows if not isinstance(row, int))
        self.endResetModel()
        self.changed.emit()


def _weak(model: "TestSetModel") -> "TestSetModel":
    # The stack (a child of the model) owns the commands: a strong reference back to the
    # model would make a cycle through Qt's ownership that the garbage collector trips on.
    return weakref.proxy(model)


class EditCell(QUndoCommand):
    def __init__(self, model: TestSetModel, uid: int, key: tuple[str, ...], old: Any,
                 new: Any) -> None:
        name = key[1] if key[0] == "variable" else ROLE_TITLES[key].lower()
        super().__init__(f"edit {name}")
        self.model, self.uid, self.key, self.old, self.new = _weak(model), uid, key, old, new

    def redo(self) -> None:
        self.model._apply_field(self.uid, self.key, self.new)

    def undo(self) -> None:
        self.model._apply_field(self.uid, self.key, self.old)


class InsertRows(QUndoCommand):
    def __init__(self, model: TestSetModel, position: int, rows: list[CaseRow], text: str) -> None:
        super().__init__(text)
        self.model, self.position, self.rows = _weak(model), position, rows

    def redo(self) -> None:
        self.model._insert(self.position, list(self.rows))

    def undo(self) -> None:
        self.model._remove_uids([r.uid for r in self.rows])


class RemoveRows(QUndoCommand):
    def __init__(self, model: TestSetModel, positions: list[int], text: str) -> None:
        super().__init__(text)
        self.model = _weak(model)
        self.removed = [(p, model.row_at(p)) for p in positions]  # ascending

    def redo(self) -> None:
        self.model._remove_uids([r.uid for _, r in self.removed])

    def undo(self) -> None:
        for position, row in self.removed:
            self.model._insert(position, [row])


class MoveRow(QUndoCommand):
    def __init__(self, model: TestSetModel, uid: int, target: int) -> None:
        super().__init__("move case")
        self.model, self.uid, self.target, self.source = _weak(model), uid, target, None

    def redo(self) -> None:
        self.source = self.model._move_uid(self.uid, self.target)

    def undo(self) -> None:
        self.model._move_uid(self.uid, self.source)


class AddVariables(QUndoCommand):
    def __init__(self, model: TestSetModel, names: list[str]) -> None:
        super().__init__("add variables")
        self.model = _weak(model)
        self.added = [n for n in names if n not in model.variables]

    # Only this command's names: columns found meanwhile in cases read later stay.
    def redo(self) -> None:
        current = self.model.variables
        self.model._set_variables(current + [n for n in self.added if n not in current])

    def undo(self) -> None:
        self.model._set_variables([n for n in self.model.variables if n not in self.added])


class ReplaceAll(QUndoCommand):
    def __init__(self, model: TestSetModel, variables: list[str], rows: list[CaseRow],
                 text: str) -> None:
        super().__init__(text)
        self.model = _weak(model)
        self.before = (model.variables, list(model._all_rows()))
        self.after = (variables, rows)

    def redo(self) -> None:
        self.model._reset(list(self.after[0]), list(self.after[1]))

    def undo(self) -> None:
        self.model._reset(list(self.before[0]), list(self.before[1]))
