"""The JSON a monitor POSTs to its webhook when an alert opens (only when one is set)."""

from __future__ import annotations

from typing import Any

TIMEOUT_S = 10.0


def post(url: str, payload: dict[str, Any]) -> str | None:
    """POST `payload` as JSON; None when the hook answered 2xx, else what went wrong."""
    import httpx

    try:
        response = httpx.post(url, json=payload, timeout=TIMEOUT_S)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    if response.status_code // 100 != 2:
        return f"the webhook answered HTTP {response.status_code}"
    return None


def check_url(url: str) -> str:
    url = url.strip()
    if not url.startswith(("http://", "https://")) or len(url) < 10:
        from .checks import MonitorError

        raise MonitorError(f"{url!r} is not a webhook address: give an http:// or https:// URL.")
    return url
