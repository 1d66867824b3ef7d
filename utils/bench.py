"""Measure a model on this machine: load time, prefill and decode speed, memory, memory bandwidth.

Decoding one token at batch size 1 reads every weight once, so its speed is bounded by
``memory bandwidth / bytes of weights``; ``decode_upper_bound`` computes that bound from a bandwidth
measured here. Numbers vary from run to run: lessons show them in cells excluded from nbval comparison.
"""
from __future__ import annotations

import time
from dataclasses import dataclass


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
# Added for lesson 05 and scripts/benchmark.py (both use them): sizes, fake quantization, and a
# measurement in a fresh Python process (honest load time and per-model peak memory).
# --------------------------------------------------------------------------------------------------
MIB = 2**20


def size_table(name: str, model):
    """One model's weights three ways, in MiB: the 4-bit GGUF file on disk, float32 in memory now,
    and what bfloat16 would take (2 bytes per parameter). Rounded to 0.1 MiB."""
    from .catalog import get_model_info
    from .models import gguf_path

    info = get_model_info(name)
    params = sum(p.numel() for p in model.parameters())
    return {
        "model": name,
        "parameters (M)": round(params / 1e6, 1),
        "GGUF type": info.quantization,
        "GGUF file, 4-bit (MiB)": round(gguf_path(name).stat().st_size / MIB, 1),
        "bfloat16 (MiB)": round(params * 2 / MIB, 1),
        "float32 in memory (MiB)": round(weight_bytes(model) / MIB, 1),
    }


def fake_quantize_(model, bits: int, group_size: int = 32) -> float:
    """Round every 2-D weight matrix of ``model`` *in place* to ``bits``-bit integers, one absmax scale
    per group of ``group_size`` weights (the idea behind GGUF's Q4/Q8 blocks), then back to float.

    Returns the relative error ||W_q - W|| / ||W|| over all matrices touched. Use it on a copy.
    """
    import torch

    if not isinstance(bits, int) or not 2 <= bits <= 8:
        raise ValueError(f"bits must be an integer from 2 to 8, got {bits!r}.")
    if group_size < 1:
        raise ValueError("group_size must be at least 1.")
    levels = 2 ** (bits - 1) - 1  # symmetric: 4 bits -> integers -7..7
    err_sq = ref_sq = 0.0
    done = set()
    with torch.no_grad():
        for param in model.parameters():
            if param.dim() != 2 or param.numel() % group_size or id(param) in done:
                continue
            done.add(id(param))  # tied embeddings: quantize once
            w = param.data.reshape(-1, group_size)
            scale = w.abs().amax(dim=1, keepdim=True).clamp_min(1e-12) / levels
            q = torch.round(w / scale).clamp(-levels, levels) * scale
            err_sq += float(((q - w) ** 2).sum())
            ref_sq += float((w**2).sum())
            param.data.copy_(q.reshape(param.shape))
    if not done:
        raise ValueError("No weight matrix could be quantized: check group_size.")
    return (err_sq / ref_sq) ** 0.5


_FRESH_SCRIPT = r"""
import json, os, sys, time
started = time.perf_counter()
sys.path.insert(0, sys.argv[1])
import torch, transformers
from utils import bench
from utils.models import load_model, LAST_LOAD, quiet_transformers
quiet_transformers()
torch.set_num_threads(int(sys.argv[5]) if sys.argv[5] != "0" else torch.get_num_threads())
imported = time.perf_counter()
tokenizer, model = load_model(sys.argv[2], progress=lambda message: None)
loaded = time.perf_counter()
result = {"import_s": imported - started, "load_s": loaded - imported, "load_source": LAST_LOAD[sys.argv[2]].source}
if sys.argv[6] == "1":
    del model
    t0 = time.perf_counter()
    tokenizer, model = load_model(sys.argv[2], progress=lambda message: None)
    result["repeat_load_s"] = time.perf_counter() - t0
result["weight_bytes"] = bench.weight_bytes(model)
if int(sys.argv[3]) > 0:
    speed = bench.measure_generation(tokenizer, model, new_tokens=int(sys.argv[3]), prefill_tokens=int(sys.argv[4]))
    result.update(time_to_first_token_s=speed.time_to_first_token_s, decode_tokens_per_s=speed.decode_tokens_per_s,
                  prefill_tokens_per_s=speed.prefill_tokens_per_s, prompt_tokens=speed.prompt_tokens)
result["peak_memory_mib"] = bench.peak_memory_mib()  # this process image's own peak (VmHWM on Linux)
result["threads"] = torch.get_num_threads()
print("@@RESULT@@" + json.dumps(result))
"""


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
        raise ValueError("new_tokens must be >= 0 and prefill_tokens >= 1.")
    env = dict(os.environ, TOKENIZERS_PARALLELISM="false", HF_HUB_OFFLINE="1", PYTHONWARNINGS="ignore")
    if cache_dir is not None:
        env["OPEN_LLM_COURSE_CACHE"] = str(cache_dir)
    args = [sys.executable, "-c", _FRESH_SCRIPT, str(ROOT), name, str(new_tokens), str(prefill_tokens),
            str(int(threads)), "1" if repeat_load else "0"]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout)
    for line in done.stdout.splitlines():
        if line.startswith("@@RESULT@@"):
            return json.loads(line[len("@@RESULT@@"):])
    tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
    raise RuntimeError(f"Measuring {name} in a fresh process failed (exit {done.returncode}): " + " | ".join(tail))
