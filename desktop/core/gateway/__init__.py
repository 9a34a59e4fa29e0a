"""Model calls: one typed entry point over litellm, fast enough for runs of thousands of calls.

    result = await complete(target, [{"role": "user", "content": "Hi"}], params={"temperature": 0},
                            stream=True, on_delta=print, timeout=60)

``complete`` uses one shared Gateway per event loop; make your own ``Gateway()`` (and close it) when
you want separate connection limits, or the litellm-only path.

Importing this package does not import litellm (seconds): ``preload()`` does, from a worker thread at
start-up, and the first call that needs it does it off the event loop if nobody did. Plain calls to
OpenAI-compatible providers never need it (see routing), and prices come from a packaged table.
"""

from desktop.core.gateway.errors import (
    BadKey,
    ContextTooLong,
    InvalidRequest,
    ProviderError,
    ProviderFailure,
    RateLimited,
    Timeout,
    UnknownModel,
    Unreachable,
)
from desktop.core.gateway.gateway import Gateway, aclose, complete
from desktop.core.gateway.loader import is_loaded, preload
from desktop.core.gateway.target import CallResult, ModelTarget

__all__ = [
    "BadKey", "CallResult", "ContextTooLong", "Gateway", "InvalidRequest", "ModelTarget", "ProviderError",
    "ProviderFailure", "RateLimited", "Timeout", "UnknownModel", "Unreachable", "aclose", "complete",
    "is_loaded", "preload",
]
