"""Publishing a release: choose prompt versions, read the channel, see the gate, publish.

    choices = choose(session, ["support/greet@3f2a", "support/close"])   # versions + gate
    live = read_channel("/shared/prompts", "production", project="acme")   # what is live now
    changes = compare(live.prompts, contents(choices))                   # shown to the user
    published = publish("/shared/prompts", contents(choices), project="acme",
                        channel="production", base=live)   # signed, and authored, by my key
    record(session, published)                                           # workspace history

`publish` never overwrites: if the channel moved after `live` was read it raises
ChannelMovedError, whose `.moved` shows what the other publisher changed and the user's release
rebased on top (`moved.rebased`); publish that with `base=moved.now` on the user's say-so.
Network work (read_channel, publish) and workspace work (choose, record) are separate calls, so
the app runs each on its own thread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from storage.releases.content import PromptContent, version_id
from storage.releases.errors import ChannelMoved, PublishError, UnsafeNameError, VerificationError
from storage.releases.metadata import ANY_CHANNEL
from storage.releases.names import check_prompt_name
from storage.releases.records import PublishResult
from storage.releases.repository import Repository
from storage.workspace import prompts as repo_prompts
from storage.workspace.db import Session

from . import keys
from .changes import LiveRelease, Moved
from .destinations import Progress, normalise, open_repository
from .errors import ChannelMovedError, ReleaseError
from .gate import Gate, gates


@dataclass(frozen=True)
class Choice:
    """A prompt at the version chosen for the release, with its gate result."""

    name: str
    content: PromptContent = field(repr=False)
    version_pk: int | None = None  # None: not in this workspace (kept from the live release)
    gate: Gate = Gate()
    problem: str | None = None  # why it cannot be published (an unsafe name), if so

    @property
    def version_id(self) -> str:
        return version_id(self.content)


def name_problem(name: str) -> str | None:
    try:
        check_prompt_name(name)
    except UnsafeNameError as exc:
        return f"This name cannot be published: {exc}."
    return None


def choose(session: Session, refs: Sequence[str]) -> list[Choice]:
    """"NAME" (its current version) or "NAME@VERSION" for each prompt, with gate results."""
    versions = []
    seen: dict[str, str] = {}
    for ref in refs:
        version = repo_prompts.resolve(session, ref)
        name = version.prompt.name
        if name in seen and seen[name] != version.version_id:
            raise ReleaseError(f"{name} is listed twice, at two versions; a release holds one "
                               "version of each prompt.")
        if name not in seen:
            seen[name] = version.version_id
            versions.append(version)
    results = gates(session, [v.pk for v in versions])
    return [Choice(v.prompt.name, repo_prompts.content_of(v), v.pk, results.get(v.pk, Gate()),
                   name_problem(v.prompt.name)) for v in versions]


def choose_versions(session: Session, version_pks: Sequence[int]) -> list[Choice]:
    """Choices for versions given by their pk (the app's pickers), with gate results."""
    found = repo_prompts.versions_by_pk(session, version_pks)
    versions = [found.get(pk) for pk in version_pks]
    missing = [pk for pk, v in zip(version_pks, versions) if v is None]
    if missing:
        raise ReleaseError("A chosen version no longer exists in this workspace; choose again.")
    results = gates(session, version_pks)
    return [Choice(v.prompt.name, repo_prompts.content_of(v), v.pk, results.get(v.pk, Gate()),
                   name_problem(v.prompt.name)) for v in versions]


@dataclass(frozen=True, slots=True)
class VersionOption:
    pk: int
    version_id: str
    created_at: datetime
    author: str
    message: str

    def label(self) -> str:
        text = f"{self.version_id[:8]} · {self.created_at:%Y-%m-%d %H:%M}"
        if self.author:
            text += f" · {self.author}"
        if self.message:
            first = self.message.splitlines()[0]
            text += f" · {first[:60]}{'…' if len(first) > 60 else ''}"
        return text


@dataclass(frozen=True, slots=True)
class PromptVersions:
    """A prompt of the workspace with its versions (newest first) and its current one."""

    name: str
    versions: tuple[VersionOption, ...]
    current_pk: int | None


def catalog(session: Session) -> list[PromptVersions]:
    """Every live prompt with saved versions, for choosing what to publish."""
    out = []
    for prompt, versions in repo_prompts.live_prompts_with_versions(session):
        current = repo_prompts.latest_version(session, prompt)
        options = tuple(VersionOption(v.pk, v.version_id, v.created_at, v.author, v.message)
                        for v in versions)
        out.append(PromptVersions(prompt.name, options, current.pk if current else None))
    return out


def contents(choices: Sequence[Choice]) -> dict[str, PromptContent]:
    return {c.name: c.content for c in choices}


def _check_project(repo: Repository, destination: str, project: str | None) -> str:
    actual = repo.root().project
    if project is not None and project != actual:
        raise ReleaseError(f"{destination} holds the releases of project {actual!r}, not "
                           f"{project!r}. Check the destination and the project name.")
    return actual


def _read(repo: Repository, destination: str, channel: str) -> LiveRelease:
    root = repo.root()
    state = repo.channel(channel, strict=False)  # WrongChannelError names the channels it has
    release = None
    if state.pointer is not None:
        try:
            release = repo.load_release(state.pointer.manifest)
        except (PublishError, VerificationError):
            release = None  # the live release is damaged or half-synced: it cannot be a base
    return LiveRelease(destination, root.project, channel, state, release, root.named_channels,
                       ANY_CHANNEL in root.channels)


def read_channel(destination: str, channel: str, *, project: str | None = None) -> LiveRelease:
    """The channel's live release (with its prompts) and pending proposal, read now."""
    destination = normalise(destination)
    with open_repository(destination) as repo:
        _check_project(repo, destination, project)
        return _read(repo, destination, channel)


@dataclass(frozen=True)
class Published:
    """What a publish, promote, rollback or approval did, for messages and the workspace."""

    destination: str
    project: str
    result: PublishResult
    prompts: Mapping[str, str]  # name -> version id
    author: str
    key: keys.KeyInfo | None = None
    created: int = 0  # the release's time (its manifest's), epoch seconds

    @property
    def channel(self) -> str:
        return self.result.channel

    @property
    def release(self) -> int:
        return self.result.release

    def describe(self) -> str:
        r = self.result
        channel = r.channel[0].upper() + r.channel[1:]
        if not r.changed:
            state = "waits for approval on" if r.pending else "is live on"
            return f"Release {r.release} {state} {r.channel} already: nothing changed."
        if r.pending:
            return (f"Release {r.release} waits for approval on {r.channel} ({r.signatures} of "
                    f"{r.needed} signatures). It goes live when a reviewer co-signs it "
                    "(Release > Review pending… or `promptpress release approve`).")
        return f"{channel} now serves release {r.release}."


def publish(destination: str, prompts: Mapping[str, PromptContent], *, channel: str,
            project: str | None = None, key: str | keys.FileKey | None = None,
            author: str = "", notes: str = "", base: LiveRelease | None = None,
            progress: Progress | None = None) -> Published:
    """Publish `prompts` as the next release on `channel`, signed with one of my keys.

    `base` is the channel as the user saw it (read_channel); None reads it now. Publishing the
    same prompts again changes nothing. The release's author is the signing key's label: the
    name the signature vouches for (anyone can set an OS user name). `author` is accepted for
    older callers and not used."""
    destination = normalise(destination)
    if not prompts:
        raise ReleaseError("Choose at least one prompt to publish.")
    for name in prompts:
        problem = name_problem(name)
        if problem:
            raise ReleaseError(f"{name}: {problem}")
    if progress:
        progress("Reading the channel", 0, 0)
    with open_repository(destination, progress=progress) as repo:
        project = _check_project(repo, destination, project)
        root = repo.root()
        allowed = set(root.release.keyids) & set(root.channel_role(channel).keyids)
        info, private = keys.choose_signer(allowed, key,
                                           what=f"releases on {channel} of {project}")
        signed_by = info.label or info.describe()
        if base is None:
            base = _read(repo, destination, channel)
        elif (base.destination, base.channel) != (destination, channel):
            raise ValueError("base was read from another channel or destination")
        try:
            result = repo.publish(list(prompts.items()), channel=channel, signer=private,
                                  author=signed_by, notes=notes, base=base.state)
        except ChannelMoved as exc:
            now = _read(repo, destination, channel)
            if now.state.version == base.state.version:
                raise  # not a move: another author's proposal waits (the message says so)
            moved = Moved.between(base, now, prompts)
            raise ChannelMovedError(moved.describe(), moved) from exc
    return Published(destination, project, result,
                     {name: version_id(c) for name, c in prompts.items()}, signed_by, info)
