"""The author's side of signed releases: keys, publishing, channels, browsing and pulling.

Everything the Release menu and `promptpress release ...` do, without Qt. The release format
itself (signing, verification, targets, the engineers' reader) is `storage.releases`.

    keys            my signing keys in the OS keychain: generate, back up, restore, choose
    setup           create_repository: a repository's first root
    publishing      choose versions (with gate results), read_channel, publish
    changes         compare releases, rebase on a channel that moved
    channels        promote, rollback, renew, pending_review, approve, reject; expiring_channels
    browse          list_releases, fetch_release, pull into the history, root_file
    records         the workspace's Release rows
    gate            did each version pass its test sets?

Network calls (read_channel, publish, promote, ...) and workspace calls (choose, pull, record)
are separate, so the app runs them on different threads.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Each name and the module it comes from, imported on first use: `desktop.core.errors` needs only
# `.errors`, and every CLI command imports that; the rest (cryptography, diffs, the publisher)
# would cost the commands that never publish a noticeable part of their start-up.
_FROM = {
    "browse": ("ChannelLine", "Listing", "PullOutcome", "RepositoryInfo", "describe_release",
               "fetch_release", "list_releases", "pull", "repository_info", "root_file"),
    "changes": ("Kind", "LiveRelease", "Moved", "PromptChange", "compare", "rebase", "summary"),
    "channels": ("RENEW_WARNING_DAYS", "Expiry", "Review", "approve", "changed_prompts",
                 "channel_expiry", "expiring_channels", "pending_review", "promote", "reject",
                 "renew", "rollback"),
    "destinations": ("is_url", "normalise"),
    "errors": ("RELEASE_USER_ERRORS", "ChannelMovedError", "ReleaseError", "SigningKeyError"),
    "gate": ("Gate", "GateStatus", "TestSetGate", "gates"),
    "publishing": ("Choice", "PromptVersions", "Published", "VersionOption", "catalog", "choose",
                   "choose_versions", "contents", "name_problem", "publish", "read_channel"),
    "records": ("record", "record_release", "recent_destinations"),
    "setup": ("Created", "create_repository", "parse_channel"),
}
_MODULE_OF = {name: module for module, names in _FROM.items() for name in names}

if TYPE_CHECKING:
    from . import keys
    from .browse import (ChannelLine, Listing, PullOutcome, RepositoryInfo, describe_release,
                         fetch_release, list_releases, pull, repository_info, root_file)
    from .changes import Kind, LiveRelease, Moved, PromptChange, compare, rebase, summary
    from .channels import (RENEW_WARNING_DAYS, Expiry, Review, approve, changed_prompts,
                           channel_expiry, expiring_channels, pending_review, promote, reject,
                           renew, rollback)
    from .destinations import is_url, normalise
    from .errors import RELEASE_USER_ERRORS, ChannelMovedError, ReleaseError, SigningKeyError
    from .gate import Gate, GateStatus, TestSetGate, gates
    from .publishing import (Choice, PromptVersions, Published, VersionOption, catalog, choose,
                             choose_versions, contents, name_problem, publish, read_channel)
    from .records import record, record_release, recent_destinations
    from .setup import Created, create_repository, parse_channel

__all__ = sorted([*_MODULE_OF, "keys"], key=str.lower)


def __getattr__(name: str) -> Any:
    if name in _FROM or name == "keys":  # a module of the package, `core.setup` say
        return importlib.import_module(f"{__name__}.{name}")
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
