"""Preparing a run: check everything a person can get wrong before the first call is paid for.

`prepare_run` resolves the versions, the test set, the providers (and their keys) and parses
the evaluator specs; any problem raises EvalError with a message that says what to fix, and
nothing is stored. Then it stores the run and returns a `Runner` for it. `prepare_resume` does
the same for a stopped run, for the cells it has no result for.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from storage.workspace import prompts as prompt_repo
from storage.workspace import providers as provider_repo
from storage.workspace import runs as run_repo
from storage.workspace import testsets
from storage.workspace.db import Workspace
from storage.workspace.models import TestCase, Version

from desktop.core.evaluators import Evaluator, Judge
from desktop.core.providers import ProviderSettings
from desktop.core.runner.batches import refuse_without_batch_api
from desktop.core.runner.plan import (DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT, EvalError, EvalRequest,
                                      Plan, PlannedCase, PlannedVersion, parse_evaluators)
from desktop.core.runner.runner import Runner


def _check_options(concurrency: int, timeout: float, fail_under: float | None,
                   max_attempts: int) -> None:
    if not isinstance(concurrency, int) or concurrency < 1:
        raise EvalError(f"Concurrency is a whole number of at least 1, not {concurrency!r}.")
    if not timeout > 0:
        raise EvalError(f"The timeout is a number of seconds above 0, not {timeout!r}.")
    if fail_under is not None and not 0 <= fail_under <= 1:
        raise EvalError(f"--fail-under is a score between 0 and 1, not {fail_under!r}.")
    if max_attempts < 1:
        raise EvalError("A cell needs at least one attempt.")


def _providers(session, names: Sequence[str]) -> list[ProviderSettings]:
    if not names:
        raise EvalError("Name at least one provider to run on (--model PROVIDER).")
    if len(set(names)) != len(names):
        raise EvalError("A provider is named twice.")
    try:
        return [ProviderSettings.of(provider_repo.require_provider(session, n)) for n in names]
    except provider_repo.ProviderError as exc:
        raise EvalError(str(exc)) from None


def _api_keys(providers: Sequence[ProviderSettings | None]) -> dict[str, str | None]:
    keys: dict[str, str | None] = {}
    for provider in providers:
        if provider is not None and provider.name not in keys:
            keys[provider.name] = provider.api_key()  # SecretsError explains a missing key
    return keys


def _judge_providers(session, evaluators: Sequence[Evaluator]) -> dict[str, ProviderSettings | None]:
    """A judge's MODEL names a provider of the workspace, or else is a litellm model id."""
    found: dict[str, ProviderSettings | None] = {}
    for evaluator in evaluators:
        if isinstance(evaluator, Judge) and evaluator.model not in found:
            provider = provider_repo.get_provider(session, evaluator.model)
            found[evaluator.model] = ProviderSettings.of(provider) if provider else None
    return found


def _cases(session, test_set) -> list[TestCase]:
    cases = testsets.cases(session, test_set)
    if not cases:
        raise EvalError(f"The test set {test_set.name!r} has no cases; import some with "
                        "`promptpress testset import`.")
    return cases


def prepare_run(workspace: Workspace, request: EvalRequest, *, gateway: Any = None):
    """Check the request, store a new run, and return its Runner (not started).

    `gateway`: a Gateway to share (the app's); by default the run makes and closes its own."""
    _check_options(request.concurrency, request.timeout, request.fail_under,
                   request.max_attempts)
    if not request.versions:
        raise EvalError("Name the prompt version(s) to run.")
    specs_given = request.evaluators is not None
    with workspace.session() as session:
        try:
            test_set = testsets.require_test_set(session, request.test_set)
        except testsets.TestSetError as exc:
            raise EvalError(str(exc)) from None
        try:
            versions: list[Version] = list(dict.fromkeys(
                prompt_repo.resolve(session, ref) for ref in request.versions))
        except prompt_repo.PromptError as exc:
            raise EvalError(str(exc)) from None
        providers = _providers(session, request.providers)
        if request.batch and (why := refuse_without_batch_api(providers)):
            raise EvalError(why)
        specs = list(request.evaluators if specs_given else (test_set.evaluators or []))
        evaluators = parse_evaluators(specs, request.base_dir)
        judges = _judge_providers(session, evaluators)
        api_keys = _api_keys([*providers, *judges.values()])
        cases = _cases(session, test_set)
        data = [testsets.CaseData.of(c) for c in cases]
        gate = request.fail_under if request.fail_under is not None else test_set.min_score
        run = run_repo.create_run(
            session, test_set=test_set, case_ids=[c.id for c in cases],
            test_set_hash=testsets.content_hash(data), versions=versions,
            providers=[{"name": p.name, "model": p.model, "base_url": p.base_url}
                       for p in providers],
            evaluators=specs,
            options={
                # Canonical specs carry @file contents, so a resume scores exactly the same.
                "evaluator_specs": [e.spec() for e in evaluators],
                "concurrency": request.concurrency, "timeout": request.timeout,
                "cache": request.cache, "max_attempts": request.max_attempts, "gate": gate,
                "batch": request.batch,
                "gate_source": ("fail_under" if request.fail_under is not None
                                else "test_set" if gate is not None else None),
            })
        planned_versions = [PlannedVersion(v.pk, v.version_id, v.prompt.name,
                                           prompt_repo.content_of(v)) for v in versions]
        plan = Plan(
            run_id=run.id, versions=planned_versions, providers=providers, api_keys=api_keys,
            cases=[PlannedCase(i, c.id, d) for i, (c, d) in enumerate(zip(cases, data))],
            evaluators=evaluators,
            cells=[run_repo.Cell(i, v.pk, p.name) for i in range(len(cases))
                   for v in versions for p in providers],
            concurrency=request.concurrency, timeout=request.timeout, cache=request.cache,
            max_attempts=request.max_attempts, judge_providers=judges, batch=request.batch)
    return Runner(workspace, plan, gateway=gateway)


def prepare_resume(workspace: Workspace, run_id: int, *, concurrency: int | None = None,
                   timeout: float | None = None, cache: bool | None = None,
                   retry_errors: bool = False, gateway: Any = None):
    """A Runner for the cells of a stopped run that have no result (and, with
    `retry_errors`, those whose call failed). Refuses when the test set's cases changed."""
    with workspace.session() as session:
        try:
            run = run_repo.get_run(session, run_id)
        except run_repo.RunError as exc:
            raise EvalError(str(exc)) from None
        if run_repo.is_active(session, run_id):
            raise EvalError(f"Run {run_id} is running already.")
        settings = dict(run.settings or {})
        concurrency = concurrency or settings.get("concurrency", DEFAULT_CONCURRENCY)
        timeout = timeout or settings.get("timeout", DEFAULT_TIMEOUT)
        cache = settings.get("cache", False) if cache is None else cache
        max_attempts = settings.get("max_attempts", 3)
        _check_options(concurrency, timeout, None, max_attempts)
        case_ids = settings.get("case_ids", [])
        found = testsets.cases_by_id(session, case_ids)
        data = [testsets.CaseData.of(found[c]) for c in case_ids if c in found]
        if len(data) != len(case_ids) or testsets.content_hash(data) != run.test_set_hash:
            raise EvalError(f"The test set changed since run {run_id} started, so its missing "
                            "results would not be comparable. Start a new run.")
        versions = []
        for item in settings.get("versions", []):
            version = session.get(Version, item["pk"])
            if version is None:
                raise EvalError(f"Version {item.get('version_id', '')[:12]} of "
                                f"{item.get('prompt')!r} no longer exists; start a new run.")
            versions.append(PlannedVersion(version.pk, version.version_id, version.prompt.name,
                                           prompt_repo.content_of(version)))
        providers = _providers(session, [p["name"] for p in settings.get("providers", [])])
        batch = bool(settings.get("batch", False))
        if batch and (why := refuse_without_batch_api(providers)):
            raise EvalError(why)
        typed = settings.get("evaluators", [])
        canonical = settings.get("evaluator_specs", typed)
        evaluators = [dataclasses.replace(e, label=label) for e, label in
                      zip(parse_evaluators(canonical), typed)]
        judges = _judge_providers(session, evaluators)
        api_keys = _api_keys([*providers, *judges.values()])
        cells = run_repo.missing_cells(session, run)
        if retry_errors:
            cells += run_repo.errored_cells(session, run_id)
            cells.sort(key=lambda c: c.row)
        if cells:
            run_repo.reopen_run(session, run_id)
            settings.update(concurrency=concurrency, timeout=timeout, cache=cache)
            run.settings = settings
        plan = Plan(
            run_id=run_id, versions=versions, providers=providers, api_keys=api_keys,
            cases=[PlannedCase(i, cid, d) for i, (cid, d) in enumerate(zip(case_ids, data))],
            evaluators=evaluators, cells=cells, concurrency=concurrency, timeout=timeout,
            cache=cache, max_attempts=max_attempts, judge_providers=judges, resumed=True,
            batch=batch)
    return Runner(workspace, plan, gateway=gateway)
