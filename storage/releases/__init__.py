"""Signed prompt releases: format, signing, verification, publishing, and the engineers' reader.

Inside the app this package is `storage.releases`; engineers install the same source as the
distribution `promptpress-reader` (import name `promptpress_reader`, built by packaging/reader).
It depends on the standard library, `cryptography` and `jinja2` only; `httpx` is imported when an
HTTP source or target is used. Everything inside imports relatively.
"""

from __future__ import annotations

from .content import Message, PromptContent, Variable, canonical_bytes, version_id
from .errors import (BadSignature, ChannelMoved, CorruptCacheError, ExpiredError, FreezeError,
                     KeyBackupError, MalformedError, MixAndMatchError, NotAuthorized,
                     NotFoundError, NothingPending, NotYetSynced, OversizedError,
                     PromptNotFound, PublishError, ReaderError, RepositoryExists, RollbackError,
                     RootChainError, SourceError, SourceUnavailable, TamperedError, TargetError,
                     ThresholdError, UnsafeNameError, UntrustedKeyError, VerificationError,
                     WrongChannelError, WrongProjectError)
from .calllog import Rendered
from .keys import (export_backup, fingerprint, format_fingerprint, generate_key, import_backup,
                   key_id, private_bytes, private_key, public_bytes, public_key)
from .logwriter import LogStats
from .metadata import Manifest, Pointer, Role, Root
from .reader import Prompt, Reader
from .template import MissingVariables, TemplateProblem

__version__ = "0.1.0"

__all__ = [
    "BadSignature", "ChannelMoved", "CorruptCacheError", "ExpiredError", "FreezeError",
    "KeyBackupError", "LogStats", "MalformedError", "Manifest", "Message", "MissingVariables",
    "MixAndMatchError", "NotAuthorized", "NotFoundError", "NothingPending", "NotYetSynced",
    "OversizedError", "Pointer", "Prompt", "PromptContent", "PromptNotFound", "PublishError",
    "Reader", "ReaderError", "Rendered", "RepositoryExists", "Role", "RollbackError", "Root",
    "RootChainError", "SourceError", "SourceUnavailable", "TamperedError", "TargetError",
    "TemplateProblem", "ThresholdError", "UnsafeNameError", "UntrustedKeyError", "Variable",
    "VerificationError", "WrongChannelError", "WrongProjectError", "canonical_bytes",
    "export_backup", "fingerprint", "format_fingerprint", "generate_key", "import_backup",
    "key_id", "private_bytes", "private_key", "public_bytes", "public_key", "version_id",
]


def __getattr__(name: str):  # the publisher side, loaded on first use
    if name in ("Repository", "CURRENT"):
        from . import repository

        return getattr(repository, name)
    if name == "RepositoryView":
        from .view import RepositoryView

        return RepositoryView
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
