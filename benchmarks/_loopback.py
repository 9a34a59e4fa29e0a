"""What every benchmark that talks to the loopback server sets before it imports the app: the
repository on the path, litellm's packaged price table (no call home), and no proxy between the
benchmark and 127.0.0.1. Import it first: `from _loopback import ROOT`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
for _var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(_var, None)
os.environ["NO_PROXY"] = "127.0.0.1,localhost"


def add_load_options(parser) -> None:
    """--concurrency N (calls in flight) and --latency SECONDS (the fake provider's answer)."""
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency", type=float, default=0.1)


def run_on_fake_provider(main_async, args) -> None:
    """Import litellm now (not inside the timings), start the loopback fake provider answering
    after `args.latency` seconds, and run `main_async(base_url, args)` to the end."""
    import asyncio

    from desktop.core.gateway import preload
    from tests.support.fake_provider import in_subprocess

    preload()
    with in_subprocess("--latency", str(args.latency)) as base_url:
        asyncio.run(main_async(base_url, args))
