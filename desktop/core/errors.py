"""The errors a user can cause or meet and act on, as opposed to bugs.

The CLI prints these as one line; the app shows them in place. Anything else reaching the top is a
bug: the CLI keeps its traceback and the app shows its crash dialog.
"""

from __future__ import annotations

from storage.releases.content import ContentError
from storage.releases.template import TemplateProblem
from storage.workspace.db import WorkspaceError
from storage.workspace.prompts import PromptError
from storage.workspace.providers import ProviderError as ProviderSettingsError

from .promptfile import PromptFileError
from .releases.errors import RELEASE_USER_ERRORS
from .secrets import SecretsError


class UserError(Exception):
    """A problem in what the user asked for, explained in the message."""


USER_ERRORS: tuple[type[BaseException], ...] = (
    UserError,
    ContentError,
    TemplateProblem,
    WorkspaceError,
    PromptError,
    ProviderSettingsError,
    PromptFileError,
    SecretsError,
    *RELEASE_USER_ERRORS,
)
