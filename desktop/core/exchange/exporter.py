"""Export prompts to a folder: `<name>.prompt` (current version) + `<name>.history.json`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from storage.releases.atomic import write_atomic
from storage.workspace import prompts as repo
from storage.workspace.db import Session
from storage.workspace.models import Prompt

from .. import promptfile
from .common import ExchangeError
from .native import HISTORY_SUFFIX, PROMPT_SUFFIX, dumps_history, relative_path


@dataclass(frozen=True)
class ExportedPrompt:
    name: str
    prompt_file: Path
    history_file: Path
    versions: int
    current: str
    written: bool  # False when both files were already there, identical


@dataclass
class ExportReport:
    target: Path
    prompts: list[ExportedPrompt] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)  # prompts with no saved version

    @property
    def versions(self) -> int:
        return sum(p.versions for p in self.prompts)


def select_prompts(session: Session, selectors: list[str] | None) -> list[Prompt]:
    """Prompts named, or under folders named; all live prompts when nothing is named."""
    if not selectors:
        return repo.live_prompts(session)
    chosen: dict[int, Prompt] = {}
    for selector in selectors:
        selector = selector.strip("/")
        found = False
        prompt = repo.get_prompt(session, selector)
        if prompt is not None:
            chosen[prompt.id] = prompt
            found = True
        for prompt in repo.live_prompts(session, under=selector):
            chosen[prompt.id] = prompt
            found = True
        if not found and not (selector and repo.folder_exists(session, selector)):
            raise repo.PromptError(f"There is no prompt or folder named {selector!r}. "
                                   "`promptpress prompt list` shows them.")
    return sorted(chosen.values(), key=lambda p: p.name)


def export_prompts(session: Session, target: str | Path, selectors: list[str] | None = None, *,
                   overwrite: bool = False) -> ExportReport:
    """Write the selected prompts into `target`. Files already there with other content are
    refused (nothing is written) unless `overwrite`; identical files are left alone."""
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise ExchangeError(f"{target} is a file; export into a folder.")
    report = ExportReport(target)
    planned: list[tuple[Path, bytes]] = []
    entries = []
    for prompt in select_prompts(session, selectors):
        records = repo.version_records(session, prompt)
        if not records:
            report.empty.append(prompt.name)
            continue
        current = repo.latest_version(session, prompt)
        events = repo.event_rows(session, prompt)
        prompt_text = promptfile.dumps(repo.content_of(current), description=prompt.description)
        history = dumps_history(prompt.name, prompt.description, current.version_id, records,
                                events)
        prompt_path = target / relative_path(prompt.name, PROMPT_SUFFIX)
        history_path = target / relative_path(prompt.name, HISTORY_SUFFIX)
        planned += [(prompt_path, prompt_text.encode("utf-8")),
                    (history_path, history.encode("utf-8"))]
        entries.append((prompt.name, prompt_path, history_path, len(records), current.version_id))

    seen: dict[str, Path] = {}
    for path, _ in planned:
        key = str(path).casefold()
        if key in seen:
            raise ExchangeError(f"{seen[key].name} and {path.name} differ only in upper/lower "
                                "case, so they would overwrite each other on Windows and macOS. "
                                "Rename one of the prompts first. Nothing was written.")
        seen[key] = path
    conflicts = [path for path, data in planned
                 if path.exists() and (not path.is_file() or path.read_bytes() != data)]
    if conflicts and not overwrite:
        listed = ", ".join(str(p) for p in conflicts[:3]) + (
            f" and {len(conflicts) - 3} more" if len(conflicts) > 3 else "")
        raise ExchangeError(f"{listed} already exist{'s' if len(conflicts) == 1 else ''} with "
                            "other content. Nothing was written. Export into an empty folder, "
                            "or overwrite them (--overwrite).")
    changed = set()
    for path, data in planned:
        if path.is_dir():
            raise ExchangeError(f"{path} is a folder; cannot write a prompt file there.")
        if not path.exists() or path.read_bytes() != data:
            write_atomic(path, data)
            changed.add(path)
    for name, prompt_path, history_path, count, current in entries:
        report.prompts.append(ExportedPrompt(
            name, prompt_path, history_path, count, current,
            written=prompt_path in changed or history_path in changed))
    return report
