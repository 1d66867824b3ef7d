"""Block quantization: lesson 05's quantize_blocks / dequantize_blocks (utils.lessons.lesson05) by hand, and the
model-wide pass utils.quantize.fake_quantize_ that applies them."""
import math

import pytest
import torch

from utils.lessons.lesson05 import dequantize_blocks, quantize_blocks
from utils.quantize import fake_quantize_


def test_quantize_blocks_hand_computed():
    w = torch.tensor([[0.6, -1.0, 0.25, 0.1], [0.0, 0.5, -0.25, 0.125]])
    # 3 bits -> integers -3..3. Block 1: scale 1/3; w / scale = 1.8, -3, 0.75, 0.3 -> 2, -3, 1, 0.
    # Block 2: scale 0.5/3; w / scale = 0, 3, -1.5, 0.75 -> 0, 3, -2 (round half to even), 1.
    integers, scales = quantize_blocks(w, bits=3, block_size=4)
    assert integers.tolist() == [[2, -3, 1, 0], [0, 3, -2, 1]]
    assert scales.flatten().tolist() == pytest.approx([1 / 3, 0.5 / 3])
    restored = dequantize_blocks(integers, scales, w.shape)
    assert restored.shape == w.shape
    assert restored[0].tolist() == pytest.approx([2 / 3, -1.0, 1 / 3, 0.0])


def test_four_bits_use_the_integers_minus_7_to_7():
    torch.manual_seed(0)
    integers, _ = quantize_blocks(torch.randn(64, 32), bits=4)
    assert integers.min() == -7 and integers.max() == 7
    assert (integers.abs().amax(dim=1) == 7).all()  # each block's largest weight maps to ±7


def test_more_bits_less_error():
    torch.manual_seed(0)
    w = torch.randn(64, 64)
    errors = [float((dequantize_blocks(*quantize_blocks(w, bits), w.shape) - w).norm() / w.norm()) for bits in (2, 4, 8)]
    assert errors[0] > errors[1] > errors[2] > 0


def test_fake_quantize_is_the_lesson_function_on_every_matrix():
    layer = torch.nn.Linear(4, 1, bias=False)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[0.6, -1.0, 0.25, 0.1]]))
    rel = fake_quantize_(layer, bits=3, block_size=4)
    assert layer.weight.flatten().tolist() == pytest.approx([2 / 3, -1.0, 1 / 3, 0.0], abs=1e-6)
    err = (0.6 - 2 / 3) ** 2 + (0.25 - 1 / 3) ** 2 + 0.1**2
    assert rel == pytest.approx(math.sqrt(err / (0.36 + 1 + 0.0625 + 0.01)), abs=1e-6)


def test_fake_quantize_rounds_a_tied_matrix_once():
    embedding = torch.nn.Embedding(8, 4)
    head = torch.nn.Linear(4, 8, bias=False)
    head.weight = embedding.weight  # tied, as in both bundled models
    model = torch.nn.ModuleList([embedding, head])
    before = embedding.weight.detach().clone()
    fake_quantize_(model, bits=4, block_size=4)
    once = dequantize_blocks(*quantize_blocks(before, 4, 4), before.shape)
    assert torch.equal(embedding.weight.detach(), once)


def test_fake_quantize_rejects_bad_input():
    layer = torch.nn.Linear(4, 1, bias=False)
    with pytest.raises(ValueError, match="from 2 to 8"):
        fake_quantize_(layer, bits=1)
    with pytest.raises(ValueError, match="No weight matrix"):
        fake_quantize_(layer, bits=4, block_size=3)
