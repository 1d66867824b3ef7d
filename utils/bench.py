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

    from .generation import encode

    ids = encode(tokenizer, model, prompt)
    mask = torch.ones_like(ids)
    options = dict(do_sample=False, temperature=None, top_p=None, top_k=None,
                   pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id)
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
