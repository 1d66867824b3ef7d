"""Quantize a whole model with the block rounding that lesson 05 writes out (``utils.lessons.lesson05``).

The idea (one scale per block of weights, round to small integers, multiply back) lives in the lesson's
``quantize_blocks`` and ``dequantize_blocks``; this module only applies them to every weight matrix of a model.
"""
from __future__ import annotations


def fake_quantize_(model, bits: int, block_size: int = 32) -> float:
    """Round every 2-D weight matrix of ``model`` *in place* to ``bits``-bit integers, one scale per block of
    ``block_size`` weights, then back to float (the model keeps running in float, with the rounded values).

    Returns the relative error ||W_q - W|| / ||W|| over all matrices touched. Use it on a copy.
    """
    import torch

    from .i18n import tr
    from .lessons.lesson05 import dequantize_blocks, quantize_blocks

    if not isinstance(bits, int) or not 2 <= bits <= 8:
        raise ValueError(tr("bits must be an integer from 2 to 8, got {bits!r}.", bits=bits))
    if block_size < 1:
        raise ValueError(tr("block_size must be at least 1."))
    err_sq = ref_sq = 0.0
    done = set()
    with torch.no_grad():
        for param in model.parameters():
            if param.dim() != 2 or param.numel() % block_size or id(param) in done:
                continue
            done.add(id(param))  # tied embeddings: quantize once
            restored = dequantize_blocks(*quantize_blocks(param.data, bits, block_size), param.shape)
            err_sq += float(((restored - param.data) ** 2).sum())
            ref_sq += float((param.data**2).sum())
            param.data.copy_(restored)
    if not done:
        raise ValueError(tr("No weight matrix could be quantized: check block_size."))
    return (err_sq / ref_sq) ** 0.5
