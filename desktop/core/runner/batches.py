"""A run as provider batches: submit each provider's cells as one batch, poll, fill the results.

The batch is stored (storage/workspace/runs/batches.py) the moment the provider accepts it, so
closing the app, or the machine, loses nothing: resuming the run (`prepare_resume`) polls the
batches it has instead of sending the cells again, and collects what they answered. Cancelling
stops the polling, not the batch: the provider keeps working on it, and a resume collects it.

Answers are scored and stored like any call's (the response cache included), at the batch
price; their latency is not a call's and is left empty, so latency figures skip them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from storage.workspace import runs as run_repo
from storage.workspace.runs.batches import COLLECTED

from desktop.core import gateway as gw
from desktop.core.gateway.batch import BatchClient, BatchRequest, BatchState, batch_api
from desktop.core.runner import cache as cache_keys

# The Runner and its jobs (runner.py imports this module, so they are not imported here).
Runner = _Job = Any

log = logging.getLogger(__name__)

DEFAULT_POLL_S = 30.0
BATCH_ERROR = "batch"


def custom_id(job: _Job) -> str:
    return f"{job.case.row}:{job.column.version.pk}"


def refuse_without_batch_api(providers) -> str | None:
    """Why these providers cannot run as a batch (a sentence), or None when all can."""
    without = [f"{p.name} ({p.model})" for p in providers if batch_api(p.model) is None]
    if not without:
        return None
    return (f"{', '.join(without)} {'has' if len(without) == 1 else 'have'} no batch API: only "
            "OpenAI (openai/...) and Anthropic (anthropic/...) models run as a batch. Run "
            "without --batch, or leave those providers out.")


class BatchDriver:
    """Does a Runner's cells as batches (the runner calls `run` instead of starting workers)."""

    def __init__(self, runner: Runner, poll_s: float = DEFAULT_POLL_S) -> None:
        self.runner = runner
        self.poll_s = poll_s
        self.waiting = 0  # cells sent in batches whose answers are not stored yet
        self.note = ""  # the batches' state, in words
        self._wake = asyncio.Event()

    def stop(self) -> None:
        """Stop polling soon (a submission under way is still stored: its batch is paid for)."""
        self._wake.set()

    async def run(self, by_provider: Mapping[str, list[_Job]]) -> None:
        runner = self.runner
        jobs = {(provider, custom_id(job)): job for provider, queue in by_provider.items()
                for job in queue}
        batches = await asyncio.to_thread(self._open_batches)
        covered = {(b.provider, f"{row}:{pk}") for b in batches for row, pk in b.cells}
        for provider, queue in by_provider.items():
            fresh = [j for j in queue if (provider, custom_id(j)) not in covered]
            if fresh and not runner._cancelled:
                # Shielded: a batch the provider accepted is paid for, so it is stored even
                # when the run is cancelled mid-submission (resuming then collects it).
                batches.append(await asyncio.shield(self._submit(provider, fresh)))
        self.waiting = sum(len(b.cells) for b in batches)
        runner._report()
        pending = list(batches)
        while pending and not runner._cancelled:
            still = []
            for batch in pending:
                state = await self._poll(batch)
                if state is not None and state.final:
                    await self._collect(batch, state, jobs)
                else:
                    still.append(batch)
            pending = still
            if pending and not runner._cancelled:
                try:
                    await asyncio.wait_for(self._wake.wait(), self.poll_s)
                except TimeoutError:
                    pass

    def _open_batches(self) -> list[run_repo.BatchRecord]:
        with self.runner.workspace.session() as session:
            return run_repo.open_batches(session, self.runner.run_id)

    def _client(self, provider: str) -> BatchClient:
        settings = next(p for p in self.runner.plan.providers if p.name == provider)
        target = gw.ModelTarget(name=settings.name, model=settings.model,
                                base_url=settings.base_url,
                                api_key=self.runner.plan.api_keys.get(settings.name))
        return BatchClient(target, timeout=self.runner.plan.timeout)

    async def _submit(self, provider: str, jobs: list[_Job]) -> run_repo.BatchRecord:
        requests = [BatchRequest(custom_id(j), j.messages or [], j.column.params) for j in jobs]
        async with self._client(provider) as client:
            submitted = await client.submit(requests)
            api = client.api or ""
        self.runner._calls += 1

        def store() -> run_repo.BatchRecord:
            with self.runner.workspace.session() as session:
                return run_repo.add_batch(
                    session, run_id=self.runner.run_id, provider=provider, api=api,
                    batch_id=submitted.batch_id, input_file_id=submitted.input_file_id,
                    cells=[(j.case.row, j.column.version.pk) for j in jobs])
        return await asyncio.to_thread(store)

    async def _poll(self, batch: run_repo.BatchRecord) -> BatchState | None:
        try:
            async with self._client(batch.provider) as client:
                state = await client.retrieve(batch.batch_id)
        except gw.ProviderError as exc:  # try again at the next poll; the batch is kept
            self.note = f"{batch.provider}: could not ask about batch {batch.batch_id}: {exc}"
            log.warning(self.note)
            self.runner._report()
            return None
        self.note = (f"{batch.provider} batch {batch.batch_id}: {state.status}, "
                     f"{state.completed} of {state.total or len(batch.cells)} done")
        await asyncio.to_thread(self._update, batch.id, state.status, state)
        self.runner._report()
        return state

    def _update(self, batch_id: int, status: str, state: BatchState) -> None:
        with self.runner.workspace.session() as session:
            run_repo.update_batch(session, batch_id, status=status, completed=state.completed,
                                  failed=state.failed, error=state.message)

    async def _collect(self, batch: run_repo.BatchRecord, state: BatchState,
                       jobs: Mapping[tuple[str, str], _Job]) -> None:
        runner = self.runner
        async with self._client(batch.provider) as client:
            answers = await client.results(state)
        answered = set()
        for answer in answers:
            job = jobs.get((batch.provider, answer.custom_id))
            if job is None or answer.custom_id in answered:
                continue  # not one this session has to do (stored already), or twice
            answered.add(answer.custom_id)
            if answer.result is not None:
                entry = None
                if job.key is not None:
                    entry = (job.key, job.column.model, cache_keys.to_entry(answer.result))
                await runner._score_and_record(job, answer.result, cached=False,
                                               cache_entry=entry, measured=False)
                for follower in job.followers or ():
                    await runner._score_and_record(follower, answer.result, cached=True,
                                                   measured=False)
            else:
                assert answer.error is not None
                runner._failed_in_batch(job, answer.error)
        why = {"failed": "the batch failed at the provider",
               "expired": "the batch expired before the provider ran this request",
               "cancelled": "the batch was cancelled at the provider"}.get(
            state.status, "the batch ended without an answer for this request")
        if state.message:
            why += f" ({state.message})"
        for row, pk in batch.cells:
            job = jobs.get((batch.provider, f"{row}:{pk}"))
            if job is not None and f"{row}:{pk}" not in answered:
                for each in (job, *(job.followers or ())):
                    runner._record_failure(each, BATCH_ERROR, why[0].upper() + why[1:] + ".")
        self.waiting -= len(batch.cells)
        await asyncio.to_thread(self._update, batch.id, COLLECTED, state)
