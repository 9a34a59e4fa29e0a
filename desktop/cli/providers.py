"""`promptpress provider add|list|remove|test`."""

from __future__ import annotations

import argparse
import os
import sys

from desktop.core import providers
from desktop.core.errors import UserError

from .common import open_workspace, parse_assignment, parse_param_value, print_rows


def cmd_add(args: argparse.Namespace) -> int:
    api_key = None
    if args.api_key_stdin:
        api_key = sys.stdin.readline().strip()
        if not api_key:
            raise UserError("No key arrived on standard input.")
    params = {}
    for item in args.param:
        key, value = parse_assignment(item, "--param")
        params[key] = parse_param_value(value)
    with open_workspace(args) as workspace:
        settings = providers.add_provider(
            workspace, args.name, args.model, base_url=args.base_url, api_key=api_key,
            api_key_env=args.api_key_env, parameters=params,
            max_concurrency=args.max_concurrency,
        )
    where = {"keychain": "key in the OS keychain",
             "env": f"key from ${settings.api_key_env}",
             "none": "no key"}[settings.key_source]
    print(f"Added provider {settings.name}: {settings.model} ({where}).")
    if settings.key_source == "env" and not os.environ.get(settings.api_key_env or ""):
        print(f"Note: ${settings.api_key_env} is not set in this shell.", file=sys.stderr)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with open_workspace(args) as workspace:
        rows = providers.list_providers(workspace)

    def key(p: providers.ProviderSettings) -> str:
        if p.key_source == "env":
            state = "set" if os.environ.get(p.api_key_env or "") else "not set"
            return f"${p.api_key_env} ({state})"
        return p.key_source

    return print_rows(["NAME", "MODEL", "BASE URL", "KEY"],
                      [[p.name, p.model, p.base_url or "-", key(p)] for p in rows],
                      empty="No providers yet. Add one: promptpress provider add NAME --model "
                            "MODEL_ID")


def cmd_remove(args: argparse.Namespace) -> int:
    with open_workspace(args) as workspace:
        providers.remove_provider(workspace, args.name)
    print(f"Removed provider {args.name}.")
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    """One tiny call through the provider's settings and key; exit 1 if it does not answer."""
    import asyncio

    from desktop.core import gateway, play

    with open_workspace(args) as workspace:
        provider = providers.get_provider(workspace, args.name)

    async def check() -> gateway.CallResult:
        try:
            key = await asyncio.to_thread(lambda: play.target_for(provider).api_key)
            return await play.check_connection(provider.model, base_url=provider.base_url,
                                               api_key=key, name=provider.name)
        finally:
            await gateway.aclose()

    try:
        result = asyncio.run(check())
    except gateway.ProviderError as exc:
        print(f"promptpress: {provider.name} ({provider.model}) did not answer: {exc}",
              file=sys.stderr)
        return 1
    print(f"{provider.name} ({result.model}) answered in {result.latency_s:.2f} s: "
          f"{result.text.strip()[:60]!r}")
    return 0
