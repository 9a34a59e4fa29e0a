"""From a ModelTarget to how we reach it: provider, endpoint, and the parameters it accepts.

Everything here is cached: litellm's provider lookup and parameter mapping cost ~0.3-1 ms, which is
more than the rest of a direct call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

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
