"""Import litellm lazily, once, quietly, and never from the price table on the internet.

Also the HTTP side of the direct path (aiohttp and our TLS context), which plain calls need
without litellm: ``prepare_http()``.
"""

from __future__ import annotations

import gc
import logging
import os
import ssl
import threading
from types import ModuleType
from typing import Any

_lock = threading.Lock()
_http_lock = threading.Lock()
_litellm: ModuleType | None = None
_ssl_context: ssl.SSLContext | None = None


def is_loaded() -> bool:
    return _litellm is not None


def preload() -> ModuleType:
    """Import and configure litellm (seconds: call it from a worker thread). Safe to call from
    several threads at once; later calls return at once."""
    global _litellm
    if _litellm is not None:
        return _litellm
    with _lock:
        if _litellm is not None:
            return _litellm
        # Both must be set before the import: litellm reads them while importing.
        os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
        os.environ.setdefault("LITELLM_LOG", "ERROR")
        import litellm

        _quiet(litellm)
        prepare_http()
        # Warm the lookups the first call would otherwise pay for on the event loop.
        litellm.get_llm_provider("openai/gpt-4o-mini")
        # Move everything alive now (litellm alone makes ~400,000 objects) out of the cyclic
        # collector's sight: a full collection walking them stalls an event loop for 0.25-0.5 s,
        # in the app and in a run alike. Frozen objects are still freed by reference counting.
        gc.freeze()
        _litellm = litellm
        return litellm


def litellm_module() -> ModuleType:
    """litellm, which must already be loaded (the gateway loads it off the loop first)."""
    if _litellm is None:
        raise RuntimeError("litellm is not loaded yet: await the gateway, or call preload() first")
    return _litellm


def prepare_http() -> None:
    """Import aiohttp and make the TLS context (~0.1-0.3 s, once: call it off the event loop)."""
    global _ssl_context
    if _ssl_context is not None:
        return
    with _http_lock:
        if _ssl_context is None:
            import aiohttp  # noqa: F401  (the direct path's client)

            _ssl_context = _make_ssl_context()


def ssl_context() -> ssl.SSLContext:
    if _ssl_context is None:
        raise RuntimeError("call prepare_http() first")
    return _ssl_context


def _quiet(litellm: Any) -> None:
    """Switch off what litellm does per call that we do not use: logging, callbacks, retries."""
    litellm.suppress_debug_info = True
    litellm.set_verbose = False
    litellm.turn_off_message_logging = True
    litellm.disable_streaming_logging = True
    litellm.telemetry = False
    litellm.num_retries = 0
    litellm.drop_params = True
    for name in ("callbacks", "success_callback", "failure_callback", "input_callback",
                 "service_callback", "_async_success_callback", "_async_failure_callback"):
        if isinstance(getattr(litellm, name, None), list):
            getattr(litellm, name).clear()
    for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "litellm"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _make_ssl_context() -> ssl.SSLContext:
    # The system store (corporate roots) plus certifi's (frozen apps on macOS/Windows may lack one).
    context = ssl.create_default_context()
    try:
        import certifi
    except ImportError:  # pragma: no cover - certifi comes with httpx
        return context
    context.load_verify_locations(certifi.where())
    return context
