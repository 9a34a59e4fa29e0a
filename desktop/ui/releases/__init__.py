"""The Release menu's dialogs: publish, browse and pull, review pending releases, signing keys.

    PublishDialog(workspace, writer, tasks=None, parent=None, *, prompts=())
    ReleasesBrowser(workspace, writer, tasks=None, parent=None, *, source=None)
    ReviewDialog(workspace, writer, tasks=None, parent=None, *, destination=None,
                 channel="production")
    KeysDialog(tasks=None, parent=None)

Each is opened with `open()` and then `tasks.spawn(dialog.load())`. The work itself is
`desktop.core.releases`.
"""

from .browser import ReleasesBrowser
from .keys_dialog import KeysDialog
from .publish_dialog import PublishDialog
from .review_dialog import ReviewDialog

__all__ = ["KeysDialog", "PublishDialog", "ReleasesBrowser", "ReviewDialog"]
