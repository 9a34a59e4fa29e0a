"""Build the big workspaces of issue 14, the same bytes every time (seeded), so anyone can
reproduce the figures in benchmarks/grid.py and benchmarks/testset_editor.py.

- a run of `--cases` cases x `--models` models (default 100,000 x 10 = 1,000,000 results), each
  with an output of 40-1,500 characters (every 17th case Arabic), one evaluator score spread
  over [0, 1], 20 % failures and 1 % errors;
- a test set "big" of `--testset-cases` cases (default 100,000) for the test-set editor;
- `--versions` versions (default 100,000: 5,000 prompts x 20, as benchmarks/search.py times),
  through `benchmarks.big_versions.build_versions`.

Rows go in by executemany on the workspace's own connection (the schema comes from its
migrations), so 1M results take a few minutes.

    .venv/bin/python benchmarks/make_big_workspace.py --out /tmp/big [--cases 100000]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from benchmarks.big_versions import build_versions  # noqa: E402
from storage.releases.content import Message, PromptContent  # noqa: E402
from storage.workspace import prompts as prompt_repo  # noqa: E402
from storage.workspace import runs as run_repo  # noqa: E402
from storage.workspace import testsets  # noqa: E402
from storage.workspace.db import Workspace  # noqa: E402

WORDS = ("the customer asked about a refund for order delivered late and wants to know when "
         "the money arrives thank you for your patience we are sorry").split()
ARABIC = "شكرا لتواصلك معنا سنعيد المبلغ خلال خمسة أيام عمل".split()
NOW = "2026-12-01 09:00:00"


def output(rng: random.Random, row: int) -> str:
    words = ARABIC if row % 17 == 0 else WORDS
    size = rng.choice((40, 120, 300, 300, 600, 1500))
    parts, n = [], 0
    while n < size:
        line = " ".join(rng.choice(words) for _ in range(rng.randint(5, 14)))
        parts.append(line)
        n += len(line) + 1
    return "\n".join(parts) if size >= 600 else " ".join(parts)


def case_values(i: int) -> tuple[str, str]:
    arabic = i % 17 == 0
    question = (f"أين المبلغ المسترد للطلب {i}؟" if arabic
                else f"Where is my refund for order {i}? It was delivered late.")
    return json.dumps({"question": question, "language": "Arabic" if arabic else "English"},
                      ensure_ascii=False), "The refund arrives within five working days."


def _insert_cases(raw, test_set_id: int, n: int) -> None:
    raw.executemany(
        "INSERT INTO test_cases (test_set_id, position, variables, expected, notes, tags) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        ((test_set_id, i, *case_values(i), "" if i % 5 else f"note {i}",
          "[]" if i % 3 else '["refund"]') for i in range(n)))


def build_grid(path: Path, cases: int = 100_000, models: int = 10, seed: int = 5) -> int:
    """One run of `cases` x `models` (1 version on `models` providers); returns its id."""
    rng = random.Random(seed)
    t0 = time.perf_counter()
    with Workspace.open(path) as workspace:
        with workspace.session() as s:
            version = prompt_repo.save_version(s, "support/refund-reply", PromptContent(
                messages=(Message("user", "Answer the customer: {{ question }}"),))).version
            test_set = testsets.create_test_set(s, "gold", min_score=0.7)
            s.flush()
            _insert_cases(s.connection().connection.driver_connection, test_set.id, cases)
            case_ids = list(s.scalars(text("SELECT id FROM test_cases WHERE test_set_id = :t "
                                           "ORDER BY position"), {"t": test_set.id}))
            providers = [{"name": f"model-{m:02d}", "model": f"openai/model-{m:02d}"}
                         for m in range(models)]
            run = run_repo.create_run(s, test_set=test_set, case_ids=case_ids,
                                      test_set_hash="big", versions=[version],
                                      providers=providers, evaluators=["icontains:refund"],
                                      options={"gate": 0.7})
            run_id, pk = run.id, version.pk

        def results():
            for row, case_id in enumerate(case_ids):
                for provider in providers:
                    error = rng.random() < 0.01
                    score = None if error else round(rng.random() ** 0.5, 3)
                    passed = None if error else int(score >= 0.45)
                    yield (run_id, case_id, pk, provider["name"], provider["model"], row,
                           None if error else output(rng, row),
                           "rate_limited" if error else None,
                           "Still rate limited after 6 waits." if error else None,
                           40, rng.randint(10, 400), 0.0002, rng.lognormvariate(6.3, 0.4),
                           score, passed, 0, 1, NOW)

        with workspace.session() as s:
            raw = s.connection().connection.driver_connection
            raw.executemany(
                "INSERT INTO results (run_id, case_id, version_pk, provider, model, row, output, "
                "error_kind, error_message, tokens_in, tokens_out, cost, latency_ms, score, "
                "passed, cached, attempts, created_at) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", results())
            raw.execute(
                "INSERT INTO scores (result_id, evaluator, kind, value, passed, reason, weight, "
                "details, rater, created_at) SELECT id, 'icontains:refund', 'auto', score, "
                "passed, '', 1.0, '{}', '', created_at FROM results WHERE run_id = ? AND "
                "error_kind IS NULL", (run_id,))
            s.execute(text("UPDATE runs SET status = 'finished' WHERE id = :r"), {"r": run_id})
        with workspace.engine.connect() as c:
            c.exec_driver_sql("ANALYZE")
    print(f"built {cases * models:,} results ({cases:,} cases x {models} models) in "
          f"{time.perf_counter() - t0:.0f} s: {path}")
    return run_id


def build_testset(path: Path, cases: int = 100_000, name: str = "big") -> None:
    """A test set `name` of `cases` cases for a prompt with the variables it uses."""
    t0 = time.perf_counter()
    with Workspace.open(path) as workspace, workspace.session() as s:
        prompt_repo.save_version(s, "support/big-set", PromptContent(
            messages=(Message("user", "{{ question }} ({{ language }})"),)))
        test_set = testsets.create_test_set(s, name, prompt=prompt_repo.get_prompt(
            s, "support/big-set"))
        s.flush()
        _insert_cases(s.connection().connection.driver_connection, test_set.id, cases)
    print(f"built a test set of {cases:,} cases in {time.perf_counter() - t0:.1f} s: {path}")


def build_all(folder: Path, *, cases: int, models: int, testset_cases: int,
              versions: int) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {"grid": folder / f"grid-{cases}x{models}.promptpress",
           "testset": folder / f"testset-{testset_cases}.promptpress"}
    if not out["grid"].exists():
        build_grid(out["grid"], cases, models)
    if not out["testset"].exists():
        build_testset(out["testset"], testset_cases)
    out["versions"] = folder / f"versions-{versions}.promptpress"
    if not out["versions"].exists():
        began = time.perf_counter()
        # The shape benchmarks/search.py times: 20 versions a prompt, 0.3-1.5 KB texts.
        build_versions(out["versions"], versions_per_prompt=20, prompts=max(1, versions // 20),
                       text_size=(300, 1500))
        print(f"built {versions:,} versions in {time.perf_counter() - began:.1f} s: "
              f"{out['versions']}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the workspaces")
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--models", type=int, default=10)
    parser.add_argument("--testset-cases", type=int, default=100_000)
    parser.add_argument("--versions", type=int, default=100_000)
    args = parser.parse_args()
    build_all(args.out, cases=args.cases, models=args.models,
              testset_cases=args.testset_cases, versions=args.versions)
    return 0


if __name__ == "__main__":
    sys.exit(main())
