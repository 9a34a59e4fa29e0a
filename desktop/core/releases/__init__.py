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

from . import keys
from .browse import (ChannelLine, Listing, PullOutcome, RepositoryInfo, describe_release,
                     fetch_release, list_releases, pull, repository_info, root_file)
from .changes import Kind, LiveRelease, Moved, PromptChange, compare, rebase, summary
from .channels import (RENEW_WARNING_DAYS, Expiry, Review, approve, changed_prompts,
                       channel_expiry, expiring_channels, pending_review, promote, reject, renew,
                       rollback)
from .destinations import is_url, normalise
from .errors import (RELEASE_USER_ERRORS, ChannelMovedError, ReleaseError, SigningKeyError)
from .gate import Gate, GateStatus, TestSetGate, gates
from .publishing import (Choice, PromptVersions, Published, VersionOption, catalog, choose,
                         choose_versions, contents, name_problem, publish, read_channel)
from .records import record, record_release, recent_destinations
from .setup import Created, create_repository, parse_channel

__all__ = [
    "ChannelLine", "ChannelMovedError", "Choice", "Created", "Gate", "GateStatus", "Kind",
    "Listing", "LiveRelease", "Moved", "PromptChange", "PromptVersions", "Published",
    "PullOutcome", "RELEASE_USER_ERRORS", "ReleaseError", "RepositoryInfo", "Review",
    "SigningKeyError", "TestSetGate", "VersionOption", "approve", "catalog", "changed_prompts",
    "choose", "choose_versions", "compare", "contents", "create_repository",
    "describe_release", "fetch_release", "gates", "is_url", "keys", "list_releases",
    "name_problem", "normalise", "parse_channel", "pending_review", "promote", "publish",
    "pull", "read_channel", "rebase", "recent_destinations", "record", "record_release",
    "reject", "renew", "repository_info", "rollback", "root_file", "summary",
    "Expiry", "RENEW_WARNING_DAYS", "channel_expiry", "expiring_channels",
]
