"""Versions, organising, files in and out, and backups, end to end through `promptpress`."""

from __future__ import annotations

import json

from tests.cli.test_cli_basics import PROMPT

FOREIGN = "tests/fixtures/foreign"


def save(cli, tmp_path, name: str, text: str, message: str = "") -> str:
    f = tmp_path / "in.prompt"
    f.write_bytes(text.encode("utf-8"))
    result = cli("prompt", "save", name, "--file", str(f), "-m", message)
    assert result.code == 0, result.err
    return result.out.strip()


def test_diff_shows_a_single_trailing_space_plain_when_piped(cli, tmp_path):
    a = save(cli, tmp_path, "support/greet", PROMPT)
    b = save(cli, tmp_path, "support/greet",
             PROMPT.replace("Greet {{ name }}.", "Greet {{ name }}. "))
    result = cli("prompt", "diff", f"support/greet@{a[:8]}", f"support/greet@{b[:8]}")
    assert result.code == 0, result.err
    assert "\x1b[" not in result.out  # piped: no colour
    assert a[:12] in result.out and b[:12] in result.out
    assert "·" in result.out or "trailing" in result.out  # the space is made visible
    # One argument: against the current version; an id alone names the same prompt.
    assert cli("prompt", "diff", f"support/greet@{a[:8]}").out == result.out
    assert cli("prompt", "diff", f"support/greet@{a[:8]}", b[:8]).out == result.out
    coloured = cli("prompt", "diff", f"support/greet@{a[:8]}", "--color", "always")
    assert "\x1b[" in coloured.out
    same = cli("prompt", "diff", f"support/greet@{b[:8]}", f"support/greet@{b[:8]}")
    assert "No changes" in same.out


def test_restore_rename_move_delete_undelete(cli, tmp_path):
    a = save(cli, tmp_path, "greet", PROMPT, "first")
    b = save(cli, tmp_path, "greet", PROMPT.replace("warm", "cool"), "second")
    restored = cli("prompt", "restore", f"greet@{a[:8]}")
    assert restored.code == 0 and restored.out.strip() == a
    assert f"was {b[:12]}" in restored.err and "Undo" in restored.err
    assert cli("prompt", "show", "greet").out.count("warm") == 1
    history = cli("prompt", "history", "greet").out
    assert a[:12] in history and b[:12] in history

    assert cli("prompt", "rename", "greet", "support/greet").code == 0
    assert cli("prompt", "move", "support/greet", "--to", "sales").code == 0
    listed = cli("prompt", "list").out
    assert "sales/greet" in listed and a[:12] in listed
    assert cli("prompt", "rename", "sales", "marketing").code == 0
    assert "marketing/greet" in cli("prompt", "list").out

    deleted = cli("prompt", "delete", "marketing/greet")
    assert deleted.code == 0 and "prompt undelete marketing/greet" in deleted.out
    assert "marketing/greet" not in cli("prompt", "list").out
    assert "marketing/greet" in cli("prompt", "trash").out
    assert cli("prompt", "undelete", "marketing/greet").code == 0
    assert cli("prompt", "show", f"marketing/greet@{b[:8]}").code == 0

    missing = cli("prompt", "rename", "nope", "x")
    assert missing.code == 1 and "Traceback" not in missing.err


def test_search(cli, tmp_path):
    save(cli, tmp_path, "support/greet", PROMPT, "tone: friendlier")
    result = cli("prompt", "search", "friendlier")
    assert result.code == 0 and "support/greet" in result.out and "version note" in result.out
    assert "message text" in cli("prompt", "search", "greetings").out
    assert "Nothing matches" in cli("prompt", "search", "zebra").out
    for tone in ("cool", "calm"):
        save(cli, tmp_path, "support/greet", PROMPT.replace("warm", tone), tone)
    assert "(current) +2 older" in cli("prompt", "search", "greetings").out


def test_export_then_import_into_another_workspace_keeps_version_ids(cli, tmp_path):
    a = save(cli, tmp_path, "support/greet", PROMPT, "first")
    b = save(cli, tmp_path, "support/greet", PROMPT.replace("warm", "cool"), "second")
    save(cli, tmp_path, "other", "Hello\n")
    out = tmp_path / "export"
    exported = cli("prompt", "export", "support", "--to", str(out))
    assert exported.code == 0, exported.err
    assert (out / "support" / "greet.prompt").exists()
    history = json.loads((out / "support" / "greet.history.json").read_text("utf-8"))
    assert [v["id"] for v in history["versions"]] == [a, b]
    assert not (out / "other.prompt").exists()
    again = cli("prompt", "export", "--all", "--to", str(out))
    assert again.code == 0 and (out / "other.prompt").exists()

    other = type(cli)(tmp_path / "second.promptpress")
    imported = other("prompt", "import", str(out))
    assert imported.code == 0, imported.out + imported.err
    assert "support/greet" in imported.out and "2 versions added" in imported.out
    history_out = other("prompt", "history", "support/greet").out
    assert a[:12] in history_out and b[:12] in history_out and "second" in history_out
    assert other("prompt", "import", str(out)).out.count("unchanged") == 2


def test_import_foreign_files_reports_what_was_left_out(cli):
    result = cli("prompt", "import", FOREIGN, "--into", "imported")
    assert result.code == 0, result.out + result.err
    out = result.out
    assert "imported/humanloop-support-triage (Humanloop)" in out
    assert "imported/dotprompt-extract-contact (Dotprompt)" in out
    assert "(Prompty v1)" in out and "(Prompty v2)" in out
    assert "not imported:" in out and "{{history}}" in out and "image" in out
    shown = cli("prompt", "show", "imported/prompty-v2-greet")
    assert "Say hello to {{who}} in {{language}}." in shown.out


def test_import_dry_run_and_failures(cli, tmp_path):
    bad = tmp_path / "bad.prompt"
    bad.write_text('---\nmodel: [\n---\n{{role "user"}}\nx\n')
    good = tmp_path / "good.prompt"
    good.write_text(PROMPT)
    result = cli("prompt", "import", str(good), str(bad), "--dry-run")
    assert result.code == 1
    assert "FAILED" in result.out and "bad.prompt" in result.out
    assert "Nothing was changed" in result.out
    assert "No prompts yet" in cli("prompt", "list").out


def test_workspace_backup_and_restore(cli, tmp_path):
    a = save(cli, tmp_path, "p", PROMPT)
    backup = tmp_path / "backup.promptpress"
    made = cli("workspace", "backup", str(backup))
    assert made.code == 0 and backup.exists(), made.err
    refused = cli("workspace", "backup", str(backup))
    assert refused.code == 1 and "already exists" in refused.err
    save(cli, tmp_path, "p", PROMPT.replace("warm", "cold"))
    restored = cli("workspace", "restore", str(backup))
    assert restored.code == 0, restored.err
    assert "before-restore" in restored.out
    assert cli("prompt", "show", "p").out.count("warm") == 1
    assert a[:12] in cli("prompt", "list").out
    kept = list(tmp_path.glob("cli.promptpress.before-restore-*"))
    assert len(kept) == 1
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")
    failed = cli("workspace", "restore", str(not_a_backup))
    assert failed.code == 1 and "not a Promptpress workspace" in failed.err
