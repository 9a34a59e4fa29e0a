"""The sample workspace: realistic prompts with history, test sets, finished runs with ratings
and a blind comparison, and a release folder with two signed releases — built from
`resources/sample/sample.json` through the same storage and release code the app uses.

It is built into a folder of its own (never the user's workspace), once; the releases are signed
then with a key made for the sample and thrown away, so nothing goes to the keychain and the
signatures are always fresh. `premade.json`, written last, lists what the sample came with (so
the guide counts only what the person did) and marks the folder as complete.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

WORKSPACE_NAME = "sample.promptpress"
MARKER = "premade.json"
RELEASES = "releases"


@dataclass(frozen=True)
class Premade:
    """What a sample workspace came with."""

    runs: frozenset[int] = frozenset()
    releases: int = 0
    providers: frozenset[str] = frozenset()


def source() -> dict:
    return json.loads((resources.files("resources") / "sample" / "sample.json")
                      .read_text("utf-8"))


def sample_folder() -> Path:
    """Where the app keeps its copy of the sample: beside the user's workspace, never in it."""
    from storage.workspace.location import default_workspace_path

    return default_workspace_path().parent / "sample"


def is_sample(path: Path) -> bool:
    return Path(path).name == WORKSPACE_NAME and (Path(path).parent / MARKER).is_file()


def premade(path: Path) -> Premade:
    """What the sample at `path` came with; nothing for any other workspace."""
    if not is_sample(path):
        return Premade()
    data = json.loads((Path(path).parent / MARKER).read_text("utf-8"))
    return Premade(frozenset(data["runs"]), int(data["releases"]), frozenset(data["providers"]))


def copy_sample(dest: Path, *, fresh: bool = False) -> Path:
    """The sample workspace in folder `dest` (built there unless a complete one is there
    already, or `fresh`); returns the workspace file's path. Seconds: call it off the GUI."""
    dest = Path(dest)
    if not fresh and (dest / MARKER).is_file() and (dest / WORKSPACE_NAME).is_file():
        return dest / WORKSPACE_NAME
    if dest.exists():  # an unfinished build, or a fresh copy asked for
        _clear(dest)
    dest.mkdir(parents=True, exist_ok=True)
    made = build(dest / WORKSPACE_NAME, dest / RELEASES)
    (dest / MARKER).write_text(json.dumps({"runs": sorted(made.runs), "releases": made.releases,
                                           "providers": sorted(made.providers)}), "utf-8")
    return dest / WORKSPACE_NAME


class SampleError(Exception):
    """The sample could not be made; the message says why. Nothing else was touched."""


def _clear(dest: Path) -> None:
    """Remove an earlier sample from `dest`, refusing a folder that holds anything else."""
    if not dest.is_dir():
        raise SampleError(f"{dest} is in the way of the sample workspace (it is not a folder); "
                          "move it elsewhere and try again.")
    ours = {WORKSPACE_NAME, MARKER, RELEASES}
    others = sorted(p.name for p in dest.iterdir()
                    if p.name not in ours and not p.name.startswith(WORKSPACE_NAME))
    if others:
        raise SampleError(f"{dest} holds files that are not the sample's ({', '.join(others)}); "
                          "nothing was changed. Move them elsewhere and try again.")
    for p in dest.iterdir():
        shutil.rmtree(p) if p.is_dir() else p.unlink()


def build(path: Path, releases_folder: Path) -> Premade:
    from storage.workspace.db import Workspace

    data = source()
    with Workspace.open(path) as workspace:
        from desktop.core import providers as core_providers

        for p in data["providers"]:
            core_providers.add_provider(workspace, p["name"], p["model"])
        versions = _save_prompts(workspace, data["prompts"])
        _save_test_sets(workspace, data["test_sets"])
        runs = [_save_run(workspace, run, versions) for run in data["runs"]]
        releases = _publish(workspace, data, versions, releases_folder)
    return Premade(frozenset(runs), releases, frozenset(p["name"] for p in data["providers"]))


def _save_prompts(workspace, prompts: list[dict]) -> dict[tuple[str, int], object]:
    """Each prompt's versions in order; returns (name, 1-based number) -> version content."""
    from storage.releases.content import Message, PromptContent
    from storage.workspace import prompts as repo

    out = {}
    for prompt in prompts:
        for number, v in enumerate(prompt["versions"], 1):
            content = PromptContent(
                messages=tuple(Message(role, text) for role, text in v["messages"]),
                model=v["model"], parameters=v.get("parameters", {}),
                response_format=v.get("response_format"))
            with workspace.session() as session:
                repo.save_version(session, prompt["name"], content, message=v["message"],
                                  author=v["author"], description=prompt["description"])
            out[(prompt["name"], number)] = content
    return out


def _save_test_sets(workspace, test_sets: list[dict]) -> None:
    from storage.workspace import prompts as repo
    from storage.workspace import testsets

    with workspace.session() as session:
        for t in test_sets:
            owner = repo.require_prompt(session, t["prompt"])
            test_set = testsets.create_test_set(
                session, t["name"], prompt=owner, description=t.get("description", ""),
                min_score=t.get("min_score"), evaluators=t["evaluators"])
            testsets.append_cases(session, test_set, [
                testsets.CaseData(c["variables"], c.get("expected") or None, c.get("notes", ""),
                                  c.get("tags", ())) for c in t["cases"]])


def _version(session, name: str, number: int):
    from storage.workspace import prompts as repo

    history = list(reversed(repo.version_history(session, repo.require_prompt(session, name))))
    return history[number - 1]


def _save_run(workspace, spec: dict, versions) -> int:
    """A finished run with the recorded outputs, scored by the test set's real evaluators."""
    from desktop.core import providers as core_providers
    from desktop.core.evaluators import BlindPair, Case, HumanRating, case_score, parse_spec
    from desktop.core.runner import ratings
    from storage.workspace import runs as run_repo
    from storage.workspace import testsets

    providers = {p.name: p for p in core_providers.list_providers(workspace)}
    with workspace.session() as session:
        test_set = testsets.require_test_set(session, spec["test_set"])
        owner = testsets.owner_name(session, test_set)
        rows = testsets.case_rows(session, test_set)
        chosen = [_version(session, owner, n) for n in spec["versions"]]
        run = run_repo.create_run(
            session, test_set=test_set, case_ids=[i for i, _ in rows],
            test_set_hash=testsets.content_hash([c for _, c in rows]), versions=chosen,
            providers=[{"name": n, "model": providers[n].model} for n in spec["providers"]],
            evaluators=list(test_set.evaluators), options={"gate": test_set.min_score})
        run_id, pks = run.id, {n: v.pk for n, v in zip(spec["versions"], chosen)}
        evaluators = [parse_spec(s) for s in test_set.evaluators]
    writer = run_repo.ResultWriter(workspace.engine, run_id)
    try:
        for column, outputs in spec["outputs"].items():
            number, provider = column.split("|")
            for row, ((case_id, case), output) in enumerate(zip(rows, outputs)):
                scores = [e.evaluate(output, Case(case.variables, case.expected))
                          for e in evaluators]
                combined = case_score(scores)
                writer.put(run_repo.ResultRecord(
                    row=row, case_id=case_id, version_pk=pks[int(number)], provider=provider,
                    model=providers[provider].model, output=output,
                    tokens_in=180 + 7 * len(output) // 10, tokens_out=len(output) // 4,
                    cost=round(len(output) * 1.5e-7, 8), latency_ms=900.0 + 3 * len(output),
                    finish_reason="stop", score=combined.value, passed=combined.passed,
                    scores=tuple(run_repo.ScoreRecord(
                        s.evaluator, s.value, s.passed, s.reason, s.error, s.weight,
                        details=s.details) for s in scores)))
        writer.flush()
    finally:
        writer.close()
    with workspace.session() as session:
        run_repo.finish_run(session, run_id)

    def result(column: str, row: int) -> int:
        number, provider = column.split("|")
        with workspace.session() as session:
            return run_repo.result_id(session, run_id, row, pks[int(number)], provider)

    for r in spec.get("ratings", ()):
        ratings.rate(workspace, result(r["column"], r["row"]),
                     HumanRating(thumb=r["thumb"], comment=r["comment"], rater=r["rater"]))
    for p in spec.get("preferences", ()):
        pair = BlindPair(str(rows[p["row"]][0]), str(result(p["a"], p["row"])),
                         str(result(p["b"], p["row"])), a_on_left=True)
        ratings.prefer(workspace, run_id, pair, "left" if p["choice"] == "a" else "right",
                       rater=p["rater"], comment=p["comment"])
    return run_id


def _publish(workspace, data: dict, versions, folder: Path) -> int:
    """The sample's release repository, and its releases, signed with a throwaway key."""
    from desktop.core import releases as core
    from desktop.core.releases import keys
    from storage.releases import keys as fmt

    private = fmt.generate_key()
    info = keys.KeyInfo(fmt.key_id(private), fmt.public_bytes(private).hex(),
                        "Sample release key", int(time.time()))
    key = keys.FileKey(folder / "no-key-file", info, private)  # held in memory only
    core.create_repository(str(folder), data["project"], key=key)
    for release in data["releases"]:
        chosen = {name: versions[(name, number)] for name, number in release["prompts"].items()}
        published = core.publish(str(folder), chosen, channel=release["channel"], key=key,
                                 notes=release["notes"])
        with workspace.session() as session:
            core.record(session, published)
    return len(data["releases"])
