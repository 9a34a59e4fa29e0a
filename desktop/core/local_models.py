"""Is Ollama running on this computer, and with which models? One GET to its /api/tags on
localhost with a short timeout: the only call the guide makes, and never beyond this machine.

`PROMPTPRESS_OLLAMA_URL` names another address (the tests point it at a loopback server or a
closed port)."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass

DEFAULT_URL = "http://localhost:11434"
TIMEOUT = 0.8  # seconds: a local server answers in milliseconds or not at all


@dataclass(frozen=True)
class Ollama:
    url: str
    running: bool
    models: tuple[str, ...] = ()

    def describe(self) -> str:
        if not self.running:
            return f"No Ollama is running on this computer ({self.url})."
        if not self.models:
            return f"Ollama is running ({self.url}) but has no models yet: `ollama pull llama3.2`."
        count = len(self.models)
        return (f"Ollama is running: {count} model{'s' if count != 1 else ''} "
                f"({', '.join(self.models)}).")

    def provider_names(self) -> dict[str, str]:
        """Provider name -> litellm model id, one per model ("llama3.2:latest" is "llama3.2")."""
        out = {}
        for model in self.models:
            name = model[:-len(":latest")] if model.endswith(":latest") else model
            out[name.replace(":", "-")] = f"ollama/{model}"
        return out


def ollama_url() -> str:
    return (os.environ.get("PROMPTPRESS_OLLAMA_URL") or DEFAULT_URL).rstrip("/")


def detect(url: str | None = None, timeout: float = TIMEOUT) -> Ollama:
    """Ask Ollama for its models; blocks up to `timeout` (call it off the GUI thread)."""
    url = (url or ollama_url()).rstrip("/")
    try:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # this machine
        with opener.open(f"{url}/api/tags", timeout=timeout) as reply:
            data = json.loads(reply.read(1_000_000))
    except (OSError, ValueError, urllib.error.URLError):
        return Ollama(url, False)
    models = data.get("models") if isinstance(data, dict) else None
    if not isinstance(models, list):
        return Ollama(url, False)  # something else answers on that port
    names = [m.get("name") or m.get("model") for m in models if isinstance(m, dict)]
    return Ollama(url, True, tuple(sorted(n for n in names if isinstance(n, str) and n)))


def add_models(workspace, found: Ollama) -> list[str]:
    """Add a provider for each of Ollama's models not added yet; returns the names added."""
    from desktop.core import providers as core_providers

    have = {p.name for p in core_providers.list_providers(workspace)}
    have_models = {p.model for p in core_providers.list_providers(workspace)}
    added = []
    for name, model in found.provider_names().items():
        if name in have or model in have_models:
            continue
        core_providers.add_provider(workspace, name, model, base_url=found.url)
        added.append(name)
    return added
