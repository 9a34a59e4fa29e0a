"""Regenerate the README screenshots of the playground (1400x900, offscreen).

A throwaway workspace gets a few prompts and three providers on the loopback model server, whose
replies are scripted to look like real answers; the app's own window is then driven and grabbed.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Writes playground.png, what-will-be-sent.png, failure-and-history.png, right-to-left.png,
providers.png and welcome.png; then runs the journey tests (tests/ui/journeys), which save
journeyN-*.png of each journey as they click through it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
os.environ["NO_PROXY"] = "*"
for _var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(_var, None)

TRANSCRIPT = """\
Agent: Thanks for calling Northwind, this is Sam. How can I help?
Customer: Hi, my order 48213 was supposed to arrive on Monday and it still hasn't. The tracking \
page has said "in transit" for four days.
Agent: I'm sorry about that. Let me look... I can see it left our warehouse on Friday, but the \
carrier hasn't scanned it since Saturday.
Customer: I need it for my daughter's birthday on Thursday.
Agent: Understood. I can send a replacement by express today at no cost, and you can refuse the \
first parcel if it turns up. Would that work?
Customer: Yes, please. And can I get the shipping fee back?
Agent: Of course, I've refunded the $7.95 shipping to your card; it takes 3 to 5 days to show.
"""

SYSTEM = """\
You summarise customer support calls for the CRM, in {{ language }}.

Write three parts:
1. **Issue** — one sentence.
2. **What we did** — the actions the agent took, as a short list.
3. **Follow-up** — anything still open, with dates.

Never invent order numbers or amounts; copy them from the transcript.
"""

REPLIES = {
    "gpt-4o-mini": (
        "**Issue** — Order 48213, due Monday, is stuck \"in transit\"; the carrier has not scanned "
        "it since Saturday and the customer needs it by Thursday for a birthday.\n\n"
        "**What we did**\n- Sent a free express replacement today.\n- Told the customer they may "
        "refuse the first parcel if it arrives.\n- Refunded the $7.95 shipping fee to the card "
        "(3–5 days).\n\n**Follow-up** — Confirm the replacement is delivered before Thursday; "
        "check whether the original parcel is returned."),
    "claude-3-5-haiku": (
        "**Issue** — The customer's order 48213 did not arrive on Monday as promised; tracking "
        "has shown \"in transit\" for four days.\n\n**What we did**\n- Checked the shipment: it "
        "left the warehouse Friday, last carrier scan Saturday.\n- Dispatched a replacement by "
        "express at no cost.\n- Refunded $7.95 shipping.\n\n**Follow-up** — Replacement must "
        "arrive by Thursday (daughter's birthday). Refund visible in 3–5 days. The customer may "
        "refuse the original parcel."),
    "llama3": (
        "Issue: order 48213 is late (expected Monday, still in transit).\n\nWhat we did:\n"
        "- express replacement sent, free of charge\n- shipping ($7.95) refunded\n\n"
        "Follow-up: make sure the new parcel arrives before Thursday."),
}


def build_workspace(path: Path, base_url: str) -> None:
    from desktop.core import providers
    from storage.releases.content import Message, PromptContent, Variable
    from storage.workspace import prompts as repo
    from storage.workspace.db import Workspace

    with Workspace.open(path) as ws:
        with ws.session() as s:
            repo.save_version(s, "support/summarize-call", PromptContent(
                messages=(Message("system", SYSTEM), Message("user", "{{ transcript }}")),
                model="openai/gpt-4o-mini", parameters={"temperature": 0.2, "max_tokens": 400},
                variables=(Variable("language", "Language of the summary", "English"),
                           Variable("transcript", "The call transcript, from the phone system"))),
                message="First version")
            for name, text in (("support/triage/route-ticket", "Route this ticket: {{ ticket }}"),
                               ("support/reply-draft", "Draft a reply to {{ customer }}."),
                               ("marketing/tagline", "Write a tagline for {{ product }}."),
                               ("marketing/newsletter-intro", "Open the newsletter for {{ month }}."),
                               ("legal/clause-explainer", "Explain this clause simply: {{ clause }}")):
                repo.save_version(s, name, PromptContent(messages=(Message("user", text),)))
            repo.save_version(s, "localisation/greeting-ar-he", PromptContent(messages=(
                Message("system", "أنت مساعد ودود. أجب باللغة {{ language }} فقط.\n"
                                  "אתה עוזר ידידותי; ענה בקצרה.\n"),
                Message("user", "مرحبا! שלום, {{ name }} — how are you today?\n"))))
        providers.add_provider(ws, "gpt-4o-mini", "openai/gpt-4o-mini", base_url=base_url,
                               api_key="sk-demo")
        providers.add_provider(ws, "Claude 3.5 Haiku", "openai/claude-3-5-haiku", base_url=base_url,
                               api_key="sk-demo")
        providers.add_provider(ws, "Llama 3 (local)", "openai/llama3", base_url=base_url)


async def wait_for(predicate, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError("the screen did not get ready")
        await asyncio.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    import keyring

    from tests.support.fake_provider import FakeProvider, Reply
    from tests.support.keyring_backend import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())
    from desktop.core import gateway

    gateway.preload()
    from PySide6.QtWidgets import QApplication

    import qasync

    from desktop.ui.main_window import MainWindow

    server = FakeProvider(latency=0.05, chunk_interval=0.005).start()
    tmp = tempfile.TemporaryDirectory()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Promptpress")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    path = Path(tmp.name) / "Team prompts.promptpress"
    build_workspace(path, server.base_url)
    window = MainWindow(path)
    window.resize(1400, 900)
    window.show()

    def shot(name: str, widget=None) -> None:
        window.statusBar().clearMessage()  # it would show the throwaway workspace's path
        (widget or window).grab().save(str(out / name))
        print(out / name)

    async def run() -> None:
        window.start()
        await wait_for(lambda: window.view is not None)
        view = window.view
        await view.wait_loaded()
        await wait_for(lambda: not window.models_status.text())  # litellm loaded
        view.browser.tree.expandAll()
        await asyncio.sleep(0.3)
        shot("welcome.png")

        tab = await view.open_prompt_async("support/summarize-call")
        tab.columns.add_column()
        tab.columns.add_column()
        for column, name in zip(tab.columns.columns, ("gpt-4o-mini", "Claude 3.5 Haiku",
                                                      "Llama 3 (local)")):
            column.apply_setting("provider", (name, view.catalog.get(name).model))
        tab.variables.set_values({"transcript": TRANSCRIPT})
        for model, text in REPLIES.items():
            server.script(model, [text])
        await tab.run_all()
        await wait_for(lambda: tab.running == 0)
        await asyncio.sleep(0.3)
        shot("playground.png")

        tab.whitespace_button.setChecked(True)
        tab.show_preview(True)
        await asyncio.sleep(0.6)
        shot("what-will-be-sent.png")
        tab.show_preview(False)
        tab.whitespace_button.setChecked(False)

        server.script("gpt-4o-mini", [REPLIES["gpt-4o-mini"].replace("Thursday", "Thursday 14 May")])
        server.script("claude-3-5-haiku", [Reply(fault="429", retry_after=20)])
        server.script("llama3", [REPLIES["llama3"] + "\n\nI hope this helps!"])
        await tab.run_all()
        await wait_for(lambda: tab.running == 0)
        first = tab.columns.columns[2]
        first.prev_button.click()
        await asyncio.sleep(0.3)
        shot("failure-and-history.png")

        rtl = await view.open_prompt_async("localisation/greeting-ar-he")
        rtl.columns.add_column()
        for column, name in zip(rtl.columns.columns, ("gpt-4o-mini", "Claude 3.5 Haiku")):
            column.apply_setting("provider", (name, view.catalog.get(name).model))
        rtl.variables.set_values({"language": "العربية", "name": "נועה"})
        rtl.whitespace_button.setChecked(True)
        server.script("gpt-4o-mini", ["مرحبا يا نوعة! أنا بخير، شكرا لسؤالك.\n"
                                      "كيف يمكنني مساعدتك اليوم؟ يمكنني الرد بالعربية فقط."])
        server.script("claude-3-5-haiku", ["أهلا نوعة! أنا بخير والحمد لله.\n"
                                           "(שלום גם לך — I answered in Arabic, as asked.)"])
        await rtl.run_all()
        await wait_for(lambda: rtl.running == 0)
        await asyncio.sleep(0.4)
        shot("right-to-left.png")

        view.open_providers()
        dialog = view.providers_dialog
        await asyncio.sleep(0.8)
        dialog.listing.setCurrentRow(view.catalog.names().index("Llama 3 (local)"))
        server.script("llama3", ["OK"])
        await dialog.test_connection()
        await asyncio.sleep(0.3)
        shot("providers.png", dialog)
        dialog.done(0)

        view.ask_quit_while_running = lambda n: True
        window.close()
        window.shutdown()

    try:
        loop.run_until_complete(run())
        loop.run_until_complete(gateway.aclose())
    finally:
        server.stop()
        loop.close()
        tmp.cleanup()


def journeys(out: Path, size: str = "1400x900") -> int:
    """The journey tests through the real window, saving their screenshots into `out`
    (journeyN-*.png): the same clicks that prove each journey works take its pictures."""
    import subprocess

    env = dict(os.environ, PROMPTPRESS_SHOTS=str(out.resolve()), PROMPTPRESS_SIZE=size)
    return subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:xdist",
                            str(ROOT / "tests" / "ui" / "journeys")], env=env, cwd=ROOT)


if __name__ == "__main__":
    main()
    folder = Path(sys.argv[sys.argv.index("--out") + 1]) if "--out" in sys.argv else \
        ROOT / "docs" / "screenshots"
    sys.exit(journeys(folder))
