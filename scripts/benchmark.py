"""Benchmark the course's bundled models on this machine (for instructors preparing a room, and for the README).

    python scripts/benchmark.py               # every catalog model: cold + warm load, speed, memory, bound
    python scripts/benchmark.py --skip-cold   # skip the cold start (it converts each GGUF again: 1-3 minutes)
    python scripts/benchmark.py --serving     # lesson 08's figures: a local server, 1/2/4/8 requests, batching off/on

For each catalog model it prints:
- cold load: a fresh process with an empty temporary OPEN_LLM_COURSE_CACHE, so the GGUF file is read,
  de-quantized and written to a local copy as on a learner's first run (your own cache is not touched);
- warm load: a fresh process importing torch + transformers, then load_model() from the local copy, and a
  repeat load in that same process (files now in the OS page cache);
- decode tokens/s (batch 1, greedy, 64 new tokens), time to first token, prefill tokens/s (256 tokens);
- peak memory of that process (the model alone);
- beside them: this machine's memory bandwidth (measured here) and the resulting upper bound on decode speed,
  bandwidth / bytes of weights read per generated token.

``--serving`` measures what lesson 08 measures, at the sizes of issue 16 (64 new tokens per request, greedy):
batch-1 ``generate()`` in a fresh process, then ``transformers serve`` with SmolLM2 (utils.serving) without and with
continuous batching, each answering 1, 2, 4 and 8 simultaneous requests sent with the official ``openai`` client by
lesson 08's own ``measure_levels``; it prints the aggregate tokens/s of each, beside the load average.

Each measurement runs ``python -m utils.bench NAME`` in a child process (see ``utils.bench.measure_in_fresh_process``),
so load time and peak memory belong to that model alone. Lesson 05 measures in its own process instead.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from utils import bench
    from utils.catalog import CATALOG

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-cold", action="store_true", help="do not measure the cold start (GGUF -> local copy)")
    parser.add_argument("--models", nargs="*", default=list(CATALOG), help="catalog names (default: all)")
    parser.add_argument("--new-tokens", type=int, default=64, help="tokens generated for the decode speed")
    parser.add_argument("--prefill-tokens", type=int, default=256, help="input length for the prefill speed")
    parser.add_argument("--threads", type=int, default=0, help="torch threads in the measuring process (0: torch's default)")
    parser.add_argument("--serving", action="store_true",
                        help="lesson 08: aggregate tokens/s of a local server at 1/2/4/8 requests, batching off and on")
    args = parser.parse_args()
    if args.serving:
        return serving_benchmark(args.new_tokens, args.threads)
    unknown = [m for m in args.models if m not in CATALOG]
    if unknown:
        parser.error(f"unknown model(s) {unknown}; known: {', '.join(CATALOG)}")

    import torch

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"torch {torch.__version__}, threads {args.threads or torch.get_num_threads()}")
    bandwidth = bench.memory_bandwidth_gbs()
    print(f"memory bandwidth (copy, read + write): {bandwidth:.1f} GB/s\n")

    rows = []
    for name in args.models:
        row = {"model": name}
        if not args.skip_cold:
            print(f"[{name}] cold start in a temporary cache (converting the GGUF file)...", flush=True)
            tmp = tempfile.mkdtemp(prefix="course-cold-cache-")
            try:
                cold = bench.measure_in_fresh_process(name, new_tokens=0, cache_dir=tmp, threads=args.threads)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
            if cold["load_source"] != "converted from GGUF":  # pragma: no cover - would mean the temp cache was not used
                print(f"  warning: the cold run loaded from {cold['load_source']!r}")
            row["cold load (s)"] = round(cold["load_s"], 1)
        print(f"[{name}] warm start, {args.new_tokens} new tokens, {args.prefill_tokens}-token prefill...", flush=True)
        warm = bench.measure_in_fresh_process(name, new_tokens=args.new_tokens, prefill_tokens=args.prefill_tokens,
                                              repeat_load=True, threads=args.threads)
        bound = bandwidth * 1e9 / warm["weight_bytes"]
        row.update({
            "import (s)": round(warm["import_s"], 1),
            "warm load (s)": round(warm["load_s"], 2),
            "repeat load (s)": round(warm["repeat_load_s"], 2),
            "TTFT (s)": round(warm["time_to_first_token_s"], 3),
            "decode (tok/s)": round(warm["decode_tokens_per_s"], 1),
            "prefill (tok/s)": round(warm["prefill_tokens_per_s"], 0),
            "peak memory (MiB)": round(warm["peak_memory_mib"], 0),
            "weights (MB)": round(warm["weight_bytes"] / 1e6, 1),
            "bound (tok/s)": round(bound, 1),
            "decode / bound": round(warm["decode_tokens_per_s"] / bound, 2),
        })
        rows.append(row)

    import pandas as pd

    table = pd.DataFrame(rows).set_index("model").T.map(lambda v: f"{v:g}")  # 18.7, not 18.700
    print()
    print(table.to_string())
    print("\nbound = memory bandwidth / bytes of weights read per generated token (float32, batch 1).")
    print("warm load = load_model() in a fresh process after importing torch + transformers; "
          "repeat load = a second load_model() in that process.")
    return 0


def serving_benchmark(new_tokens: int = 64, threads: int = 0) -> int:
    """Print lesson 08's figures: in-process batch-1 generate(), then a local server without/with continuous batching."""
    import pandas as pd
    from openai import OpenAI

    from utils import bench, serving
    from utils.lessons import lesson08 as l08

    name = "smollm2-135m-instruct"
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"[{name}] in-process generate(), batch 1, {new_tokens} new tokens, greedy (fresh process)...", flush=True)
    solo = bench.measure_in_fresh_process(name, new_tokens=new_tokens, prefill_tokens=16, threads=threads)
    rows = []
    for batching in (False, True):
        label = "on" if batching else "off"
        print(f"[{name}] transformers serve, continuous batching {label}...", flush=True)
        with serving.start_server(name, continuous_batching=batching) as server:
            print(f"  started and ready in {server.started_in_s:.1f} s", flush=True)
            client = OpenAI(base_url=server.base_url, api_key=serving.LOCAL_KEY, max_retries=0, timeout=600)
            rows += l08.measure_levels(client, server.model, label, new_tokens=new_tokens,
                                       progress=lambda line: print("  " + line, flush=True))
    results = pd.DataFrame(rows)
    short = results[results["tokens"] != results["answers"] * new_tokens]
    table = results.pivot(index="concurrent requests", columns="continuous batching", values="tokens/s").round(1)
    table = table[["off", "on"]]
    table["on / on at 1"] = (table["on"] / table.loc[1, "on"]).round(1)
    print()
    print(f"aggregate decode tokens/s, {new_tokens} new tokens per request, greedy, official openai client:")
    print(table.to_string())
    print(f"\nin-process generate(), batch 1: {solo['decode_tokens_per_s']:.1f} tokens/s")
    if len(short):
        print(f"note: {len(short)} measurement(s) had answers shorter than {new_tokens} tokens (an end-of-text token)")
    print(f"load average now: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (idle machine: below about 0.2)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
