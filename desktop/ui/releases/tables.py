"""Read-only table models over plain rows: releases of a repository, prompts of a release, the
changes of a pending release, signing keys. Each row object is available under ROW_ROLE."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from desktop.core.releases import Kind, PromptChange, keys
from storage.releases.metadata import format_time
from storage.releases.records import ReleaseInfo

from .publish_model import KIND_COLOURS, KIND_TEXT
from .rows import ROW_ROLE, PlainRowsModel

T = TypeVar("T")


@dataclass(frozen=True)
class Column(Generic[T]):
    title: str
    text: Callable[[T], str]
    tooltip: Callable[[T], str | None] | None = None
    colour: Callable[[T], str | None] | None = None
    bold: Callable[[T], bool] | None = None


class RowsModel(PlainRowsModel[T]):
    """Rows of plain objects shown through a list of Columns."""

    columns: Sequence[Column] = ()

    @property
    def titles(self) -> tuple[str, ...]:
        return tuple(column.title for column in self.columns)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        item = self.rows[index.row()]
        column = self.columns[index.column()]
        if role == ROW_ROLE:
            return item
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(item)
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip(item) if column.tooltip else column.text(item)
        if role == Qt.ItemDataRole.ForegroundRole and column.colour:
            colour = column.colour(item)
            return QBrush(QColor(colour)) if colour else None
        if role == Qt.ItemDataRole.FontRole and column.bold and column.bold(item):
            font = QFont()
            font.setBold(True)
            return font
        return None


def _when(epoch: int) -> str:
    return format_time(epoch).replace("T", " ")[:16] + " UTC"


def _where(info: ReleaseInfo) -> str:
    text = ", ".join(info.channels)
    if info.pending_on:
        text += (", " if text else "") + "waiting on " + ", ".join(info.pending_on)
    return text or "not live"


class ReleasesModel(RowsModel[ReleaseInfo]):
    columns = (
        Column("Release", lambda r: str(r.release), bold=lambda r: bool(r.channels)),
        Column("Live on", _where, colour=lambda r: "#067647" if r.channels else
               ("#b54708" if r.pending_on else "#6b7280")),
        Column("Published by", lambda r: r.author or "unknown"),
        Column("When", lambda r: _when(r.created)),
        Column("Prompts", lambda r: str(r.prompts)),
    )


@dataclass(frozen=True)
class ReleasePrompt:
    name: str
    version_id: str
    model: str


class ReleasePromptsModel(RowsModel[ReleasePrompt]):
    columns = (
        Column("Prompt", lambda p: p.name),
        Column("Version", lambda p: p.version_id[:12], tooltip=lambda p: p.version_id),
        Column("Model", lambda p: p.model or "—"),
    )


class ChangesModel(RowsModel[PromptChange]):
    columns = (
        Column("Change", lambda c: KIND_TEXT[c.kind],
               colour=lambda c: KIND_COLOURS[c.kind], bold=lambda c: c.kind is not Kind.UNCHANGED),
        Column("Prompt", lambda c: c.name),
    )


class KeysModel(RowsModel[keys.KeyInfo]):
    columns = (
        Column("Key", lambda k: k.label or "(no name)",
               bold=lambda k: k.default),
        Column("Fingerprint (first digits)", lambda k: k.short + "…",
               tooltip=lambda k: k.grouped),
        Column("Created", lambda k: format_time(k.created)[:10]),
        Column("", lambda k: "missing from the keychain" if k.missing else
               ("default" if k.default else ""),
               colour=lambda k: "#b42318" if k.missing else "#067647"),
    )
