"""`promptpress --smoke-test`: does this build work end to end? For installers and CI.

Opens a workspace (`_smoke_workspace`), shows the main window (offscreen works), loads model
support (litellm, with its price table read locally), runs one prompt of the workspace against the
OpenAI-compatible provider named by the environment, and exits 0. Any failure exits 1 with a
message saying what failed.

    PROMPTPRESS_SMOKE_BASE_URL   the provider's base URL (required), e.g. http://127.0.0.1:8000/v1
    PROMPTPRESS_SMOKE_MODEL      litellm model id (default openai/smoke-test)
    PROMPTPRESS_SMOKE_TIMEOUT    seconds before giving up (default 120)
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

SMOKE_PROMPT = "smoke/hello"
SMOKE_TEXT = "Say hello to {{ name }}."


class SmokeFailure(Exception):
    """A step of the smoke test failed; the message says which and why."""


def _smoke_workspace(folder: Path) -> Path:
    """The workspace the smoke test opens: the sample workspace, built in `folder` from
    resources/ as Help → Open Sample Workspace builds it, plus one prompt to run."""
    from desktop.core.ops import prompts
    from desktop.core.ops.workspace import copy_sample
    from storage.releases.content import Message, PromptContent, Variable
    from storage.workspace.db import Workspace

    path = copy_sample(folder / "sample")
    workspace = Workspace.open(path)
    try:
        prompts.save_version(workspace, SMOKE_PROMPT, PromptContent(
            messages=(Message("user", SMOKE_TEXT),),
            variables=(Variable("name", default="the smoke test"),),
        ), message="seeded by --smoke-test")
    finally:
        workspace.close()
    return path


def _smoke_provider():
    from desktop.core.providers import ProviderSettings

    base_url = os.environ.get("PROMPTPRESS_SMOKE_BASE_URL", "").strip()
    if not base_url:
        raise SmokeFailure("Set PROMPTPRESS_SMOKE_BASE_URL to an OpenAI-compatible endpoint "
                           "(e.g. http://127.0.0.1:8000/v1) to run the smoke test.")
    model = os.environ.get("PROMPTPRESS_SMOKE_MODEL", "").strip() or "openai/smoke-test"
    return ProviderSettings("smoke", model, base_url, {}, "none", None, None)


async def _scenario(window, opened: asyncio.Future, provider) -> str:
    from desktop.core import gateway, play
    from desktop.core.gateway.loader import litellm_module
    from desktop.core.ops import prompts
    from desktop.core.ops import workspace as workspace_ops
    from desktop.core.templates import find_variables

    workspace = await opened
    if window.view is None:
        raise SmokeFailure("the workspace opened but the main window shows no workspace view")
    frame = window.grab()
    if frame.isNull() or frame.width() < 200 or frame.height() < 200:
        raise SmokeFailure(f"the main window did not render (got {frame.width()}x{frame.height()})")
    # What the window does after opening, awaited here: model support loads and prices locally.
    await asyncio.get_running_loop().run_in_executor(None, gateway.preload)
    if len(litellm_module().model_cost) < 100:
        raise SmokeFailure("litellm's price table is missing from this build")
    entries, _ = await asyncio.to_thread(workspace_ops.prompt_list, workspace)
    if not entries:
        raise SmokeFailure("the smoke workspace has no prompt to run")
    names = [entry.name for entry in entries]
    if len(names) < 5:  # the sample's four prompts and the smoke prompt
        raise SmokeFailure(f"the sample workspace did not load: it lists only {names}")
    name = SMOKE_PROMPT if SMOKE_PROMPT in names else names[0]
    content = await asyncio.to_thread(prompts.content, workspace, name)
    defaults = {v.name: v.default for v in content.variables if v.default}
    values = {var: defaults.get(var, "smoke") for var in find_variables(content)}
    [outcome] = await play.play(content, [provider], values, timeout=30)
    if not outcome.ok:
        raise SmokeFailure(f"running {name!r} on {provider.base_url} failed: {outcome.error}")
    await gateway.aclose()
    return (f"opened the sample workspace ({len(names)} prompts), ran {name!r} on "
            f"{provider.model}: {outcome.result.text!r}")


def run_smoke_test() -> int:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    try:
        provider = _smoke_provider()
        timeout = float(os.environ.get("PROMPTPRESS_SMOKE_TIMEOUT", "") or 120)
    except (SmokeFailure, ValueError) as exc:
        print(f"smoke test failed: {exc}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="promptpress-smoke-") as tmp:
        try:
            report = _run(Path(tmp), provider, timeout)
        except SmokeFailure as exc:
            print(f"smoke test failed: {exc}", file=sys.stderr)
            return 1
        except asyncio.TimeoutError:
            print(f"smoke test failed: not done after {timeout:g} s", file=sys.stderr)
            return 1
        except Exception as exc:  # anything else is a failure of the build too: say what
            print(f"smoke test failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
    print(f"smoke test passed: {report}", flush=True)
    return 0


def _run(folder: Path, provider, timeout: float) -> str:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    import qasync

    from desktop.ui.app import configure_loop
    from desktop.ui.main_window import MainWindow

    path = _smoke_workspace(folder)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Promptpress")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    configure_loop(loop)
    window = MainWindow(path)
    window.resize(1400, 900)
    opened: asyncio.Future = loop.create_future()
    window.workspace_opened.connect(lambda ws: opened.done() or opened.set_result(ws))
    window.first_shown.connect(lambda: QTimer.singleShot(0, window.start))
    window.show()
    try:
        with loop:
            return loop.run_until_complete(
                asyncio.wait_for(_scenario(window, opened, provider), timeout))
    finally:
        window.shutdown()
