"""The Gateway: one object through which the app makes every model call."""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import AsyncGenerator, Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from desktop import __version__
from desktop.core.gateway import direct, loader, routing, via_litellm
from desktop.core.gateway.errors import ProviderError, Timeout
from desktop.core.gateway.target import CallResult, ModelTarget

Messages = Sequence[Mapping[str, Any]]


class Endpoint(Protocol):
    """What ``prepare`` needs of a model: a ModelTarget, or a provider's settings."""

    @property
    def model(self) -> str: ...

    @property
    def base_url(self) -> str | None: ...


class Gateway:
    """Async model calls through litellm, for one event loop.

    OpenAI-compatible endpoints are called directly over one shared keep-alive HTTP session (litellm
    still builds the request, but for plain calls, which need no litellm at all: see routing); every
    other provider goes through ``litellm.acompletion``. litellm is imported, off the event loop,
    only when a call needs it. Close it with ``aclose()`` or use it as ``async with Gateway() as
    gateway``.
    """

    def __init__(self, *, max_connections: int = 100, connect_timeout: float = 10.0,
                 direct_openai: bool = True) -> None:
        self.max_connections = max_connections
        self.connect_timeout = connect_timeout
        self.direct_openai = direct_openai  # False sends everything through litellm.acompletion
        self._routes: dict[tuple[str, str | None], routing.Route] = {}
        self._litellm_routes: dict[tuple[str, str | None], routing.Route] = {}  # for calls that are not plain
        self._session: Any = None
        self._session_loop: asyncio.AbstractEventLoop | None = None
        self._closer: AsyncGenerator[None, None] | None = None  # set on a loop's shared gateway, see _default

    async def complete(
        self,
        target: ModelTarget,
        messages: Messages,
        *,
        params: Mapping[str, Any] | None = None,
        stream: bool = False,
        on_delta: Callable[[str], None] | None = None,
        timeout: float = 120.0,
    ) -> CallResult:
        """Call ``target`` with chat ``messages``; ``params`` override the target's default parameters.

        With ``stream=True``, ``on_delta`` receives each piece of text as it arrives. ``timeout`` is
        the whole call's limit in seconds. Raises a ProviderError subclass on failure; cancelling
        the task cancels the call and closes its connection.
        """
        key = (target.model, target.base_url)
        route = self._routes.get(key) or await self._route(key, plain=True)
        who = target.name or target.model
        merged = {**target.parameters, **params} if params else dict(target.parameters)
        chat = [dict(m) for m in messages]
        if route.plain and not routing.plain_call(merged, chat):
            route = self._litellm_routes.get(key) or await self._route(key, plain=False)
        started = time.perf_counter()
        try:
            async with asyncio.timeout(timeout):
                if route.direct:
                    return await direct.complete(
                        self._http(), route, chat, merged, api_key=target.api_key or route.default_key,
                        stream=stream, on_delta=on_delta, who=who, model_id=target.model, started=started)
                return await via_litellm.complete(
                    target, route, chat, merged, api_key=target.api_key, stream=stream, on_delta=on_delta,
                    timeout=timeout, who=who, started=started)
        except TimeoutError:
            raise Timeout(f"{who} did not answer within {timeout:g} s.", model=target.model) from None

    async def prepare(self, endpoints: Iterable[Endpoint]) -> None:
        """Work out how to reach these models now, loading litellm (seconds, off the event loop)
        if one of them needs it, so that the first calls do not wait. A model that cannot be
        reached is left for its calls to report."""
        for endpoint in endpoints:
            key = (endpoint.model, endpoint.base_url)
            if key not in self._routes:
                try:
                    await self._route(key, plain=True)
                except ProviderError:
                    pass

    async def _route(self, key: tuple[str, str | None], *, plain: bool) -> routing.Route:
        """The route for (model id, base URL): a plain one if ``plain`` allows and one exists."""
        route = await asyncio.to_thread(self._resolve, *key, plain and self.direct_openai)
        (self._routes if plain else self._litellm_routes)[key] = route
        return route

    def _resolve(self, model: str, base_url: str | None, plain: bool) -> routing.Route:
        # In a worker thread: importing aiohttp (and litellm, if it comes to that) takes a while.
        loader.prepare_http()
        route = routing.resolve_plain(model, base_url) if plain else None
        if route is None:
            loader.preload()  # seconds, once
            route = routing.resolve(model, base_url, self.direct_openai)
        return route

    def _http(self) -> Any:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._session_loop is not loop:
            import aiohttp

            connector = aiohttp.TCPConnector(
                limit=self.max_connections, ssl=loader.ssl_context(), ttl_dns_cache=300,
                # Below the 5 s idle limit of uvicorn-based local servers (vLLM, LM Studio...), so we
                # never reuse a connection the server is closing.
                keepalive_timeout=4.0,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,  # proxies from the environment: per route, see routing._env_proxy
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=self.connect_timeout),
                headers={"User-Agent": f"promptpress/{__version__}"},
            )
            self._session_loop = loop
        return self._session

    async def aclose(self) -> None:
        """Close the shared connections."""
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    async def __aenter__(self) -> Gateway:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


_defaults: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Gateway] = weakref.WeakKeyDictionary()


async def complete(target: ModelTarget, messages: Messages, **options: Any) -> CallResult:
    """``Gateway.complete`` on this event loop's shared gateway, with the same keyword options
    (``params``, ``stream``, ``on_delta``, ``timeout``: see ``Gateway.complete``)."""
    return await (await _default()).complete(target, messages, **options)


async def aclose() -> None:
    """Close this event loop's shared gateway and litellm's clients for this loop (the app calls it
    at shutdown; asyncio.run does it by itself when its loop ends)."""
    gateway = _defaults.pop(asyncio.get_running_loop(), None)
    if gateway is not None and gateway._closer is not None:
        await gateway._closer.aclose()  # runs its finally here, rather than whenever it is collected
    await via_litellm.close_loop_clients()


async def _default() -> Gateway:
    loop = asyncio.get_running_loop()
    gateway = _defaults.get(loop)
    if gateway is None:
        gateway = _defaults[loop] = Gateway()
        # An async generator parked at its yield is closed by the loop's shutdown_asyncgens()
        # (asyncio.run does this), which closes the gateway's connections even if nobody calls
        # aclose(). The gateway holds it: the loop only keeps a weak reference.
        closer = _close_on_loop_shutdown(gateway)
        await closer.__anext__()
        gateway._closer = closer
    return gateway


async def _close_on_loop_shutdown(gateway: Gateway) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        for loop, known in list(_defaults.items()):
            if known is gateway:
                del _defaults[loop]
        await gateway.aclose()
        await via_litellm.close_loop_clients()
