"""Measure a model on this machine: load time, prefill and decode speed, memory, memory bandwidth.

Decoding one token at batch size 1 reads every weight once, so its speed is bounded by
``memory bandwidth / bytes of weights``; ``decode_upper_bound`` computes that bound from a bandwidth
measured here. Numbers vary from run to run: lessons show them in cells excluded from nbval comparison.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from .i18n import tr


def memory_bandwidth_gbs(size_mib: int = 256, repeats: int = 5) -> float:
    """Best observed copy bandwidth in GB/s (bytes read + bytes written per second), using torch."""
    import torch

    src = torch.ones(size_mib * 2**20 // 4, dtype=torch.float32)
    dst = torch.empty_like(src)
    dst.copy_(src)  # touch the pages first
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        dst.copy_(src)
        best = min(best, time.perf_counter() - started)
    return 2 * src.numel() * 4 / best / 1e9


def weight_bytes(model) -> int:
    """Bytes of all parameters as stored in memory now (float32: 4 bytes each)."""
    return sum(p.numel() * p.element_size() for p in model.parameters())


def decode_upper_bound(model, bandwidth_gbs: float) -> float:
    """Tokens per second if each decode step only had to read every weight once at ``bandwidth_gbs``."""
    return bandwidth_gbs * 1e9 / weight_bytes(model)


def peak_memory_mib() -> float:
    """This process's peak resident memory so far, in MiB (Linux/macOS)."""
    import resource
    import sys

    try:  # Linux: VmHWM is this process's own peak (ru_maxrss can carry a parent's peak into a child)
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 2**10
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


@dataclass
class GenerationSpeed:
    prompt_tokens: int
    new_tokens: int
    time_to_first_token_s: float
    decode_tokens_per_s: float
    prefill_tokens_per_s: float


def measure_generation(tokenizer, model, prompt: str = "Tell me a story about a robot who learns to paint.",
                       new_tokens: int = 64, prefill_tokens: int = 256) -> GenerationSpeed:
    """Time to first token and decode speed (batch 1, greedy, exactly ``new_tokens`` tokens),
    and prefill speed on a ``prefill_tokens``-token input."""
    import torch

    from .generation import encode, greedy_options

    ids = encode(tokenizer, model, prompt)
    mask = torch.ones_like(ids)
    options = greedy_options(tokenizer)
    with torch.inference_mode():
        model.generate(ids, attention_mask=mask, max_new_tokens=2, min_new_tokens=2, **options)  # warm-up
        started = time.perf_counter()
        model.generate(ids, attention_mask=mask, max_new_tokens=1, min_new_tokens=1, **options)
        ttft = time.perf_counter() - started
        started = time.perf_counter()
        model.generate(ids, attention_mask=mask, max_new_tokens=new_tokens, min_new_tokens=new_tokens, **options)
        total = time.perf_counter() - started
        long_ids = torch.arange(100, 100 + prefill_tokens, device=model.device).unsqueeze(0)
        model(long_ids[:, :16])  # warm-up
        started = time.perf_counter()
        model(long_ids)
        prefill = time.perf_counter() - started
    return GenerationSpeed(
        prompt_tokens=ids.shape[1],
        new_tokens=new_tokens,
        time_to_first_token_s=ttft,
        decode_tokens_per_s=(new_tokens - 1) / max(total - ttft, 1e-9),
        prefill_tokens_per_s=prefill_tokens / prefill,
    )


# --------------------------------------------------------------------------------------------------
# A measurement in a fresh Python process (honest load time, per-model peak memory), for
# scripts/benchmark.py: the parent runs ``python -m utils.bench`` and reads one JSON line back.
# --------------------------------------------------------------------------------------------------
RESULT_MARK = "@@RESULT@@"


def measure_in_fresh_process(name: str, new_tokens: int = 64, prefill_tokens: int = 256, cache_dir=None,
                             repeat_load: bool = False, threads: int = 0, timeout: float = 900) -> dict:
    """Load catalog model ``name`` in a new Python process and measure it there.

    Returns a dict: ``import_s`` (torch + transformers + utils), ``load_s`` (load_model, including a
    GGUF conversion when the cache is empty), ``load_source``, optionally ``repeat_load_s`` (a second
    load in the same process), ``weight_bytes``, and with ``new_tokens > 0`` the numbers of
    ``measure_generation``; ``peak_memory_mib`` is that process's peak resident memory, i.e. this
    model alone (see ``peak_memory_mib``). ``cache_dir`` sets OPEN_LLM_COURSE_CACHE for the child only
    (a cold start when empty).
    """
    import json
    import os
    import subprocess
    import sys

    from .catalog import get_model_info
    from .paths import ROOT

    get_model_info(name)  # a clear error for an unknown name, before starting a process
    if new_tokens < 0 or prefill_tokens < 1:
        raise ValueError(tr("new_tokens must be >= 0 and prefill_tokens >= 1."))
    env = dict(os.environ, TOKENIZERS_PARALLELISM="false", HF_HUB_OFFLINE="1", PYTHONWARNINGS="ignore")
    if cache_dir is not None:
        env["OPEN_LLM_COURSE_CACHE"] = str(cache_dir)
    args = [sys.executable, "-m", "utils.bench", name, "--new-tokens", str(new_tokens),
            "--prefill-tokens", str(prefill_tokens), "--threads", str(int(threads))]
    if repeat_load:
        args.append("--repeat-load")
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    for line in done.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK):])
    tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
    raise RuntimeError(tr("Measuring {name} in a fresh process failed (exit {code}): ", name=name, code=done.returncode)
                       + " | ".join(tail))


def _measure_here(argv: list[str] | None = None) -> dict:
    """The child's side of ``measure_in_fresh_process``: import, load, measure, in this process."""
    import argparse

    started = time.perf_counter()
    parser = argparse.ArgumentParser(prog="python -m utils.bench", description=_measure_here.__doc__)
    parser.add_argument("name")
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--prefill-tokens", type=int, default=256)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--repeat-load", action="store_true", help="load a second time and time that too")
    args = parser.parse_args(argv)

    import torch
    import transformers  # noqa: F401  (counted in import_s, as a lesson pays for it)

    from .models import LAST_LOAD, load_model, quiet_transformers

    quiet_transformers()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    imported = time.perf_counter()
    tokenizer, model = load_model(args.name, progress=lambda message: None)
    result = {"import_s": imported - started, "load_s": time.perf_counter() - imported,
              "load_source": LAST_LOAD[args.name].source}
    if args.repeat_load:
        del model
        again = time.perf_counter()
        tokenizer, model = load_model(args.name, progress=lambda message: None)
        result["repeat_load_s"] = time.perf_counter() - again
    result["weight_bytes"] = weight_bytes(model)
    if args.new_tokens > 0:
        speed = measure_generation(tokenizer, model, new_tokens=args.new_tokens, prefill_tokens=args.prefill_tokens)
        result.update(time_to_first_token_s=speed.time_to_first_token_s, decode_tokens_per_s=speed.decode_tokens_per_s,
                      prefill_tokens_per_s=speed.prefill_tokens_per_s, prompt_tokens=speed.prompt_tokens)
    result["peak_memory_mib"] = peak_memory_mib()  # this process image's own peak (VmHWM on Linux)
    result["threads"] = torch.get_num_threads()
    return result


if __name__ == "__main__":
    import json

    print(RESULT_MARK + json.dumps(_measure_here()))
