"""The signed documents of a release repository: root, manifest, channel pointer, release index.

Each is a frozen dataclass with `to_payload()` (canonical JSON bytes, what gets signed) and
`from_payload(bytes)` (strict parse plus a schema check that refuses unknown fields). Times are
whole seconds since the epoch in memory and `YYYY-MM-DDTHH:MM:SSZ` text on disk; nothing is a float.
"""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Callable, Union

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from . import strictjson
from .errors import MalformedError, WrongChannelError
from .keys import PublicKeyLike, key_id, public_bytes, public_from_hex, public_key
from .names import check_channel, check_project, check_prompt_name, check_sha256, is_sha256

SPEC = 1
MAX_ROOT_BYTES = 256 * 1024
MAX_POINTER_BYTES = 16 * 1024
MAX_MANIFEST_BYTES = 8 * 1024 * 1024
MAX_BLOB_BYTES = 4 * 1024 * 1024
MAX_INDEX_BYTES = 16 * 1024 * 1024
MAX_PROMPTS = 20_000
ANY_CHANNEL = "*"

Clock = Callable[[], Union[datetime, float, int]]

# --- time ------------------------------------------------------------------------------------------

_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\Z")


def format_time(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(epoch)))


def parse_time(text: Any, where: str) -> int:
    if not isinstance(text, str) or not _TIME_RE.match(text):
        raise MalformedError(f"{where} must be a UTC time like 2026-01-31T12:00:00Z")
    try:
        return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))
    except ValueError:
        raise MalformedError(f"{where} is not a valid time: {text!r}") from None


def now_seconds(clock: Clock | None = None) -> int:
    """Read `clock` once (default: the system clock) as whole seconds since the epoch."""
    value = time.time() if clock is None else clock()
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("the clock must return an aware datetime (with a timezone)")
        return int(value.astimezone(timezone.utc).timestamp())
    return int(value)


def _int(value: int, where: str, minimum: int = 0) -> int:
    return strictjson.non_negative(value, where, minimum=minimum)


def _dump(kind: str, project: str, **fields: Any) -> bytes:
    """The canonical payload of `kind` with its type, format version and project, then `fields`
    (what `_load` reads back)."""
    return strictjson.dumps({"type": kind, "spec": SPEC, "project": project, **fields})


def _load(payload: bytes, kind: str, what: str, max_length: int,
          fields: Mapping[str, type]) -> dict:
    """A payload of `kind` parsed strictly, with its type, format version, project and `fields`
    checked."""
    obj = strictjson.loads(payload, max_length=max_length, what=what)
    strictjson.fields(obj, what, {"type": str, "spec": int, "project": str, **fields})
    _payload(obj, kind, what)
    return obj


def _payload(obj: Mapping[str, Any], kind: str, what: str) -> None:
    if obj.get("type") != kind:
        raise MalformedError(f"{what} is not a {kind} (type {obj.get('type')!r})")
    if obj.get("spec") != SPEC:
        raise MalformedError(f"{what} has format version {obj.get('spec')!r}; "
                             f"this program reads version {SPEC}: update it")


# --- file references --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileRef:
    """A file named by its sha256 and length (checked before the file is parsed)."""

    sha256: str
    length: int

    def to_json(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "length": self.length}

    @classmethod
    def from_json(cls, obj: Any, what: str, max_length: int) -> "FileRef":
        if type(obj) is dict and len(obj) == 2:  # the usual shape, checked without the helpers
            sha256, length = obj.get("sha256"), obj.get("length")
            if (type(sha256) is str and type(length) is int and 0 <= length <= max_length
                    and is_sha256(sha256)):
                return cls(sha256, length)
        strictjson.fields(obj, what, {"sha256": str, "length": int})
        length = _int(obj["length"], f"{what}.length")
        if length > max_length:
            raise MalformedError(f"{what} claims {length} bytes; the limit is {max_length}")
        return cls(check_sha256(obj["sha256"], f"{what}.sha256"), length)


# --- root ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Role:
    keyids: tuple[str, ...]
    threshold: int = 1

    def to_json(self) -> dict[str, Any]:
        return {"keyids": list(self.keyids), "threshold": self.threshold}

    @classmethod
    def from_json(cls, obj: Any, what: str, keys: Mapping[str, Any]) -> "Role":
        strictjson.fields(obj, what, {"keyids": list, "threshold": int})
        role = cls(tuple(obj["keyids"]), obj["threshold"])
        role.check(what, keys)
        return role

    def check(self, what: str, keys: Mapping[str, Any]) -> None:
        if len(set(self.keyids)) != len(self.keyids):
            raise MalformedError(f"{what} lists a key twice")
        for kid in self.keyids:
            if not isinstance(kid, str) or kid not in keys:
                raise MalformedError(f"{what} names key {kid!r}, which the root does not list")
        if not 1 <= self.threshold <= len(self.keyids):
            raise MalformedError(
                f"{what} threshold {self.threshold} must be between 1 and its {len(self.keyids)} keys"
            )


RoleSpec = Union[Role, tuple[Iterable[PublicKeyLike], int], Iterable[PublicKeyLike]]


@dataclass(frozen=True, slots=True)
class Root:
    """Who may sign what: the root role, the `release` role (manifests), and each channel."""

    project: str
    version: int
    expires: int
    keys: Mapping[str, Ed25519PublicKey] = field(hash=False)
    root: Role
    release: Role
    channels: Mapping[str, Role] = field(hash=False)

    @classmethod
    def create(cls, project: str, *, root: RoleSpec, release: RoleSpec,
               channels: Mapping[str, RoleSpec], expires: int, version: int = 1) -> "Root":
        """Build a root from keys: each role is keys, (keys, threshold) or a Role of key ids.

        `channels` maps a channel name (or "*" for every other channel) to who signs its pointer.
        """
        keys: dict[str, Ed25519PublicKey] = {}

        def role(spec: RoleSpec) -> Role:
            if isinstance(spec, Role):
                return spec
            if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[1], int):
                members, threshold = spec
            else:
                members, threshold = spec, 1
            ids = []
            for k in members:  # type: ignore[union-attr]
                pub = public_key(k)
                kid = key_id(pub)
                keys[kid] = pub
                if kid not in ids:
                    ids.append(kid)
            return Role(tuple(ids), threshold)

        made = cls(check_project(project), version, int(expires), keys, role(root), role(release),
                   {name: role(spec) for name, spec in channels.items()})
        made.check()
        return made

    def with_changes(self, **changes: Any) -> "Root":
        """The next root version with these fields changed (use `create` for new keys)."""
        changes.setdefault("version", self.version + 1)
        made = replace(self, **changes)
        made.check()
        return made

    def check(self) -> None:
        check_project(self.project)
        _int(self.version, "root version", 1)
        for kid, pub in self.keys.items():
            if key_id(pub) != kid:
                raise MalformedError(f"root key {kid[:16]}... is listed under the wrong key id")
        self.root.check("root role", self.keys)
        self.release.check("release role", self.keys)
        for name, role in self.channels.items():
            if name != ANY_CHANNEL:
                check_channel(name)
            role.check(f"channel {name!r}", self.keys)

    def channel_role(self, channel: str) -> Role:
        role = self.channels.get(channel) or self.channels.get(ANY_CHANNEL)
        if role is None:
            raise WrongChannelError(
                f"root version {self.version} of project {self.project!r} defines no channel "
                f"{channel!r} (it has {', '.join(sorted(self.channels)) or 'none'})"
            )
        return role

    @property
    def named_channels(self) -> tuple[str, ...]:
        return tuple(sorted(c for c in self.channels if c != ANY_CHANNEL))

    def to_payload(self) -> bytes:
        used = {*self.root.keyids, *self.release.keyids,
                *(k for r in self.channels.values() for k in r.keyids)}
        return _dump(
            "root", self.project, version=self.version, expires=format_time(self.expires),
            keys={kid: {"keytype": "ed25519", "public": public_bytes(pub).hex()}
                  for kid, pub in self.keys.items() if kid in used},
            roles={"root": self.root.to_json(), "release": self.release.to_json()},
            channels={name: role.to_json() for name, role in self.channels.items()},
        )

    @classmethod
    def from_payload(cls, payload: bytes, what: str = "root") -> "Root":
        obj = _load(payload, "root", what, MAX_ROOT_BYTES,
                    {"version": int, "expires": str, "keys": dict, "roles": dict,
                     "channels": dict})
        keys: dict[str, Ed25519PublicKey] = {}
        for kid, spec in obj["keys"].items():
            strictjson.fields(spec, f"{what} key {kid[:16]}", {"keytype": str, "public": str})
            if spec["keytype"] != "ed25519":
                raise MalformedError(f"{what} key {kid[:16]} has unsupported type {spec['keytype']!r}")
            keys[kid] = public_from_hex(spec["public"], f"{what} key {kid[:16]}")
        strictjson.fields(obj["roles"], f"{what}.roles", {"root": dict, "release": dict})
        root = cls(
            project=check_project(obj["project"]),
            version=_int(obj["version"], f"{what}.version", 1),
            expires=parse_time(obj["expires"], f"{what}.expires"),
            keys=keys,
            root=Role.from_json(obj["roles"]["root"], f"{what} root role", keys),
            release=Role.from_json(obj["roles"]["release"], f"{what} release role", keys),
            channels={name: Role.from_json(r, f"{what} channel {name!r}", keys)
                      for name, r in obj["channels"].items()},
        )
        root.check()
        return root


# --- manifest ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Manifest:
    """A release: its prompts (name -> blob), its number and project, who made it and when."""

    project: str
    release: int
    prompts: Mapping[str, FileRef] = field(hash=False)
    created: int
    author: str = ""
    notes: str = ""

    def to_payload(self) -> bytes:
        return _dump(
            "manifest", self.project, release=self.release, created=format_time(self.created),
            author=self.author, notes=self.notes,
            prompts={name: ref.to_json() for name, ref in self.prompts.items()},
        )

    @classmethod
    def from_payload(cls, payload: bytes, what: str = "manifest") -> "Manifest":
        obj = _load(payload, "manifest", what, MAX_MANIFEST_BYTES,
                    {"release": int, "created": str, "author": str, "notes": str,
                     "prompts": dict})
        if len(obj["prompts"]) > MAX_PROMPTS:
            raise MalformedError(f"{what} lists more than {MAX_PROMPTS} prompts")
        prompts = {}
        for name, ref in obj["prompts"].items():
            check_prompt_name(name)
            prompts[name] = FileRef.from_json(ref, f"{what} prompt {name!r}", MAX_BLOB_BYTES)
        return cls(check_project(obj["project"]), _int(obj["release"], f"{what}.release", 1),
                   prompts, parse_time(obj["created"], f"{what}.created"), obj["author"],
                   obj["notes"])

    def version_ids(self) -> dict[str, str]:
        """name -> version id (a prompt blob's sha256 is its version id)."""
        return {name: ref.sha256 for name, ref in self.prompts.items()}


# --- channel pointer --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pointer:
    """The channel's current release: the manifest it points at, with its own increasing version."""

    project: str
    channel: str
    version: int
    release: int
    manifest: FileRef
    issued: int
    expires: int

    def to_payload(self) -> bytes:
        return _dump(
            "pointer", self.project, channel=self.channel, version=self.version,
            release=self.release, manifest=self.manifest.to_json(),
            issued=format_time(self.issued), expires=format_time(self.expires),
        )

    @classmethod
    def from_payload(cls, payload: bytes, what: str = "pointer") -> "Pointer":
        obj = _load(payload, "pointer", what, MAX_POINTER_BYTES,
                    {"channel": str, "version": int, "release": int, "manifest": dict,
                     "issued": str, "expires": str})
        if parse_time(obj["expires"], what) < parse_time(obj["issued"], what):
            raise MalformedError(f"{what} expires before it was issued")
        return cls(
            project=check_project(obj["project"]),
            channel=check_channel(obj["channel"]),
            version=_int(obj["version"], f"{what}.version", 1),
            release=_int(obj["release"], f"{what}.release", 1),
            manifest=FileRef.from_json(obj["manifest"], f"{what}.manifest", MAX_MANIFEST_BYTES),
            issued=parse_time(obj["issued"], f"{what}.issued"),
            expires=parse_time(obj["expires"], f"{what}.expires"),
        )


# --- release index ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IndexEntry:
    release: int
    manifest: FileRef
    created: int
    author: str
    prompts: int

    def to_json(self) -> dict[str, Any]:
        return {"release": self.release, "manifest": self.manifest.to_json(),
                "created": format_time(self.created), "author": self.author,
                "prompts": self.prompts}

    @classmethod
    def from_json(cls, obj: Any, what: str) -> "IndexEntry":
        strictjson.fields(obj, what, {"release": int, "manifest": dict, "created": str,
                                      "author": str, "prompts": int})
        return cls(_int(obj["release"], f"{what}.release", 1),
                   FileRef.from_json(obj["manifest"], f"{what}.manifest", MAX_MANIFEST_BYTES),
                   parse_time(obj["created"], f"{what}.created"), obj["author"],
                   _int(obj["prompts"], f"{what}.prompts"))


@dataclass(frozen=True, slots=True)
class Index:
    """Every release published to the repository, for browsing; signed by the release role."""

    project: str
    version: int
    releases: tuple[IndexEntry, ...]

    def to_payload(self) -> bytes:
        return _dump("index", self.project, version=self.version,
                     releases=[e.to_json() for e in self.releases])

    @classmethod
    def from_payload(cls, payload: bytes, what: str = "release index") -> "Index":
        obj = _load(payload, "index", what, MAX_INDEX_BYTES, {"version": int, "releases": list})
        entries = tuple(IndexEntry.from_json(e, f"{what} entry {i}")
                        for i, e in enumerate(obj["releases"], 1))
        if len({e.release for e in entries}) != len(entries):
            raise MalformedError(f"{what} lists a release number twice")
        return cls(check_project(obj["project"]), _int(obj["version"], f"{what}.version", 1),
                   entries)

    def entry(self, release: int) -> IndexEntry | None:
        for e in self.releases:
            if e.release == release:
                return e
        return None

    @property
    def latest(self) -> int:
        return max((e.release for e in self.releases), default=0)
