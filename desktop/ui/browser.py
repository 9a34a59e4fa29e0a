"""The prompt browser: prompts in a tree of folders, searchable by name and by text."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QStyle,
    QTreeView,
    QVBoxLayout,
    QWidget,
)
from desktop.core.ops.workspace import PromptEntry

from .older_hits import OlderHits
from .widgets import label

PathRole = Qt.ItemDataRole.UserRole + 1  # full name ("support/summarize-call") or folder path
KindRole = Qt.ItemDataRole.UserRole + 2  # "folder" or "prompt"
SearchRole = Qt.ItemDataRole.UserRole + 3  # lower-cased name and text, for the filter


@dataclass(eq=False)
class Node:
    label: str
    path: str
    kind: str  # "root", "folder", "prompt"
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)
    entry: PromptEntry | None = None
    search: str = ""

    def row(self) -> int:
        return self.parent.children.index(self) if self.parent else 0


def build_tree(entries: list[PromptEntry], folders: list[str] = ()) -> Node:
    """Folders first, then prompts, each sorted by name (case-insensitive)."""
    root = Node("", "", "root")
    index: dict[str, Node] = {"": root}

    def folder(path: str) -> Node:
        if path in index:
            return index[path]
        parent_path, _, label = path.rpartition("/")
        parent = folder(parent_path)
        node = Node(label, path, "folder", parent, search=label.casefold())
        parent.children.append(node)
        index[path] = node
        return node

    for path in folders:
        folder(path)
    for entry in entries:
        parent_path, _, label = entry.name.rpartition("/")
        parent = folder(parent_path)
        parent.children.append(Node(label, entry.name, "prompt", parent, entry=entry,
                                    search=f"{entry.name}\n{entry.description}\n{entry.text}".casefold()))

    def sort(node: Node) -> None:
        node.children.sort(key=lambda n: (n.kind != "folder", n.label.casefold()))
        for child in node.children:
            sort(child)

    sort(root)
    return root


class PromptTreeModel(QAbstractItemModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.root = Node("", "", "root")
        style = QApplication.style()
        self._folder_icon = style.standardIcon(QStyle.StandardPixmap.SP_DirIcon)
        self._prompt_icon = style.standardIcon(QStyle.StandardPixmap.SP_FileIcon)
        self._alert_icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        self.alerted: set[str] = set()  # prompts with an open monitor alert (a badge)

    def set_entries(self, entries: list[PromptEntry], folders: list[str] = ()) -> None:
        self.beginResetModel()
        self.root = build_tree(entries, folders)
        self.endResetModel()

    def node(self, index: QModelIndex | QPersistentModelIndex) -> Node:
        return index.internalPointer() if index.isValid() else self.root

    def index(self, row: int, column: int, parent=QModelIndex()) -> QModelIndex:
        if column != 0 or row < 0:
            return QModelIndex()
        node = self.node(parent)
        if row >= len(node.children):
            return QModelIndex()
        return self.createIndex(row, 0, node.children[row])

    def parent(self, index=QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid():
            return QModelIndex()
        node: Node = index.internalPointer()
        parent = node.parent
        if parent is None or parent is self.root:
            return QModelIndex()
        return self.createIndex(parent.row(), 0, parent)

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self.node(parent).children)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 1

    def hasChildren(self, parent=QModelIndex()) -> bool:  # noqa: N802
        return self.rowCount(parent) > 0

    def flags(self, index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        node: Node = index.internalPointer()
        if role == Qt.ItemDataRole.DisplayRole:
            return node.label
        if role == Qt.ItemDataRole.FontRole and node.entry is not None and node.entry.draft:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.DecorationRole:
            if node.entry is not None and node.entry.name in self.alerted:
                return self._alert_icon
            return self._folder_icon if node.kind == "folder" else self._prompt_icon
        if role == Qt.ItemDataRole.ToolTipRole:
            if node.entry is not None and node.entry.name in self.alerted:
                return f"{node.entry.name}\nA monitor of this prompt has an open alert."
            if node.entry is None:
                return f"Folder {node.path}"
            e = node.entry
            if e.draft:
                return (f"{e.name}\nNot saved as a version yet. The draft is kept as you type; "
                        "save a version (Ctrl+S) when it is ready for others.")
            latest = f"latest {e.latest_id[:12]}" if e.latest_id else "no version yet"
            return f"{e.name}\n{e.versions} version{'s' if e.versions != 1 else ''}, {latest}" + (
                f"\n\n{e.description}" if e.description else "")
        if role == PathRole:
            return node.path
        if role == KindRole:
            return node.kind
        if role == SearchRole:
            return node.search
        return None

    def index_of(self, path: str) -> QModelIndex:
        def walk(node: Node) -> Node | None:
            for child in node.children:
                if child.path == path:
                    return child
                found = walk(child)
                if found is not None:
                    return found
            return None

        node = walk(self.root)
        return QModelIndex() if node is None else self.createIndex(node.row(), 0, node)


FEW_STRETCHES = 32  # changed stretches of the list up to which the filter changes row by row


class PromptFilter(QSortFilterProxyModel):
    """Keeps prompts whose name, description or text contains every word of the query;
    folders stay when something inside them does, or when their own name matches."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.words: list[str] = []
        self.setRecursiveFilteringEnabled(True)
        self.setAutoAcceptChildRows(True)

    def set_query(self, query: str) -> None:
        words = query.casefold().split()
        if words == self.words:
            return
        if self._stretches_changing(self.words, words) <= FEW_STRETCHES:
            # Qt works the change out row by row and tells the view one stretch at a time:
            # quick when few stretches change (a query that hides nearly everything).
            self.beginFilterChange()
            self.words = words
            self.endFilterChange()
        else:  # many scattered rows: one re-layout (row by row, 5,000 prompts took 2-3 s)
            self.words = words
            self.invalidate()

    def _stretches_changing(self, before: list[str], after: list[str]) -> int:
        """How many stretches of rows Qt would add or remove one by one: runs of siblings that
        go from shown to hidden or back (a folder that goes as a whole is one row), inside the
        folders that stay. A guess from the prompts' own text, enough to choose the way."""
        model = self.sourceModel()
        if model is None:
            return 0

        def shown(node) -> tuple[bool, bool]:  # (before, after)
            if not node.children:
                return (all(w in node.search for w in before),
                        all(w in node.search for w in after))
            states = [shown(child) for child in node.children]
            seen[id(node)] = states
            return any(b for b, _ in states), any(a for _, a in states)

        def stretches(node) -> int:
            count, changing = 0, False
            for child, (b, a) in zip(node.children, seen[id(node)]):
                count += (b != a) and not changing
                changing = b != a
                if b and a and child.children:
                    count += stretches(child)
            return count

        seen: dict[int, list[tuple[bool, bool]]] = {}
        root = model.node(QModelIndex())
        shown(root)
        return stretches(root) if root.children else 0

    def filterAcceptsRow(self, row: int, parent) -> bool:  # noqa: N802
        if not self.words:
            return True
        # The node itself, not index() and data(): fewer calls through Qt for each of 5,000 rows.
        haystack = self.sourceModel().node(parent).children[row].search or ""
        return all(word in haystack for word in self.words)


class PromptBrowser(QWidget):
    open_requested = Signal(str)  # prompt name
    new_requested = Signal(str)  # folder
    rename_requested = Signal(str, str)  # path, "prompt" or "folder"
    delete_requested = Signal(str)  # prompt name
    logs_requested = Signal(str)  # prompt name
    search_requested = Signal(str)  # a query for every version and note (`set_older_hits`)
    version_requested = Signal(str, str)  # prompt name, version id: its history at that version

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("promptBrowser")
        title = label("Prompts", "sectionTitle")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search names and text")
        self.search.setClearButtonEnabled(True)
        self.model = PromptTreeModel(self)
        self.proxy = PromptFilter(self)
        self.proxy.setSourceModel(self.model)
        self.tree = QTreeView()
        self.tree.setObjectName("promptTree")
        self.tree.setModel(self.proxy)
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._menu)
        self.tree.activated.connect(self._activated)
        self.tree.clicked.connect(self._activated)
        self.empty = QLabel()
        self.empty.setObjectName("emptyState")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.new_button = QPushButton("+  New prompt")
        self.new_button.setToolTip("Create a prompt (Ctrl+N)")
        self.new_button.clicked.connect(lambda: self.new_requested.emit(self.current_folder()))
        box = QVBoxLayout(self)
        box.setContentsMargins(10, 10, 6, 10)
        box.setSpacing(8)
        box.addWidget(title)
        box.addWidget(self.search)
        self.older = OlderHits()
        self.older.version_requested.connect(self.version_requested)
        box.addWidget(self.tree, 3)
        box.addWidget(self.empty, 1)
        box.addWidget(self.older, 2)
        box.addWidget(self.new_button)
        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(120)
        self.debounce.timeout.connect(self._apply_search)
        self.search.textChanged.connect(lambda _t: self.debounce.start())
        self.loaded = False
        self._entries: list[PromptEntry] = []
        self._folders: list[str] = []
        self._drafts: set[str] = set()
        self._update_empty()

    def set_entries(self, entries: list[PromptEntry], folders: list[str] = ()) -> None:
        self._entries, self._folders = list(entries), list(folders)
        self.loaded = True
        self._rebuild()

    def set_alerts(self, names: set[str]) -> None:
        """Prompts with an open monitor alert: a warning badge in the list."""
        if set(names) != self.model.alerted:
            self.model.alerted = set(names)
            if self.loaded:
                self._rebuild()

    def set_drafts(self, names: set[str]) -> None:
        """Prompts open in tabs that have no saved version yet: listed too, in italics."""
        if set(names) != self._drafts:
            self._drafts = set(names)
            if self.loaded:
                self._rebuild()

    def _rebuild(self) -> None:
        saved = {e.name for e in self._entries}
        drafts = [PromptEntry(name, draft=True) for name in sorted(self._drafts - saved)]
        expanded = self._expanded_folders()
        current = self.tree.currentIndex().data(PathRole)
        self.model.set_entries(self._entries + drafts, self._folders)
        for path in expanded:
            self.tree.setExpanded(self.proxy.mapFromSource(self.model.index_of(path)), True)
        if current:
            self.select(current)
        self._apply_search()

    def _expanded_folders(self) -> list[str]:
        out: list[str] = []

        def walk(parent: QModelIndex) -> None:
            for row in range(self.proxy.rowCount(parent)):
                index = self.proxy.index(row, 0, parent)
                if index.data(KindRole) == "folder" and self.tree.isExpanded(index):
                    out.append(index.data(PathRole))
                    walk(index)

        walk(QModelIndex())
        return out

    def _prompt_entries(self) -> list[PromptEntry]:
        found: list[PromptEntry] = []

        def walk(node: Node) -> None:
            for child in node.children:
                if child.kind == "prompt" and child.entry is not None:
                    found.append(child.entry)
                walk(child)

        walk(self.model.root)
        return found

    def names(self) -> set[str]:
        """Prompts with at least one saved version."""
        return {e.name for e in self._prompt_entries() if not e.draft}

    def draft_names(self) -> set[str]:
        return {e.name for e in self._prompt_entries() if e.draft}

    def _apply_search(self) -> None:
        self.debounce.stop()
        self.proxy.set_query(self.search.text())
        query = self.search.text().strip()
        if query:
            self.tree.expandAll()
            if query != self.older.query:
                self.search_requested.emit(query)
        else:
            self.older.clear()
        self._update_empty()

    def set_older_hits(self, query: str, hits: list) -> None:
        """What a search of every version and note found (SearchHits), if still the query."""
        if query == self.search.text().strip():
            self.older.show_hits(query, hits)
            self._update_empty()

    def _update_empty(self) -> None:
        if not self.loaded:
            text = "Loading…"
        elif self.model.rowCount() == 0:
            text = ("No prompts yet.\n\nCreate one with New prompt (Ctrl+N), or bring prompt "
                    "files in with File → Import Prompts.")
        elif self.proxy.rowCount() == 0 and self.older.isVisible():
            text = f"No current version matches “{self.search.text().strip()}”."
        elif self.proxy.rowCount() == 0:
            text = f"Nothing matches “{self.search.text().strip()}”."
        else:
            text = ""
        self.empty.setText(text)
        self.empty.setVisible(bool(text))
        self.tree.setVisible(not text or self.model.rowCount() > 0 and self.proxy.rowCount() > 0)

    def _activated(self, index: QModelIndex) -> None:
        if index.data(KindRole) == "prompt":
            self.open_requested.emit(index.data(PathRole))

    def current_folder(self) -> str:
        index = self.tree.currentIndex()
        if not index.isValid():
            return ""
        path = index.data(PathRole) or ""
        return path if index.data(KindRole) == "folder" else path.rpartition("/")[0]

    def select(self, name: str) -> None:
        source = self.model.index_of(name)
        index = self.proxy.mapFromSource(source)
        if index.isValid():
            self.tree.setCurrentIndex(index)
            self.tree.scrollTo(index)

    def _menu(self, pos) -> None:
        index = self.tree.indexAt(pos)
        menu = QMenu(self)
        if index.isValid() and index.data(KindRole) == "prompt":
            menu.addAction("Open", lambda: self.open_requested.emit(index.data(PathRole)))
        folder = ""
        if index.isValid():
            path = index.data(PathRole) or ""
            folder = path if index.data(KindRole) == "folder" else path.rpartition("/")[0]
        menu.addAction("New prompt here…" if folder else "New prompt…",
                       lambda: self.new_requested.emit(folder))
        draft = index.isValid() and index.data(KindRole) == "prompt" and (
            index.data(PathRole) in self._drafts and index.data(PathRole) not in
            {e.name for e in self._entries})
        if index.isValid() and not draft:  # a draft is renamed in its tab, deleted by closing it
            kind, path = index.data(KindRole), index.data(PathRole) or ""
            menu.addSeparator()
            menu.addAction("Rename or move…", lambda: self.rename_requested.emit(path, kind))
            if kind == "prompt":
                menu.addAction("Delete…", lambda: self.delete_requested.emit(path))
                menu.addSeparator()
                menu.addAction("Show Logs…", lambda: self.logs_requested.emit(path))
        menu.exec(self.tree.viewport().mapToGlobal(pos))
        menu.deleteLater()
