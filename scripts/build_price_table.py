"""Write resources/model_prices.json: the prices we use, from the installed litellm's own table.

The gateway prices calls from this file so that pricing never needs litellm (seconds to import).
The rows are litellm's ``model_cost`` as loaded from its bundled backup
(``model_prices_and_context_window_backup.json``, with its aliases expanded), cut down to what
``desktop/core/gateway/pricing.py`` reads. Run it after upgrading litellm; a test says when the
file no longer matches the installed litellm.

    .venv/bin/python scripts/build_price_table.py [--check]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from importlib import metadata, resources
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "resources" / "model_prices.json"
BACKUP = "model_prices_and_context_window_backup.json"
_TIER = re.compile(r"^input_cost_per_token_above_(\d+)k_tokens$")


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def row_for(entry: dict) -> list:
    """[provider] for a model without per-token prices, else [provider, input, output, cached
    input or None, tiers]; tiers are [above this many input tokens, input, output], highest first."""
    provider = str(entry.get("litellm_provider", ""))
    price_in, price_out = _number(entry.get("input_cost_per_token")), _number(entry.get("output_cost_per_token"))
    if price_in is None or price_out is None:
        return [provider]
    tiers = []
    for name, value in entry.items():
        if (m := _TIER.match(name)) and isinstance(value, int | float):
            out = entry.get(f"output_cost_per_token_above_{m.group(1)}k_tokens", price_out)
            tiers.append([int(m.group(1)) * 1000, float(value), float(out)])
    row = [provider, price_in, price_out, _number(entry.get("cache_read_input_token_cost"))]
    if tiers:
        row.append(sorted(tiers, reverse=True))
    return row


def build() -> str:
    """The file's text, from the installed litellm."""
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # its bundled backup, never the internet
    import litellm
    from litellm.litellm_core_utils.get_model_cost_map import AliasedCostEntry

    backup = resources.files("litellm").joinpath(BACKUP).read_bytes()
    models = {key: row_for(entry) for key, entry in sorted(litellm.model_cost.items())
              if isinstance(entry, dict)}
    # Names litellm rewrites to another model before calling it: the gateway leaves those to litellm.
    aliases = sorted(key for key, entry in litellm.model_cost.items()
                     if isinstance(entry, AliasedCostEntry) and entry.names[:1] not in ((), (key,)))
    head = {
        "source": f"litellm {metadata.version('litellm')}, {BACKUP}",
        "source_sha256": hashlib.sha256(backup).hexdigest(),
        "generated_by": "scripts/build_price_table.py",
        "row": "[litellm_provider, input USD/token, output USD/token, cached input USD/token or null, "
               "[[above N input tokens, input, output], ...]]; [litellm_provider] alone: no per-token price",
        "aliases": aliases,
    }
    lines = [f"  {json.dumps(key)}: {json.dumps(row)}" for key, row in models.items()]
    text = json.dumps(head, indent=2)[:-2] + ',\n  "models": {\n' + ",\n".join(
        "  " + line for line in lines) + "\n  }\n}\n"
    json.loads(text)  # the hand-joined file is still JSON
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="only say whether the file is current")
    args = parser.parse_args()
    text = build()
    if args.check:
        current = TARGET.exists() and TARGET.read_text(encoding="utf-8") == text
        print(f"{TARGET.relative_to(ROOT)} is {'current' if current else 'out of date: run this script'}")
        return 0 if current else 1
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)} ({len(text.encode()) // 1024} KiB, "
          f"{text.count(chr(10))} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
