"""What the window shows when it opens: every prompt with its current version's text, read in
a few queries whatever the number of prompts (5,000 prompts took 15,000 queries and 3 s)."""

from __future__ import annotations

from sqlalchemy import event, text

from desktop.core.ops import workspace as workspace_ops
from storage.releases.content import Message, PromptContent
from storage.workspace import prompts as repo
from storage.workspace.db import Workspace


def _save(ws, name, *texts):
    with ws.session() as s:
        return repo.save_version(s, name, PromptContent(
            messages=[Message("system", texts[0]), *(Message("user", t) for t in texts[1:])]
        )).version.version_id


def test_the_prompt_list_holds_each_current_text_read_in_a_few_queries(tmp_path):
    with Workspace.open(tmp_path / "w.promptpress") as ws:
        first = _save(ws, "support/refund", "Offer the refund.\r\n", "שלום 🎉  ")
        _save(ws, "support/refund", "Offer a voucher.")
        with ws.session() as s:  # a restore makes the first version current again
            repo.restore_version(s, repo.resolve(s, f"support/refund@{first[:8]}"), author="ann")
        for n in range(40):
            _save(ws, f"team/p{n:02}", f"Prompt {n}")
        _save(ws, "broken", "soon unreadable")
        _save(ws, "gone", "deleted")
        with ws.session() as s:
            repo.delete_prompt(s, "gone")
            s.execute(text("UPDATE versions SET content = 'not json' WHERE prompt_id = "
                           "(SELECT id FROM prompts WHERE name = 'broken')"))
            repo.create_prompt(s, "empty", description="no version yet")

        statements = []
        event.listen(ws.engine, "before_cursor_execute",
                     lambda *args: statements.append(args[2]))
        entries, _folders = workspace_ops.prompt_list(ws)
        assert len(statements) <= 4, statements
        by_name = {e.name: e for e in entries}
        assert "gone" not in by_name and len(entries) == 43
        refund = by_name["support/refund"]
        assert (refund.versions, refund.latest_id) == (2, first)
        assert refund.text == "Offer the refund.\r\n\nשלום 🎉  "  # byte for byte, both messages
        assert by_name["broken"].text == "" and by_name["broken"].versions == 1
        assert (by_name["empty"].versions, by_name["empty"].latest_id, by_name["empty"].text) == (
            0, None, "")
        assert by_name["team/p07"].text == "Prompt 7"
        with ws.session() as s:
            assert [(p.name, p.latest_id) for p in repo.list_prompts(s)] == [
                (e.name, e.latest_id) for e in entries]
