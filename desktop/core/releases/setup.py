"""Creating a release repository (`release init-repo`): its first root, signed with my key.

My key signs the root, the releases and every channel's pointer. Co-authors (`authors`) may
publish too. Reviewers (`reviewers`) sign only the channels that need more than one signature:
with `production` at 2, a release reaches production when an author and a reviewer signed it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from storage.releases.keys import key_id
from storage.releases.metadata import Root
from storage.releases.names import check_channel, check_project, root_path
from storage.releases.repository import DEFAULT_ROOT_LIFETIME, Repository
from storage.releases.targets import open_target

from . import keys
from .destinations import is_url, normalise
from .errors import ReleaseError

DEFAULT_CHANNELS = (("staging", 1), ("production", 1))


def parse_channel(text: str) -> tuple[str, int]:
    """"production:2" -> ("production", 2); "staging" -> ("staging", 1)."""
    name, sep, threshold = text.partition(":")
    if not sep:
        return check_channel(name), 1
    if not re.fullmatch(r"[1-9]", threshold):
        raise ReleaseError(f"In {text!r}, the number after ':' is how many people must sign "
                           "the channel (1 to 9).")
    return check_channel(name), int(threshold)


@dataclass(frozen=True)
class Created:
    destination: str
    project: str
    root: Root
    root_bytes: bytes
    key: keys.KeyInfo

    @property
    def root_location(self) -> str:
        path = root_path(1)
        return self.destination + path if is_url(self.destination) else \
            f"{self.destination.rstrip('/')}/{path}"

    def describe(self) -> str:
        channels = ", ".join(f"{name} ({role.threshold} signature"
                             f"{'s' if role.threshold > 1 else ''})"
                             for name, role in sorted(self.root.channels.items()))
        return (f"Created the release repository of {self.project} at {self.destination}, "
                f"signed with {self.key.describe()}. Channels: {channels}. Engineers pin "
                f"{self.root_location} in their application (copy it once; the reader follows "
                "later root versions itself).")


def create_repository(destination: str, project: str, *,
                      channels: Sequence[tuple[str, int]] = DEFAULT_CHANNELS,
                      reviewers: Sequence[Ed25519PublicKey] = (),
                      authors: Sequence[Ed25519PublicKey] = (),
                      key: str | keys.FileKey | None = None,
                      lifetime: int = DEFAULT_ROOT_LIFETIME) -> Created:
    destination = normalise(destination)
    check_project(project)
    info, private = keys.signing_key(key)
    if not channels:
        raise ReleaseError("A repository needs at least one channel, e.g. --channel production.")
    names = [name for name, _ in channels]
    if len(set(names)) != len(names):
        raise ReleaseError("A channel is listed twice.")
    writers = _unique([private.public_key(), *authors])
    reviewers = [k for k in _unique(reviewers) if key_id(k) not in {key_id(w) for w in writers}]
    if reviewers and all(threshold < 2 for _, threshold in channels):
        raise ReleaseError("Reviewers sign channels that need two signatures or more; say which, "
                           "e.g. --channel production:2.")
    specs = {}
    for name, threshold in channels:
        signers = writers + (reviewers if threshold > 1 else [])
        if threshold > len(signers):
            raise ReleaseError(
                f"{name} needs {threshold} signatures but only {len(signers)} key"
                f"{' is' if len(signers) == 1 else 's are'} allowed to sign it: add reviewers "
                "with --reviewer-key (a public key file or fingerprint).")
        specs[name] = (signers, threshold)
    root = Root.create(project, root=[private], release=writers, channels=specs,
                       expires=int(time.time()) + lifetime)
    repo = Repository.init(open_target(destination), root, private)
    try:
        data = repo.root_bytes()
    finally:
        repo.close()
    return Created(destination, project, root, data, info)


def _unique(public_keys: Sequence[Ed25519PublicKey]) -> list[Ed25519PublicKey]:
    seen: dict[str, Ed25519PublicKey] = {}
    for k in public_keys:
        seen.setdefault(key_id(k), k)
    return list(seen.values())
