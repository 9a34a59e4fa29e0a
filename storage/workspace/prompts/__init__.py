"""Prompts and their versions: the repository functions everything else calls.

    from storage.workspace import prompts as repo
    repo.save_version(session, "support/greet", content, author=...)

One module per idea; this package re-exports their public names, so callers need not know
which module holds a function:

    names         PromptError, validate_prompt_name, split_ref
    versions      save, look up, resolve "NAME@id", list, version_history, import as recorded
    events        restore_version and the events a history records (add_event)
    history_rows  a prompt's version history as rows: versions and events, newest first
    folders       rename and move prompts; create, rename and delete folders
    trash         delete with undo: delete_prompt, list_deleted, undelete_prompt, purge_deleted
    search        search by name, description, message text and version notes
    candidates    versions the advisor suggests, stored out of every list (save_suggestion)
"""

from .candidates import is_suggestion, save_suggestion, suggested_for, suggestions_name
from .events import RestoreOutcome, add_event, restore_version
from .folders import (create_folder, delete_folder, explicit_folders, folder_exists, list_folders,
                      move_prompt, rename_folder, rename_prompt)
from .history_rows import HistoryRow, event_rows, history_rows
from .names import HEX, PromptError, split_ref, validate_prompt_name
from .search import SearchHit, search
from .trash import DeletedPrompt, delete_prompt, list_deleted, purge_deleted, undelete_prompt
from .versions import (PromptSummary, SaveOutcome, VersionHeader, VersionRecord, content_of,
                       create_prompt, ensure_folders, find_version, get_prompt, import_version,
                       is_ancestor, latest_version, list_prompts, list_prompts_with_content,
                       live_prompts, live_prompts_with_versions, newest_version, ref_of,
                       require_prompt, resolve, save_version, version_history, version_records,
                       versions_by_pk)
