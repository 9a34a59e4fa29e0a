"""The Runner: versions x providers x rows, at full speed, losing nothing.

Just over 500 lines on purpose: the hot path (workers, scoring, writing, resume) is one loop
whose parts share per-run state; split apart it would be slower and harder to follow.

    runner = prepare_run(workspace, EvalRequest(["greet@ab12"], "gold", ["fast", "slow"]))
    outcome = await runner.run(on_progress=show)      # runner.cancel() stops it at any time

Per call the hot path does only what it must: messages are rendered once per (version, case)
and parameters once per (version, provider) before the first call; `concurrency` workers take
jobs from the Scheduler; the Gateway makes the call; deterministic evaluators score inline
(slow ones and big outputs in a thread, judges through the gateway); the result goes to the
ResultWriter thread, which commits it with whatever else has arrived. No ORM object is made
per call.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from storage.workspace import runs as run_repo
from storage.workspace.db import Workspace
from storage.workspace.runs import ColumnTotals, GateOutcome, ResultRecord, ScoreRecord

from desktop.core import gateway as gw
from desktop.core.evaluators import Evaluator, Judge, Score, case_score
from desktop.core.evaluators.base import OFFLOAD_CHARS
from desktop.core.play import call_parameters, render
from desktop.core.runner import cache as cache_keys
from desktop.core.runner.batches import DEFAULT_POLL_S, BatchDriver
from desktop.core.runner.judges import JudgeCalls
from desktop.core.runner.plan import Plan, PlannedCase, PlannedVersion
from desktop.core.runner.retry import RetryPolicy
from desktop.core.runner.scheduler import Scheduler
from desktop.core.templates import TemplateProblem

log = logging.getLogger(__name__)

TEMPLATE_ERROR = "template"
INTERNAL_ERROR = "internal_error"


@dataclass(frozen=True, slots=True)
class Progress:
    """How far this session of the run is. `total` counts the cells it has to do."""

    done: int
    total: int
    errors: int
    cached: int
    calls: int  # requests sent, retries included
    cost: float
    elapsed_s: float
    waiting: int = 0  # batch runs: cells sent in a batch whose answers are not in yet
    batch: str = ""  # batch runs: where the batches are, in words


@dataclass(frozen=True, slots=True)
class RunOutcome:
    run_id: int
    status: str  # "finished" or "cancelled"
    done: int  # cells done in this session
    total: int
    errors: int
    cached: int
    calls: int
    wall_s: float
    resumed: bool
    totals: list[ColumnTotals]  # the whole run, every column
    gate: GateOutcome
    max_in_flight: dict[str, int] = field(default_factory=dict)

    @property
    def run_errors(self) -> int:
        """Errors in the whole run (earlier sessions included)."""
        return sum(t.errors for t in self.totals)

    @property
    def run_cells(self) -> int:
        return sum(t.total for t in self.totals)


@dataclass(slots=True)
class _Column:
    version: PlannedVersion
    provider: str
    model: str
    target: gw.ModelTarget
    params: dict[str, Any]


@dataclass(slots=True, eq=False)
class _Job:
    case: PlannedCase
    column: _Column
    messages: list[dict[str, str]] | None
    problem: str | None = None  # the template could not be rendered for this case
    key: str | None = None
    calls: int = 0
    failures: int = 0
    rate_limited: int = 0
    followers: list[_Job] | None = None  # identical requests answered by this one's call


class Runner:
    """Runs one Plan. Make it with `prepare_run` / `prepare_resume`; `run()` once."""

    def __init__(self, workspace: Workspace, plan: Plan, *, gateway: gw.Gateway | None = None,
                 retry: RetryPolicy | None = None) -> None:
        self.workspace = workspace
        self.plan = plan
        self.run_id = plan.run_id
        self.retry = retry or RetryPolicy(max_attempts=plan.max_attempts)
        self._gateway = gateway
        self._own_gateway = gateway is None
        self._scheduler: Scheduler[_Job] | None = None
        self._writer: run_repo.ResultWriter | None = None
        self._cancelled = False
        self._workers: list[asyncio.Task[None]] = []
        self._on_progress: Callable[[Progress], None] | None = None
        self._on_result: Callable[[ResultRecord], None] | None = None
        self._started = 0.0
        self._done = self._errors = self._cached = self._calls = 0
        self._cost = 0.0
        self._evaluators = plan.evaluators
        self._counted = any(e.weight > 0 for e in plan.evaluators)
        self.batch_poll_s = DEFAULT_POLL_S  # how often a batch run asks about its batches
        self._batch: BatchDriver | None = None

    @property
    def total(self) -> int:
        return len(self.plan.cells)

    @property
    def progress(self) -> Progress:
        batch = self._batch
        return Progress(self._done, self.total, self._errors, self._cached, self._calls,
                        self._cost, time.perf_counter() - self._started if self._started else 0.0,
                        batch.waiting if batch else 0, batch.note if batch else "")

    def _report(self) -> None:
        if self._on_progress is not None:
            self._on_progress(self.progress)

    def cancel(self) -> None:
        """Stop now: calls in flight are abandoned, results so far are kept, the run is marked
        cancelled (and can be resumed). Call it on the run's event loop."""
        self._cancelled = True
        if self._scheduler is not None:
            self._scheduler.close()
        if self._batch is not None:  # let it finish storing a batch it is submitting
            self._batch.stop()
            return
        for task in self._workers:
            task.cancel()

    async def run(self, *, on_progress: Callable[[Progress], None] | None = None,
                  on_result: Callable[[ResultRecord], None] | None = None) -> RunOutcome:
        """Run every planned cell; returns when all are done or the run was cancelled.

        `on_progress` is called after each cell, `on_result` with each cell's record as it is
        handed to the writer (both on the event loop). A WriterError (the workspace cannot be
        written) stops the run and is raised; the run then shows as interrupted, resumable.
        """
        if self._started:
            raise RuntimeError("a Runner runs once; prepare_resume() makes another")
        self._on_progress, self._on_result = on_progress, on_result
        self._started = time.perf_counter()
        with self.workspace.session() as session:
            run_repo.mark_active(session, self.run_id)
        self._writer = run_repo.ResultWriter(self.workspace.engine, self.run_id)
        failure: BaseException | None = None
        try:
            if self._gateway is None:
                self._gateway = gw.Gateway(max_connections=max(100, 2 * self.plan.concurrency))
            # Routes now, and litellm if a model needs it (seconds, once, off the event loop).
            await self._gateway.prepare(self.plan.providers)
            self._started = time.perf_counter()  # elapsed time counts from the first call
            await self._run_cells()
        except asyncio.CancelledError:
            self._cancelled = True
            await self._stop_workers()
            failure = None
            await asyncio.shield(self._finish())
            raise
        except BaseException as exc:
            failure = exc
            await self._stop_workers()
        finally:
            if self._own_gateway and self._gateway is not None:
                await asyncio.shield(self._gateway.aclose())
        if failure is not None:
            await asyncio.shield(self._abandon())
            raise failure
        return await self._finish()

    # ---- the run -----------------------------------------------------------------------

    async def _run_cells(self) -> None:
        plan = self.plan
        immediate, by_provider = await asyncio.to_thread(self._make_jobs)
        limits = {p.name: p.max_concurrency for p in plan.providers}
        scheduler = self._scheduler = Scheduler(limits)
        assert self._gateway is not None and self._writer is not None
        judges = JudgeCalls(workspace=self.workspace, plan=plan, scheduler=scheduler,
                            gateway=self._gateway, retry=self.retry, writer=self._writer,
                            count_call=self._count_call)
        self._evaluators = [judges.bind(e) for e in plan.evaluators]
        for name, jobs in by_provider.items():
            scheduler.put(name, jobs)
        calls = sum(len(jobs) for jobs in by_provider.values())
        n_workers = min(plan.concurrency, max(1, calls))
        if self._cancelled:
            scheduler.close()
        if plan.batch:  # one batch per provider instead of calls (the scheduler serves judges)
            self._batch = BatchDriver(self, self.batch_poll_s)
            self._workers = [asyncio.create_task(self._batch.run(by_provider),
                                                 name=f"run-{self.run_id}-batches")]
        else:
            self._workers = [asyncio.create_task(self._worker(), name=f"run-{self.run_id}-worker")
                             for _ in range(n_workers)]
        if immediate:
            self._workers.append(asyncio.create_task(self._answer_immediately(immediate)))
        results = await asyncio.gather(*self._workers, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                raise result

    def _make_jobs(self) -> tuple[list[tuple[_Job, Any]], dict[str, list[_Job]]]:
        """Render, build parameters and request keys, and look up the cache (in a thread)."""
        plan = self.plan
        versions = {v.pk: v for v in plan.versions}
        providers = {p.name: p for p in plan.providers}
        columns: dict[tuple[int, str], _Column] = {}
        rendered: dict[tuple[int, int], tuple[list[dict[str, str]] | None, str | None]] = {}
        immediate: list[tuple[_Job, Any]] = []
        by_provider: dict[str, list[_Job]] = {p.name: [] for p in plan.providers}
        jobs: list[_Job] = []
        for cell in plan.cells:
            column = columns.get((cell.version_pk, cell.provider))
            if column is None:
                version, provider = versions[cell.version_pk], providers[cell.provider]
                target = gw.ModelTarget(name=provider.name, model=provider.model,
                                        base_url=provider.base_url,
                                        api_key=plan.api_keys.get(provider.name))
                column = columns[(cell.version_pk, cell.provider)] = _Column(
                    version, provider.name, provider.model, target,
                    call_parameters(version.content, provider))
            case = plan.cases[cell.row]
            messages, problem = rendered.get((cell.version_pk, cell.row), (None, None))
            if (cell.version_pk, cell.row) not in rendered:
                messages, problem = rendered[(cell.version_pk, cell.row)] = \
                    _render(column.version, case)
            job = _Job(case, column, messages, problem)
            if problem is None and plan.cache:
                job.key = cache_keys.request_key(column.model, column.target.base_url,
                                                 messages, column.params)
            jobs.append(job)
        hits: dict[str, Any] = {}
        if plan.cache:
            with self.workspace.session() as session:
                hits = run_repo.cache_get_many(session, (j.key for j in jobs if j.key))
        leaders: dict[str, _Job] = {}
        for job in jobs:
            if job.problem is not None:
                immediate.append((job, None))
            elif job.key is not None and job.key in hits:
                immediate.append((job, hits[job.key]))
            elif job.key is not None and job.key in leaders:
                leader = leaders[job.key]
                if leader.followers is None:
                    leader.followers = []
                leader.followers.append(job)
            else:
                if job.key is not None:
                    leaders[job.key] = job
                by_provider[job.column.provider].append(job)
        return immediate, by_provider

    async def _worker(self) -> None:
        scheduler = self._scheduler
        assert scheduler is not None
        while True:
            picked = await scheduler.next()
            if picked is None:
                return
            provider, job = picked
            result = await self._attempt(provider, job)
            if result is not None:
                await self._completed(job, result)

    async def _attempt(self, provider: str, job: _Job) -> gw.CallResult | None:
        """One call for the job (a provider slot is held); None when it was queued again or
        its error was recorded."""
        scheduler = self._scheduler
        assert scheduler is not None and self._gateway is not None
        column = job.column
        job.calls += 1
        self._calls += 1
        try:
            result = await self._gateway.complete(column.target, job.messages, params=column.params,
                                                  timeout=self.plan.timeout)
        except gw.RateLimited as exc:
            scheduler.release(provider)
            job.rate_limited += 1
            wait = self.retry.rate_limit_wait(job.rate_limited, exc.retry_after)
            if wait is None:
                self._failed(job, exc)
            else:  # nobody calls this provider until then, not just this job
                scheduler.pause(provider, wait)
                scheduler.retry_later(provider, job, wait)
            return None
        except gw.ProviderError as exc:
            scheduler.release(provider)
            job.failures += 1
            if exc.retryable and job.failures < self.retry.max_attempts:
                scheduler.retry_later(provider, job, self.retry.backoff(job.failures))
            else:
                self._failed(job, exc)
            return None
        except asyncio.CancelledError:
            scheduler.release(provider)
            raise
        except Exception as exc:  # a bug: keep the run going, keep the evidence
            scheduler.release(provider)
            log.exception("call failed unexpectedly")
            self._failed(job, exc)
            return None
        scheduler.release(provider)
        return result

    def _failed(self, job: _Job, exc: BaseException) -> None:
        if isinstance(exc, gw.ProviderError):
            kind = exc.kind
            message = exc.message + (f" {exc.hint}" if exc.hint else "")
            wait = exc.retry_after if isinstance(exc, gw.RateLimited) else None
            if wait is not None and wait > self.retry.max_wait:
                message = (f"{exc.message} The provider asked to wait {wait:g} s, longer than the "
                           f"{self.retry.max_wait:g} s a run waits. {exc.hint}").strip()
            elif isinstance(exc, gw.RateLimited):
                message = (f"{exc.message} Still rate limited after {job.rate_limited} "
                           f"attempt(s). {exc.hint}").strip()
            elif exc.retryable and job.failures > 1:
                message = f"{message} (after {job.failures} attempts)"
        else:
            kind, message = INTERNAL_ERROR, f"{type(exc).__name__}: {exc}"
        self._record_failure(job, kind, message)
        scheduler = self._scheduler
        assert scheduler is not None
        if job.followers:  # they were waiting for this call: give them their own
            scheduler.put(job.column.provider, job.followers)
            job.followers = None
        scheduler.done()

    def _failed_in_batch(self, job: _Job, exc: gw.ProviderError) -> None:
        message = exc.message + (f" {exc.hint}" if exc.hint else "")
        for each in (job, *(job.followers or ())):
            self._record_failure(each, exc.kind, message)

    def _record_failure(self, job: _Job, kind: str, message: str) -> None:
        record = ResultRecord(
            row=job.case.row, case_id=job.case.case_id, version_pk=job.column.version.pk,
            provider=job.column.provider, model=job.column.model, error_kind=kind,
            error_message=message, score=0.0 if self._counted else None,
            passed=False if self._counted else None, attempts=job.calls)
        self._errors += 1
        self._emit(record, None)

    async def _completed(self, job: _Job, result: gw.CallResult) -> None:
        entry = None
        if job.key is not None:
            entry = (job.key, job.column.model, cache_keys.to_entry(result))
        await self._score_and_record(job, result, cached=False, cache_entry=entry)
        for follower in job.followers or ():
            await self._score_and_record(follower, result, cached=True)
        assert self._scheduler is not None
        self._scheduler.done()

    async def _answer_immediately(self, items: list[tuple[_Job, Any]]) -> None:
        """Cells that need no call: a template problem, or an answer in the cache."""
        for job, entry in items:
            if self._cancelled:
                return
            if job.problem is not None:
                self._record_failure(job, TEMPLATE_ERROR, job.problem)
            else:
                await self._score_and_record(job, cache_keys.from_entry(entry), cached=True)

    async def _score_and_record(self, job: _Job, result: gw.CallResult, *, cached: bool,
                                cache_entry: tuple[str, str, Mapping[str, Any]] | None = None,
                                measured: bool = True) -> None:
        """Score the answer and hand its record to the writer; `measured` False (a batch's
        answer) stores no latency."""
        scores = await self._score(result.text, job.case)
        combined = case_score(scores) if scores else None
        cost = 0.0 if cached else result.cost
        record = ResultRecord(
            row=job.case.row, case_id=job.case.case_id, version_pk=job.column.version.pk,
            provider=job.column.provider, model=result.model or job.column.model,
            output=result.text, tokens_in=result.tokens_in, tokens_out=result.tokens_out,
            cost=cost, latency_ms=result.latency_s * 1000 if measured else None,
            ttft_ms=result.ttft_s * 1000 if measured else None,
            finish_reason=result.finish_reason,
            score=combined.value if combined else None,
            passed=combined.passed if combined else None,
            cached=cached, attempts=0 if cached else job.calls,
            scores=tuple(_score_record(s, e) for s, e in zip(scores, self._evaluators)))
        if cached:
            self._cached += 1
        elif cost:
            self._cost += cost
        self._emit(record, cache_entry)

    async def _score(self, output: str, case: PlannedCase) -> list[Score]:
        evaluators = self._evaluators
        if not evaluators:
            return []
        scores: list[Score | None] = []
        waiting = []
        for i, evaluator in enumerate(evaluators):
            if isinstance(evaluator, Judge) or evaluator.offload or len(output) > OFFLOAD_CHARS:
                scores.append(None)
                waiting.append(i)
            else:
                scores.append(evaluator.evaluate(output, case.data))
        if waiting:
            found = await asyncio.gather(*(evaluators[i].aevaluate(output, case.data)
                                           for i in waiting))
            for i, score in zip(waiting, found):
                scores[i] = score
        return scores  # type: ignore[return-value]

    def _count_call(self) -> None:
        self._calls += 1

    def _emit(self, record: ResultRecord, cache_entry: Any) -> None:
        assert self._writer is not None
        self._writer.put(record, cache_entry)
        self._done += 1
        if self._on_result is not None:
            self._on_result(record)
        if self._on_progress is not None:
            self._on_progress(self.progress)

    # ---- the end -----------------------------------------------------------------------

    async def _stop_workers(self) -> None:
        if self._scheduler is not None:
            self._scheduler.close()
        for task in self._workers:
            task.cancel()
        if self._workers:
            await asyncio.gather(*self._workers, return_exceptions=True)

    async def _abandon(self) -> None:
        """After a failure: keep what can be kept; the run stays "running" (shown as
        interrupted) so that it can be resumed."""
        writer = self._writer
        try:
            if writer is not None:
                await asyncio.to_thread(writer.close)
        except run_repo.WriterError:
            pass
        finally:
            with self.workspace.session() as session:
                run_repo.mark_inactive(session, self.run_id)

    async def _finish(self) -> RunOutcome:
        status = run_repo.CANCELLED if self._cancelled else run_repo.FINISHED
        writer = self._writer
        assert writer is not None

        def close() -> tuple[list[ColumnTotals], GateOutcome]:
            try:
                writer.close()
            finally:
                with self.workspace.session() as session:
                    run_repo.mark_inactive(session, self.run_id)
            with self.workspace.session() as session:
                run = run_repo.finish_run(session, self.run_id, status)
                return run_repo.column_totals(session, run), run_repo.gate_outcome(session, run)

        totals, gate = await asyncio.to_thread(close)
        scheduler = self._scheduler
        return RunOutcome(
            run_id=self.run_id, status=status, done=self._done, total=self.total,
            errors=self._errors, cached=self._cached, calls=self._calls,
            wall_s=time.perf_counter() - self._started, resumed=self.plan.resumed,
            totals=totals, gate=gate,
            max_in_flight=dict(scheduler.max_in_flight) if scheduler is not None else {})


def _render(version: PlannedVersion, case: PlannedCase) -> tuple[list[dict[str, str]] | None,
                                                                  str | None]:
    try:
        return render(version.content, case.data.variables), None
    except TemplateProblem as exc:
        has = ", ".join(sorted(case.data.variables)) or "none"
        return None, f"Case {case.row + 1}: {exc} (this case's variables: {has})"


def _score_record(score: Score, evaluator: Evaluator) -> ScoreRecord:
    # Details are stored as JSON by the writer (anything not JSON is stored as its repr).
    return ScoreRecord(evaluator=score.evaluator, value=score.value, passed=score.passed,
                       reason=score.reason, error=score.error, weight=score.weight,
                       kind="judge" if isinstance(evaluator, Judge) else "auto",
                       details=score.details)
