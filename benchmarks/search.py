"""Search speed over many versions: the FTS5 trigram index (0008_search) against the LIKE scan.

Builds (benchmarks/big_versions.py) a workspace of 5,000 prompts x 20 versions = 100,000
versions, then prints, as medians of several runs in this process, `storage.workspace.prompts
.search` for a few queries (Latin words, RTL, emoji, a note, a miss, and queries of one or two
characters, which 0013_search_chars serves) as it runs and with the plain scan its reads
replace (a LIKE test of every version's texts, as before 0008_search, though on
0012_search_texts' narrow table rather than the JSON), and their ratio.
Target 50 ms. Also prints the file's size and how much of it the index takes.

    .venv/bin/python benchmarks/search.py [--prompts 5000] [--versions-per-prompt 20] [--runs 5]
"""

from __future__ import annotations

import argparse
import importlib
import tempfile
from pathlib import Path

from _timing import median_ms
from big_versions import build_versions

from storage.workspace import prompts as repo
from storage.workspace.db import Workspace
search_module = importlib.import_module("storage.workspace.prompts.search")

QUERIES = ("escalate refund", "שלום", "🎉", "warmer tone", "no such words anywhere",
           "the customer", "refund",  # common words, most versions have them
           "顧客", "e", "zq")  # shorter than a trigram: common, the commonest letter, a miss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=5_000)
    parser.add_argument("--versions-per-prompt", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="build the workspace in this folder")
    parser.add_argument("--reuse", action="store_true",
                        help="time the workspace already built in --keep DIR")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="promptpress-bench-"))
    path = folder / "search-bench.promptpress"
    if args.reuse and path.exists():
        info = {"prompts": args.prompts, "versions": args.prompts * args.versions_per_prompt,
                "seconds": float("nan")}
    else:
        if path.exists():
            path.unlink()
        info = build_versions(path, prompts=args.prompts,
                              versions_per_prompt=args.versions_per_prompt, text_size=(300, 1500))
    ws = Workspace.open(path)
    with ws.engine.connect() as con:
        page = con.exec_driver_sql("PRAGMA page_size").scalar()
        index_pages = con.exec_driver_sql(
            "SELECT count(*) FROM dbstat WHERE name LIKE 'versions_fts%'").scalar()
    size = path.stat().st_size
    print(f"workspace: {info['prompts']:,} prompts, {info['versions']:,} versions "
          f"(bulk insert with index triggers {info['seconds']:.1f} s), {size / 1e6:.0f} MB, "
          f"of which the search index {index_pages * page / 1e6:.0f} MB")
    original = search_module._streamed

    def scan(session, match, query, field, limit):  # the LIKE scan of every version
        return search_module._ranked(session, search_module._contains(query, field), limit)
    try:
        for query in QUERIES:
            def run(q=query):
                with ws.session() as s:
                    return repo.search(s, q)
            hits = run()
            fast = median_ms(run, args.runs)
            search_module._streamed = scan
            try:
                assert run() == hits, f"index and scan disagree on {query!r}"
                slow = median_ms(run, max(2, args.runs // 2))
            finally:
                search_module._streamed = original
            print(f"search {info['versions']:,} versions for {query!r:<26} ({len(hits):>3} hits): "
                  f"{fast:7.1f} ms indexed, {slow:7.1f} ms plain scan -> "
                  f"{slow / fast:5.1f}x faster; {fast / 50:.2f}x of the 50 ms target")
    finally:
        ws.close()


if __name__ == "__main__":
    main()
