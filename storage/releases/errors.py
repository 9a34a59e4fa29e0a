"""Errors of the release format, the reader and the publisher.

Every refusal names the threat it stopped, so that a log line or a dialog can say what happened:
`VerificationError.threat` is a short phrase ("rollback", "tampered bytes", ...) and the message
says which file and what to do.
"""

from __future__ import annotations


class ReaderError(Exception):
    """Anything the reader cannot do: a release that fails verification, or a source it cannot read."""

    threat = "error"


# --- verification: the release was refused --------------------------------------------------------


class VerificationError(ReaderError):
    """A release, or one of its files, failed verification and was refused."""

    threat = "failed verification"


class TamperedError(VerificationError):
    """Bytes differ from what was signed: a hash, a length or a signature does not match."""

    threat = "tampered bytes"


class BadSignature(TamperedError):
    """A signature does not verify over the payload and its type."""

    threat = "bad signature"


class UntrustedKeyError(VerificationError):
    """Signed by a key that the root does not trust for that role (unknown or revoked)."""

    threat = "unknown or revoked key"


class ThresholdError(VerificationError):
    """Fewer distinct trusted keys signed than the role needs (each key id counts once)."""

    threat = "signature threshold not met"


class RollbackError(VerificationError):
    """An older pointer or root than one already accepted, or the same version with other content."""

    threat = "rollback"


class RootChainError(VerificationError):
    """The root rotation chain is broken: a root file out of sequence or for another project."""

    threat = "broken root chain"


class FreezeError(VerificationError):
    """Metadata too old to trust: someone may be hiding newer releases."""

    threat = "freeze"


class ExpiredError(FreezeError):
    """A pointer or root is past its expiry time (beyond the allowed clock skew)."""

    threat = "expired metadata (freeze)"


class MixAndMatchError(VerificationError):
    """Files of different releases combined: the manifest is not the one the pointer names."""

    threat = "mix-and-match"


class WrongProjectError(VerificationError):
    """A release of another project served as this one."""

    threat = "another project's release"


class WrongChannelError(VerificationError):
    """A pointer of another channel served as this one, or a channel the root does not define."""

    threat = "another channel's release"


class OversizedError(VerificationError):
    """A file larger than its limit or its signed length (refused before reading it all)."""

    threat = "endless data"


class MalformedError(VerificationError):
    """Input the strict parser refuses: duplicate keys, NaN, floats, bad UTF-8, unknown fields..."""

    threat = "malformed metadata (parser differential)"


class UnsafeNameError(VerificationError, ValueError):
    """A prompt, channel or project name that could escape a folder or confuse a URL."""

    threat = "unsafe name (path traversal)"


class NotYetSynced(VerificationError):
    """The pointer is present but a file it needs is not (yet): a partial publish or slow sync."""

    threat = "partial publish"


class CorruptCacheError(VerificationError):
    """The reader's own cache is damaged; it is ignored and the release fetched again."""

    threat = "corrupt reader cache"


# --- sources: could not read ----------------------------------------------------------------------


class SourceError(ReaderError):
    """The source (folder or server) could not be read."""

    threat = "source unavailable"


class SourceUnavailable(SourceError):
    """The folder or server did not answer, answered with an error, or dropped the connection."""


class NotFoundError(SourceError):
    """The source has no such file."""

    threat = "file not found"


class PromptNotFound(KeyError):
    """The release has no prompt of that name."""

    def __str__(self) -> str:  # KeyError quotes its argument; say it plainly
        return str(self.args[0]) if self.args else "prompt not found"


# --- publishing -----------------------------------------------------------------------------------


class PublishError(Exception):
    """A publish, promote, rollback or approval that could not be done; nothing was overwritten."""


class ChannelMoved(PublishError):
    """The channel changed since it was read: someone else published. Rebase and try again."""

    def __init__(self, message: str, *, channel: str, expected: int | None,
                 found: int | None) -> None:
        super().__init__(message)
        self.channel = channel
        self.expected = expected
        self.found = found


class NotAuthorized(PublishError):
    """The signing key is not one the repository's root allows for that role."""


class NothingPending(PublishError):
    """There is no pending pointer to approve or reject on that channel."""


class RepositoryExists(PublishError):
    """A repository (a first root) already exists at that location with other content."""


class TargetError(PublishError):
    """The folder or server refused a write."""


class KeyBackupError(ValueError):
    """A key backup that cannot be read: wrong passphrase, damaged file, or not an Ed25519 key."""
