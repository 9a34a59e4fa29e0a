"""Gateway throughput: efficiency of model calls against a loopback server with fixed latency.

Starts the fake OpenAI-compatible provider in a subprocess (100 ms per response by default), then
makes N calls with C in flight, in one run: through raw httpx and raw aiohttp (the floor), through
the Gateway (non-streaming and streaming), and through plain ``litellm.acompletion`` (what the
Gateway avoids; one round only, they are slow). Efficiency = ideal time (N x latency / C) / wall
time; the median over rounds is printed. Target for the Gateway: >= 0.85 (the runner adds its own
work on top).

    .venv/bin/python benchmarks/gateway.py [--calls 1000] [--concurrency 32] [--latency 0.1]
                                           [--rounds 3] [--skip-litellm]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable

import _loopback  # noqa: E402  (sets the environment first)

from desktop.core.gateway import Gateway, ModelTarget  # noqa: E402

MESSAGES = [{"role": "system", "content": "You are terse."},
            {"role": "user", "content": "Summarise the call in one line: the customer wants a refund."}]


async def measure(calls: int, concurrency: int, one: Callable[[], Awaitable[object]]) -> float:
    semaphore = asyncio.Semaphore(concurrency)

    async def slot() -> None:
        async with semaphore:
            await one()

    start = time.perf_counter()
    await asyncio.gather(*(slot() for _ in range(calls)))
    return time.perf_counter() - start


async def run(base_url: str, args: argparse.Namespace) -> None:
    import aiohttp
    import httpx

    ideal = args.calls * args.latency / args.concurrency
    body = {"model": "gpt-4o-mini", "messages": MESSAGES, "temperature": 0.2, "max_tokens": 64}
    auth = {"Authorization": "Bearer sk-bench"}
    target = ModelTarget("bench", "openai/gpt-4o-mini", base_url=base_url, api_key="sk-bench",
                         parameters={"temperature": 0.2, "max_tokens": 64})
    pool = args.concurrency * 2
    client = httpx.AsyncClient(base_url=base_url, timeout=30,
                               limits=httpx.Limits(max_connections=pool, max_keepalive_connections=pool))
    session = aiohttp.ClientSession()
    gateway = Gateway()
    via_litellm = Gateway(direct_openai=False)
    pieces: list[str] = []

    async def raw_httpx() -> None:
        response = await client.post("/chat/completions", json=body, headers=auth)
        response.raise_for_status()
        response.json()["choices"][0]["message"]["content"]

    async def raw_aiohttp() -> None:
        async with session.post(f"{base_url}/chat/completions", json=body, headers=auth) as response:
            response.raise_for_status()
            (await response.json())["choices"][0]["message"]["content"]

    async def plain_litellm() -> None:
        import litellm

        await litellm.acompletion(model="openai/gpt-4o-mini", api_base=base_url, api_key="sk-bench",
                                  messages=MESSAGES, temperature=0.2, max_tokens=64, num_retries=0)

    modes: dict[str, Callable[[], Awaitable[object]]] = {
        "raw httpx": raw_httpx,
        "raw aiohttp": raw_aiohttp,
        "gateway": lambda: gateway.complete(target, MESSAGES, timeout=30),
        "gateway streaming": lambda: gateway.complete(target, MESSAGES, stream=True,
                                                      on_delta=pieces.append, timeout=30),
    }
    slow = {} if args.skip_litellm else {
        "plain litellm.acompletion": plain_litellm,
        "gateway via litellm": lambda: via_litellm.complete(target, MESSAGES, timeout=30),
    }
    efficiency: dict[str, list[float]] = {name: [] for name in [*modes, *slow]}
    try:
        for name, one in {**modes, **slow}.items():  # warm connections and caches
            await measure(args.concurrency * 2, args.concurrency, one)
        # Rounds rotate the order, so a noisy moment on a shared machine does not hit one mode only.
        for round_ in range(args.rounds):
            names = list(modes)
            names = names[round_ % len(names):] + names[: round_ % len(names)]
            for name in names + (list(slow) if round_ == 0 else []):
                wall = await measure(args.calls, args.concurrency, {**modes, **slow}[name])
                efficiency[name].append(ideal / wall)
                print(f"  round {round_ + 1}: {name:<26} wall {wall:6.2f} s   efficiency {ideal / wall:.3f}",
                      flush=True)
    finally:
        await client.aclose()
        await session.close()
        await gateway.aclose()
        await via_litellm.aclose()

    print(f"\ncalls {args.calls}, concurrency {args.concurrency}, "
          f"server latency {args.latency * 1000:.0f} ms, ideal {ideal:.2f} s; median of {args.rounds} rounds")
    median = {name: statistics.median(values) for name, values in efficiency.items()}
    for name, value in median.items():
        print(f"{name:<28} efficiency {value:.3f}")
    print(f"gateway / raw httpx: {median['gateway'] / median['raw httpx']:.2f}   "
          f"streaming / raw httpx: {median['gateway streaming'] / median['raw httpx']:.2f}   "
          f"(target: gateway efficiency >= 0.85)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--calls", type=int, default=1000)
    _loopback.add_load_options(parser)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-litellm", action="store_true", help="skip the slow plain-litellm rows")
    args = parser.parse_args()

    _loopback.run_on_fake_provider(run, args)


if __name__ == "__main__":
    main()
