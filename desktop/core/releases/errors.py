"""Errors of the author's release workflow, and which errors a person can act on.

Imports only the release format's errors, so `desktop.core.errors` can add RELEASE_USER_ERRORS
to USER_ERRORS without an import cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from storage.releases.errors import KeyBackupError, PublishError, ReaderError

if TYPE_CHECKING:
    from .changes import Moved


class ReleaseError(Exception):
    """A release request the user can fix; the message says what happened and what to do."""


class SigningKeyError(ReleaseError):
    """No signing key, an unknown fingerprint, a key the repository does not allow..."""


class ChannelMovedError(ReleaseError):
    """Someone else published to the channel meanwhile. Nothing was overwritten.

    `moved` says what changed on the channel and what publishing on top of it would give
    (`moved.rebased`); publish that with `base=moved.now` once the user agrees.
    """

    def __init__(self, message: str, moved: "Moved") -> None:
        super().__init__(message)
        self.moved = moved


# Printed as one line by the CLI, shown in place by the app (see desktop.core.errors).
RELEASE_USER_ERRORS: tuple[type[BaseException], ...] = (
    ReleaseError,
    PublishError,  # includes the format's ChannelMoved, NotAuthorized, NothingPending...
    ReaderError,  # verification refusals (with .threat) and unreadable sources
    KeyBackupError,  # wrong passphrase, damaged backup
)
