"""LLM judges inside a run: each judge's model called through the run's gateway, under the
same per-provider limits, 429 pauses, retries and response cache as the run's own calls.

A judge's MODEL names a workspace provider (its base URL, key, parameters and concurrency
limit are used), or else is a litellm model id called with litellm's defaults. The verdict is
requested as JSON (`response_format`, see evaluators/judge.py) at temperature 0.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from storage.workspace import runs as run_repo
from storage.workspace.db import Workspace

from desktop.core import gateway as gw
from desktop.core.evaluators import AskFn, Evaluator, Judge
from desktop.core.runner import cache as cache_keys
from desktop.core.runner.plan import Plan
from desktop.core.runner.retry import RetryPolicy
from desktop.core.runner.scheduler import Scheduler


class JudgeCalls:
    def __init__(self, *, workspace: Workspace, plan: Plan, scheduler: Scheduler[Any],
                 gateway: gw.Gateway, retry: RetryPolicy, writer: run_repo.ResultWriter,
                 count_call: Callable[[], None]) -> None:
        self.workspace, self.plan, self.scheduler = workspace, plan, scheduler
        self.gateway, self.retry, self.writer = gateway, retry, writer
        self.count_call = count_call
        self._asks: dict[str, AskFn] = {}

    def bind(self, evaluator: Evaluator) -> Evaluator:
        """The evaluator, with a judge connected to its model (others unchanged)."""
        if isinstance(evaluator, Judge) and evaluator.ask is None:
            return evaluator.with_ask(self.ask_for(evaluator.model))
        return evaluator

    def ask_for(self, model: str) -> AskFn:
        if model in self._asks:
            return self._asks[model]
        settings = self.plan.judge_providers.get(model)
        if settings is not None:
            target = gw.ModelTarget(name=settings.name, model=settings.model,
                                    base_url=settings.base_url, parameters=settings.parameters,
                                    api_key=self.plan.api_keys.get(settings.name))
            slot, limit = settings.name, settings.max_concurrency
        else:
            target, slot, limit = gw.ModelTarget(model, model), f"judge:{model}", None
        self.scheduler.add_provider(slot, limit)

        async def ask(messages: list[dict[str, str]], response_format: dict[str, Any]) -> str:
            params = {**target.parameters, "response_format": response_format, "temperature": 0}
            key = None
            if self.plan.cache:
                key = cache_keys.request_key(target.model, target.base_url, messages, params)
                found = await asyncio.to_thread(self._cached, key)
                if found is not None:
                    return found["text"]
            result = await self._call(slot, target, messages, params)
            if key is not None:
                self.writer.put(None, (key, target.model, cache_keys.to_entry(result)))
            return result.text

        self._asks[model] = ask
        return ask

    def _cached(self, key: str) -> Mapping[str, Any] | None:
        with self.workspace.session() as session:
            return run_repo.cache_get_many(session, [key]).get(key)

    async def _call(self, slot: str, target: gw.ModelTarget, messages: list[dict[str, str]],
                    params: dict[str, Any]) -> gw.CallResult:
        failures = limited = 0
        while True:
            async with self.scheduler.slot(slot):
                self.count_call()
                try:
                    return await self.gateway.complete(target, messages, params=params,
                                                       timeout=self.plan.timeout)
                except gw.RateLimited as exc:
                    limited += 1
                    found = self.retry.rate_limit_wait(limited, exc.retry_after)
                    if found is None:
                        raise
                    wait = found
                    self.scheduler.pause(slot, wait)
                except gw.ProviderError as exc:
                    failures += 1
                    if not exc.retryable or failures >= self.retry.max_attempts:
                        raise
                    wait = self.retry.backoff(failures)
            await asyncio.sleep(wait)
