"""Every menu item, button and context menu of the main window and of every window it opens,
triggered as a person would, on a workspace with prompts, runs and releases: none may reach the
crash handler. The walk discovers what to trigger from the live widgets (tests/ui/walker.py),
so new actions are covered without editing this test."""

from __future__ import annotations

from desktop.core import providers as core_providers
from desktop.core import releases as core
from desktop.core.releases import keys
from storage.workspace import prompts as repo
from storage.workspace.models import Result, Run, TestSet
from storage.workspace import testsets
from tests.ui.conftest import save_prompt
from tests.ui.walker import Walk

LONG = ("support/escalations/enterprise-customers-with-a-very-long-folder-name/"
        "draft-a-polite-but-firm-reply-to-an-angry-customer")


def _rich(fake_provider, folder):
    def populate(ws):
        for name, model in (("fast", "openai/echo"), ("busy", "openai/fault-429:1")):
            core_providers.add_provider(ws, name, model, base_url=fake_provider.base_url,
                                        api_key="sk-test")
        save_prompt(ws, "support/greet", ("system", "Be kind."), ("user", "Hi {{ name }}"))
        save_prompt(ws, "support/greet", ("system", "Be kind."), ("user", "Hello {{ name }}!"))
        save_prompt(ws, "ترجمة/رسالة", ("user", "ترجم {{ text }} إلى العربية"))
        save_prompt(ws, LONG, ("user", "Dear {{ name }},\n" + "We are sorry. " * 200))
        with ws.session() as session:
            version = repo.resolve(session, "support/greet")
            test_set = testsets.create_test_set(session, "smoke", prompt=version.prompt,
                                                min_score=0.5, evaluators=["contains:Hello"])
            testsets.append_cases(session, test_set, [
                testsets.CaseData({"name": n}, f"Echo: Hello {n}!") for n in ("Ann", "نور", "李")])
            ids = [c.id for c in testsets.cases(session, test_set)]
            run = Run(test_set_id=test_set.id, status="finished", gate_passed=True, settings={
                "versions": [{"pk": version.pk, "version_id": version.version_id,
                              "prompt": "support/greet"}],
                "providers": [{"name": "fast", "model": "openai/echo"}], "case_ids": ids,
                "evaluators": ["contains:Hello"], "gate": 0.5})
            session.add(run)
            session.flush()
            for row, case_id in enumerate(ids):
                session.add(Result(run_id=run.id, version_pk=version.pk, provider="fast",
                                   case_id=case_id, row=row, output=f"Echo: Hello {row}!",
                                   score=1.0, passed=True, tokens_in=3, tokens_out=4,
                                   latency_ms=20))
            with_content = core.contents(core.choose(session, ["support/greet", "ترجمة/رسالة"]))
        published = core.publish(str(folder), with_content, channel="staging")
        with ws.session() as session:
            core.record(session, published)
    return populate


def walk_every_action_of_every_window(open_app, fake_provider, tmp_path, crash_log):
    keys.generate("Ann, laptop")
    folder = tmp_path / "releases" / "acme"
    core.create_repository(str(folder), "acme")
    app = open_app(populate=_rich(fake_provider, folder))
    app.person.lenient = True
    app.aio.run(app.view.open_prompt_async("support/greet"))
    app.aio.run(app.view.open_prompt_async("ترجمة/رسالة"))
    walk = Walk(app, crash_log)
    walk.walk_window(app.window, "main window")
    # The sample workspace, then back: the window changes workspace twice, cleanly.
    from desktop.core.ops.sample import is_sample

    own = app.workspace.path
    walk.step("Help → Open Sample Workspace", app.action("Help", "Open Sample Workspace").trigger)
    app.aio.wait(lambda: app.workspace is not None and is_sample(app.workspace.path)
                 and app.view.load_task.done(), timeout=60, what="the sample workspace")
    back = [b for b in walk.buttons(app.window) if b.text().startswith("Back to ")]
    assert len(back) == 1, [b.text() for b in walk.buttons(app.window)]
    walk.step("sample banner → Back", lambda: walk.click("Back", back[0]))
    app.aio.wait(lambda: app.workspace is not None and app.workspace.path == own
                 and app.view.load_task.done(), timeout=20, what="back to the workspace")
    # Quit, last: the window closes cleanly.
    walk.step("File → Quit", app.action("File", "Quit").trigger, settle=0.5)
    app.aio.wait(lambda: not app.window.isVisible(), what="the window to close after Quit")
    crash_log.clear()  # each report is already in walk.failures, tagged with its step
    assert len(walk.steps) > 200, walk.steps
    assert sum("context menu" in s for s in walk.steps) > 20
    for window in ("Providers", "Signing keys", "Releases", "Review a pending release",
                   "Publish a release", "Test — support/greet", "History — support/greet",
                   "Add to a test set"):
        assert any(f"⇒ {window}" in s for s in walk.steps), f"{window} was not walked"
    assert not walk.failures, "\n\n".join(walk.failures)


# Run only in its own process, from test_every_action.py: see there.
test_walk = walk_every_action_of_every_window
