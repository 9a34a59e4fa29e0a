"""`python -m promptpress_reader verify SOURCE --root ROOT [--channel C]`: check a release.

Exits 0 and prints what it verified, or exits 1 with the reason (and the threat it names).
`render NAME --var key=value ...` prints a rendered prompt as JSON, for quick checks.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from .errors import ReaderError
from .metadata import format_time
from .reader import Reader
from .template import TemplateProblem


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="promptpress_reader",
                                     description="Verify and read signed Promptpress releases.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (("verify", "verify the channel's current release"),
                       ("render", "render one prompt of the release as JSON")):
        p = sub.add_parser(name, help=text)
        p.add_argument("source", help="folder path or http(s) URL of the release repository")
        p.add_argument("--root", required=True, help="the pinned root file")
        p.add_argument("--channel", default="production")
        p.add_argument("--cache", help="cache folder (keeps the last good release)")
        if name == "render":
            p.add_argument("name")
            p.add_argument("--var", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    try:
        reader = Reader(args.source, args.root, channel=args.channel, cache_dir=args.cache)
    except (ReaderError, OSError) as exc:
        print(f"refused: {exc}" + (f" [{exc.threat}]" if isinstance(exc, ReaderError) else ""),
              file=sys.stderr)
        return 1
    with reader:
        if reader.last_error is not None:  # serving the cache; the source failed
            print(f"refused: {reader.last_error} [{reader.last_error.threat}] "
                  f"(the cache still holds release {reader.release})", file=sys.stderr)
            return 1
        if args.command == "verify":
            print(f"ok: {reader.project}/{reader.channel} release {reader.release}, "
                  f"pointer version {reader.pointer_version}, {len(reader.names())} prompts, "
                  f"root version {reader.root.version}, expires "
                  f"{format_time(reader.expires or 0)}")
            return 0
        values = dict(v.split("=", 1) for v in args.var if "=" in v)
        try:
            messages = reader.get(args.name).render(**values)
        except (KeyError, TemplateProblem) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(json.dumps(messages, ensure_ascii=False, indent=2))
        return 0


if __name__ == "__main__":
    sys.exit(main())
