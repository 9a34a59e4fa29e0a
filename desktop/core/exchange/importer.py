"""Import prompt files and folders into a workspace, reporting per file what came in and what
did not. Import adds versions; it never changes or removes one."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from storage.releases.content import ContentError, PromptContent, version_id
from storage.releases.template import TemplateProblem
from storage.workspace import prompts as repo
from storage.workspace.db import Session, Workspace
from storage.workspace.models import Prompt, Version, utcnow

from .. import promptfile
from . import dotprompt, humanloop, prompty
from .common import ForeignFileError, Notes, short, split_front_matter
from .native import HISTORY_SUFFIX, History, loads_history, name_from_path

PROMPTPRESS = "Promptpress"
PROMPTY_SUFFIX = ".prompty"
_PROBLEMS = (ForeignFileError, promptfile.PromptFileError, repo.PromptError, ContentError,
             TemplateProblem)


@dataclass
class FileReport:
    """What happened to one file."""

    path: Path
    label: str  # the path as the user sees it
    name: str | None = None
    format: str | None = None
    status: str = "imported"  # "imported", "unchanged", "skipped", "failed"
    added: int = 0
    present: int = 0  # versions the prompt already had
    current: str | None = None  # the prompt's current version after the import
    notes: Notes = field(default_factory=Notes)
    error: str | None = None

    def lines(self) -> list[str]:
        """The report as a person reads it: one summary line, then what was left out."""
        if self.status == "skipped":
            return [f"skipped   {self.label}: {self.error}"]
        if self.status == "failed":
            return [f"FAILED    {self.label}: {self.error}"]
        head = f"{self.status:<9} {self.label} -> {self.name} ({self.format}): "
        parts = []
        if self.added:
            parts.append(f"{self.added} version{'s' if self.added != 1 else ''} added")
        if self.present:
            parts.append(f"{self.present} already there")
        if self.current:
            parts.append(f"current {self.current[:12]}")
        out = [head + ", ".join(parts)]
        out += [f"  not imported: {n}" for n in self.notes.skipped]
        out += [f"  changed: {n}" for n in self.notes.changed]
        return out


@dataclass
class ImportReport:
    files: list[FileReport] = field(default_factory=list)
    dry_run: bool = False

    @property
    def failed(self) -> list[FileReport]:
        return [f for f in self.files if f.status == "failed"]

    @property
    def added(self) -> int:
        return sum(f.added for f in self.files)


@dataclass
class _Entry:
    path: Path | None  # the .prompt / .prompty file
    history: Path | None  # its history file
    name: str
    label: str


def discover(paths: list[str | Path], into: str = "") -> tuple[list[_Entry], list[FileReport]]:
    """Prompt files (with their history files) under the given files and folders."""
    entries: list[_Entry] = []
    reports: list[FileReport] = []
    prefix = into.strip("/") + "/" if into.strip("/") else ""
    seen: set[Path] = set()
    for given in paths:
        given = Path(given)
        if given.is_dir():
            root, files = given, []
            for folder, dirs, names in os.walk(given):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                files += [Path(folder) / n for n in sorted(names) if not n.startswith(".")]
        elif given.is_file():
            root, files = given.parent, [given]
        else:
            reports.append(FileReport(given, str(given), status="failed",
                                      error="no such file or folder"))
            continue
        file_set = set(files)
        for path in files:
            if path in seen:
                continue
            seen.add(path)
            relative = path.relative_to(root)
            label = str(path)

            def name_of(suffix: str, relative: Path = relative) -> str:
                return prefix + name_from_path(relative, suffix)

            if path.name.endswith(HISTORY_SUFFIX):
                prompt_file = path.with_name(path.name[: -len(HISTORY_SUFFIX)] + ".prompt")
                if prompt_file in file_set:
                    continue  # read together with its .prompt file
                entries.append(_Entry(None, path, name_of(HISTORY_SUFFIX), label))
            elif path.suffix in (".prompt", PROMPTY_SUFFIX):
                history = path.with_name(path.name[: -len(path.suffix)] + HISTORY_SUFFIX)
                entries.append(_Entry(path, history if history.is_file() else None,
                                      name_of(path.suffix), label))
                seen.add(history)
            else:
                reports.append(FileReport(path, label, status="skipped",
                                          error="not a prompt file (.prompt, .prompty or "
                                                ".history.json)"))
    return entries, reports


def detect_format(text_: str, source: str = "<file>") -> str:
    """Which kind of `.prompt` file this is: "Promptpress", "Humanloop" or "Dotprompt"."""
    try:
        front, body, _ = split_front_matter(text_, source, allow_comments=True)
    except ForeignFileError:
        return PROMPTPRESS  # our own parser says what is wrong, with the line
    keys = set(map(str, front))
    ours = keys <= set(promptfile.KEYS) and not dotprompt.looks_like_dotprompt(front, body)
    if ours and (any(promptfile.MARKER.fullmatch(line.rstrip("\r"))
                     for line in body.split("\n")) or not humanloop.ROLE_TAG.search(body)):
        return PROMPTPRESS
    if humanloop.looks_like_humanloop(front, body):
        return humanloop.FORMAT
    return PROMPTPRESS if ours else dotprompt.FORMAT


@dataclass
class _Parsed:
    format: str
    content: PromptContent | None  # a version to add on top of the history (None: nothing)
    description: str
    message: str
    history: History | None
    notes: Notes


def _read(entry: _Entry, notes: Notes) -> _Parsed:
    history = None
    if entry.history is not None:
        history = loads_history(entry.history.read_bytes(), str(entry.history), notes)
        if history.name != entry.name:
            notes.change(f"exported as {history.name}; imported as {entry.name}, after its file")
    if entry.path is None:
        return _Parsed(PROMPTPRESS, None, history.description, "", history, notes)
    data = entry.path.read_bytes()
    try:
        text_ = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise ForeignFileError(f"{entry.label}: the file is not UTF-8 text; save it as UTF-8."
                               ) from None
    stem = entry.path.name[: -len(entry.path.suffix)]
    if entry.path.suffix == PROMPTY_SUFFIX:
        converted = prompty.convert(text_, entry.label, stem=stem, folder=entry.path.parent)
    else:
        kind = PROMPTPRESS if history is not None else detect_format(text_, entry.label)
        if kind == PROMPTPRESS:
            return _read_ours(data, entry, history, notes)
        module = humanloop if kind == humanloop.FORMAT else dotprompt
        converted = module.convert(text_, entry.label, stem=stem)
    notes.skipped += converted.notes.skipped
    notes.changed += converted.notes.changed
    content = promptfile.with_detected_variables(converted.content)
    message = f"Imported from {entry.label} ({converted.format})"
    if converted.message:
        message += f"; {converted.message}"
    return _Parsed(converted.format, content, converted.description, message, None, notes)


def _read_ours(data: bytes, entry: _Entry, history: History | None, notes: Notes) -> _Parsed:
    description = history.description if history is not None else ""
    current = None
    if history is not None and history.current is not None:
        current = next((v.content for v in history.versions if v.id == history.current), None)
    if current is not None and data == promptfile.dumps(current, description=description).encode():
        return _Parsed(PROMPTPRESS, None, description, "", history, notes)  # not edited
    try:
        loaded = promptfile.parse(data, source=entry.label)
    except (promptfile.PromptFileError, TemplateProblem, ContentError) as exc:
        if history is None:
            raise
        # The history stands on its own; only the edit is lost, and said so.
        notes.skip(f"the edit in {entry.label}: {exc}; the history was imported without it")
        return _Parsed(PROMPTPRESS, None, description, "", history, notes)
    if loaded.name and loaded.name != entry.name.rpartition("/")[2] and loaded.name != entry.name:
        notes.change(f"name {loaded.name}: the prompt is named after its file ({entry.name})")
    if history is None:
        return _Parsed(PROMPTPRESS, loaded.content, loaded.description,
                       f"Imported from {entry.label}", None, notes)
    if loaded.description != description:
        notes.change("the description in the file differs from the history's; the history's "
                     "was used")
    if current is not None and version_id(loaded.content) == version_id(
            promptfile.parse(promptfile.dumps(current)).content):
        return _Parsed(PROMPTPRESS, None, description, "", history, notes)
    if current is not None and b"\r\n" in data and data.replace(b"\r\n", b"\n") == \
            promptfile.dumps(current, description=description).encode():
        notes.change(f"{entry.label} differs from the export only in its line endings (CRLF "
                     "instead of LF, as git's autocrlf writes them); the CRLFs are part of the "
                     "new version")
    return _Parsed(PROMPTPRESS, loaded.content, description,
                   f"Edited in {entry.label} after export", history, notes)


def import_paths(workspace: Workspace, paths: list[str | Path], *, into: str = "",
                 author: str = "", dry_run: bool = False) -> ImportReport:
    """Import files and folders; each file in its own transaction (all of it or none)."""
    entries, reports = discover(paths, into)
    report = ImportReport(reports, dry_run=dry_run)
    for entry in entries:
        file_report = FileReport(entry.path or entry.history, entry.label, name=entry.name)
        report.files.append(file_report)
        try:
            repo.validate_prompt_name(entry.name)
            parsed = _read(entry, file_report.notes)
            file_report.format = parsed.format + (" with history" if parsed.history else "")
            with workspace.new_session() as session:
                transaction = session.begin()
                try:
                    _apply(session, parsed, entry.name, author, file_report)
                finally:
                    if dry_run or not transaction.is_active:
                        transaction.rollback()
                    else:
                        transaction.commit()
        except _PROBLEMS as exc:
            file_report.status, file_report.error = "failed", str(exc)
        except OSError as exc:
            file_report.status = "failed"
            file_report.error = f"cannot read it ({exc.strerror or exc})"
    return report


def _apply(session: Session, parsed: _Parsed, name: str, author: str, report: FileReport) -> None:
    notes = report.notes
    prompt = repo.get_prompt(session, name)
    created = prompt is None
    if created:
        prompt = repo.create_prompt(session, name, description=parsed.description)
    elif parsed.description and parsed.description != prompt.description:
        notes.skip(f"description {short(parsed.description)!r}: the prompt keeps its own")
    before = repo.latest_version(session, prompt)
    tip: Version | None = None
    history = parsed.history
    if history is not None:
        by_id: dict[str, Version] = {}
        for item in _parents_first(history):
            parent = None
            if item.parent:
                parent = by_id.get(item.parent) or repo.find_version(session, prompt, item.parent)
                if parent is None:
                    notes.change(f"version {item.id[:12]}: its parent {item.parent[:12]} is in "
                                 "neither the file nor the workspace; imported without a parent")
            outcome = repo.import_version(session, prompt, item.content, parent=parent,
                                          author=item.author, message=item.message,
                                          created_at=item.saved)
            by_id[item.id] = outcome.version
            if outcome.created:
                report.added += 1
            else:
                report.present += 1
        tip = by_id.get(history.current) if history.current else None
        if tip is None and history.versions:
            tip = by_id[max(history.versions, key=lambda v: v.saved).id]
        if created:
            for event in history.events:
                repo.add_event(session, prompt, event.kind, version=by_id.get(event.version or ""),
                               author=event.author, message=event.message, detail=event.detail,
                               created_at=event.at)
        elif history.events:
            notes.skip(f"{len(history.events)} history event(s) (restores, renames): the prompt "
                       "already existed here")
    if parsed.content is not None:
        existing = repo.find_version(session, prompt, version_id(parsed.content))
        if existing is not None:
            report.present += 1
            tip = existing
        else:
            outcome = repo.import_version(session, prompt, parsed.content, parent=tip or before,
                                          author=author, message=parsed.message,
                                          created_at=utcnow())
            report.added += 1
            tip = outcome.version
    if tip is not None:
        if before is None or before.pk == tip.pk or repo.is_ancestor(session, before, tip):
            _make_current(session, prompt, tip)
        else:
            _make_current(session, prompt, before)
            notes.change(f"{before.version_id[:12]} stays the current version: the imported "
                         f"{tip.version_id[:12]} does not descend from it. `promptpress prompt "
                         f"restore {name}@{tip.version_id[:12]}` makes it current")
    session.flush()
    current = repo.latest_version(session, prompt)
    report.current = current.version_id if current is not None else None
    if not report.added:
        report.status = "unchanged"


def _make_current(session: Session, prompt: Prompt, version: Version) -> None:
    newest = repo.newest_version(session, prompt)
    prompt.head_pk = None if newest is not None and newest.pk == version.pk else version.pk


def _parents_first(history: History) -> list:
    """Versions ordered so that each comes after its parent (then by time)."""
    by_id = {v.id: v for v in history.versions}
    done: set[str] = set()
    out = []
    for version in sorted(history.versions, key=lambda v: v.saved):
        chain = []
        current = version
        while current is not None and current.id not in done and current not in chain:
            chain.append(current)
            current = by_id.get(current.parent) if current.parent else None
        for item in reversed(chain):
            done.add(item.id)
            out.append(item)
    return out
