"""From a ModelTarget to how we reach it: provider, endpoint, and the parameters it accepts.

Everything here is cached: litellm's provider lookup and parameter mapping cost ~0.3-1 ms, which is
more than the rest of a direct call.

Plain calls need no litellm at all (it takes seconds to import): a chat of plain text messages
with sampling parameters only, to a model id that names an OpenAI-compatible provider litellm
passes through unchanged. ``resolve_plain`` and ``plain_request`` build exactly what litellm
would send for those (tests/core/test_gateway_plain.py holds them to it); for anything else they
decline, and the gateway asks litellm.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from desktop.core.gateway import pricing
from desktop.core.gateway.errors import InvalidRequest, UnknownModel
from desktop.core.gateway.loader import litellm_module

# Providers whose chat API is OpenAI's, with nothing provider-specific on the wire that litellm's
# request transformation (which we still use) does not cover. We talk to these directly.
DIRECT_PROVIDERS = frozenset({"openai", "custom_openai", "hosted_vllm", "lm_studio", "llamafile"})


@dataclass(frozen=True)
class Route:
    provider: str  # litellm provider name
    model: str  # the model id without the provider prefix
    api_base: str | None
    default_key: str | None = None  # what litellm would use without a key from us (its env defaults)
    config: Any = None  # litellm's provider config, for the direct path
    url: str | None = None  # the chat completions URL, for the direct path
    proxy: Any = None  # (proxy URL, auth) from HTTP(S)_PROXY / NO_PROXY, looked up once
    plain: bool = False  # resolved without litellm: only plain calls may take it (see plain_call)

    @property
    def direct(self) -> bool:
        return self.url is not None


@lru_cache(maxsize=256)
def resolve(model_id: str, base_url: str | None, allow_direct: bool = True) -> Route:
    """Route for a litellm model id. Raises UnknownModel when litellm knows no such provider."""
    litellm = litellm_module()
    try:
        model, provider, dynamic_key, api_base = litellm.get_llm_provider(model_id, api_base=base_url)
    except Exception as exc:  # litellm raises BadRequestError (and others) for unknown providers
        raise UnknownModel(
            f"'{model_id}' does not name a provider litellm knows.",
            hint="Start the model id with its provider, for example openai/gpt-4o-mini, "
                 "anthropic/claude-3-5-haiku-latest or ollama/llama3.",
            detail=str(exc).strip().splitlines()[0] if str(exc).strip() else None, model=model_id,
        ) from exc
    if not allow_direct or provider not in DIRECT_PROVIDERS:
        return Route(provider, model, api_base or base_url)
    from litellm.llms.openai.chat.gpt_transformation import OpenAIGPTConfig
    from litellm.utils import ProviderConfigManager

    config = ProviderConfigManager.get_provider_chat_config(model=model,
                                                            provider=litellm.LlmProviders(provider))
    if not isinstance(config, OpenAIGPTConfig):
        return Route(provider, model, api_base or base_url)
    default_key = dynamic_key
    if provider == "openai" and not base_url:
        # litellm's default key (OPENAI_API_KEY) only for OpenAI's own endpoint: never send it to
        # some other server just because it speaks the same API.
        api_base = api_base or config.get_api_base()
        default_key = default_key or config.get_api_key()
    if not api_base:
        return Route(provider, model, None)  # litellm will explain what is missing
    url = config.get_complete_url(api_base=api_base, api_key=None, model=model, optional_params={},
                                  litellm_params={}, stream=False)
    return Route(provider, model, api_base, default_key, config, url, _env_proxy(url))


# provider: (environment variable for the base URL, default base URL, variable for the key,
# default key), as litellm reads them for a model id with that prefix.
_PLAIN_PROVIDERS: dict[str, tuple[str | None, str | None, str | None, str | None]] = {
    "openai": ("OPENAI_BASE_URL", "https://api.openai.com/v1", "OPENAI_API_KEY", None),
    "hosted_vllm": ("HOSTED_VLLM_API_BASE", None, "HOSTED_VLLM_API_KEY", "fake-api-key"),
    "lm_studio": ("LM_STUDIO_API_BASE", None, "LM_STUDIO_API_KEY", "fake-api-key"),
    "llamafile": ("LLAMAFILE_API_BASE", "http://127.0.0.1:8080/v1", "LLAMAFILE_API_KEY", "fake-api-key"),
}
# Call parameters that litellm sends as given to every model of those providers (but the ones
# _has_own_rules names): sampling and length. Anything else (tools, response formats, provider
# extras) is litellm's to map.
PLAIN_PARAMETERS = frozenset({
    "temperature", "top_p", "n", "stop", "max_tokens", "max_completion_tokens", "presence_penalty",
    "frequency_penalty", "logit_bias", "seed", "logprobs", "top_logprobs",
})
_PLAIN_ROLES = frozenset({"system", "user", "assistant"})


def resolve_plain(model_id: str, base_url: str | None) -> Route | None:
    """The route litellm would give ``model_id``, worked out without it; None where it takes
    litellm to know (other providers, models it maps in its own way, unusual settings)."""
    provider, slash, model = model_id.partition("/")
    if not slash or not model or provider not in _PLAIN_PROVIDERS or "USE_LITELLM_PROXY" in os.environ:
        return None
    if _has_own_rules(provider, model):
        return None
    base_var, default_base, key_var, default_key = _PLAIN_PROVIDERS[provider]
    if provider == "openai":
        # litellm's default key (OPENAI_API_KEY) only for OpenAI's own endpoint: never send it to
        # some other server just because it speaks the same API.
        api_base = base_url or _secret(base_var) or _secret("OPENAI_API_BASE") or default_base
        key = None if base_url else _secret(key_var)
    else:
        api_base = base_url or _secret(base_var) or default_base
        key = _secret(key_var) or default_key
    if not api_base or "?" in api_base or "#" in api_base or not urlsplit(api_base).netloc:
        return None  # missing or unusual: litellm explains or handles it
    base = api_base.rstrip("/")
    url = base if "chat/completions" in base else f"{base}/chat/completions"
    return Route(provider, model, api_base, key, None, url, _env_proxy(url), plain=True)


def _has_own_rules(provider: str, model: str) -> bool:
    """Whether litellm treats this model in a way of its own: renamed (a "-latest" alias), or an
    OpenAI reasoning model (o1, o3, gpt-5...), whose parameters it rewrites."""
    aliases = pricing.table()["aliases"]
    if model in aliases or f"{provider}/{model}" in aliases:
        return True
    name = model.split("/")[-1]
    reasoning = (len(name) > 1 and name[0] == "o" and name[1].isdigit()) or "gpt-5" in model or "gpt-6" in model
    return provider == "openai" and reasoning


def _secret(name: str | None) -> str | None:
    """An environment variable as litellm reads it ("true" and "false" are flags, not values)."""
    value = os.environ.get(name) if name else None
    if value is None or value.strip().lower() in ("true", "false"):
        return None
    return value


def plain_call(parameters: dict[str, Any], messages: list[dict[str, Any]]) -> bool:
    """Whether a call is plain enough to build without litellm (see the module's docstring)."""
    for key, value in parameters.items():
        if key not in PLAIN_PARAMETERS or value is None:
            return False
    for message in messages:
        if len(message) != 2 or not isinstance(message.get("content"), str) \
                or message.get("role") not in _PLAIN_ROLES:
            return False
    return True


def plain_request(route: Route, messages: list[dict[str, Any]], parameters: dict[str, Any],
                  api_key: str | None) -> tuple[dict[str, str], dict[str, Any]]:
    """Headers and body of a plain call, as litellm's OpenAI-compatible configs build them."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key is not None else {}
    headers["Content-Type"] = "application/json"
    return headers, {"model": route.model, "messages": messages, **parameters}


def _env_proxy(url: str) -> Any:
    """The proxy the environment names for ``url`` (None for none), as httpx and litellm would use.

    Looked up here, once per route, rather than by aiohttp per request (two thread hops a call).
    """
    try:
        from aiohttp.helpers import get_env_proxy_for_url  # what aiohttp's trust_env uses
        from yarl import URL
    except ImportError:  # pragma: no cover - moved in some future aiohttp: go direct
        return None
    try:
        return get_env_proxy_for_url(URL(url))
    except LookupError:
        return None


def request_parameters(route: Route, parameters: dict[str, Any]) -> dict[str, Any]:
    """The body fields litellm would send for these call parameters (a fresh dict each call)."""
    try:
        key = json.dumps(parameters, sort_keys=True)
    except (TypeError, ValueError):  # not JSON (a pydantic response_format, say): map it each time
        return _map_parameters(route.provider, route.model, parameters)
    mapped = _mapped_json(route.provider, route.model, key)
    return json.loads(mapped) if mapped is not None else _map_parameters(route.provider, route.model, parameters)


@lru_cache(maxsize=512)
def _mapped_json(provider: str, model: str, parameters_json: str) -> str | None:
    # Stored as JSON so that every call gets its own copy, nested dicts included.
    try:
        return json.dumps(_map_parameters(provider, model, json.loads(parameters_json)))
    except (TypeError, ValueError):
        return None


def _map_parameters(provider: str, model: str, parameters: dict[str, Any]) -> dict[str, Any]:
    from litellm.utils import get_optional_params

    try:
        mapped = get_optional_params(model=model, custom_llm_provider=provider, drop_params=True,
                                     **parameters)
    except Exception as exc:  # UnsupportedParamsError and friends
        raise InvalidRequest(f"{model} does not accept these parameters: {exc}", model=model) from exc
    mapped.pop("stream", None)
    mapped.pop("stream_options", None)
    mapped.pop("max_retries", None)
    return mapped
