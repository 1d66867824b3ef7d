"""utils.bench: sizes, the decode bound, fake quantization (hand-computed), and clear errors."""
import math

import pytest
import torch

from utils import bench


def test_weight_bytes_and_decode_bound():
    layer = torch.nn.Linear(10, 10, bias=False)  # 100 float32 parameters = 400 bytes
    assert bench.weight_bytes(layer) == 400
    assert bench.decode_upper_bound(layer, bandwidth_gbs=1.0) == pytest.approx(1e9 / 400)
    assert bench.weight_bytes(layer.to(torch.bfloat16)) == 200


def test_fake_quantize_hand_computed():
    layer = torch.nn.Linear(4, 1, bias=False)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[0.6, -1.0, 0.25, 0.1]]))
    # 3 bits -> integers -3..3, scale = max|w| / 3 = 1/3; w / scale = 1.8, -3, 0.75, 0.3 -> 2, -3, 1, 0
    rel = bench.fake_quantize_(layer, bits=3, group_size=4)
    assert layer.weight.flatten().tolist() == pytest.approx([2 / 3, -1.0, 1 / 3, 0.0], abs=1e-6)
    err = (0.6 - 2 / 3) ** 2 + (0.25 - 1 / 3) ** 2 + 0.1**2
    assert rel == pytest.approx(math.sqrt(err / (0.36 + 1 + 0.0625 + 0.01)), abs=1e-6)
    assert rel == pytest.approx(0.1222, abs=1e-4)


def test_fake_quantize_more_bits_less_error():
    torch.manual_seed(0)
    errors = []
    for bits in (2, 4, 8):
        layer = torch.nn.Linear(64, 64, bias=False)
        torch.manual_seed(0)
        torch.nn.init.normal_(layer.weight)
        errors.append(bench.fake_quantize_(layer, bits=bits))
    assert errors[0] > errors[1] > errors[2] > 0


def test_fake_quantize_rejects_bad_input():
    layer = torch.nn.Linear(4, 1, bias=False)
    with pytest.raises(ValueError, match="from 2 to 8"):
        bench.fake_quantize_(layer, bits=1)
    with pytest.raises(ValueError, match="No weight matrix"):
        bench.fake_quantize_(layer, bits=4, group_size=3)


def test_measurements_are_plausible():
    assert bench.memory_bandwidth_gbs(size_mib=8, repeats=2) > 0.1
    assert bench.peak_memory_mib() > 10


def test_fresh_process_rejects_unknown_model_before_starting():
    from utils.catalog import UnknownModelError

    with pytest.raises(UnknownModelError, match="Known models"):
        bench.measure_in_fresh_process("no-such-model")
    with pytest.raises(ValueError, match="new_tokens"):
        bench.measure_in_fresh_process("smollm2-135m-instruct", new_tokens=-1)


def test_size_table_uses_the_installed_gguf():
    from utils.models import gguf_path

    layer = torch.nn.Linear(10, 10, bias=False)
    row = bench.size_table("smollm2-135m-instruct", layer)
    assert row["float32 in memory (MiB)"] == round(400 / 2**20, 1)
    assert row["GGUF type"] == "Q4_1 (4-bit)"
    assert row["GGUF file, 4-bit (MiB)"] == round(gguf_path("smollm2-135m-instruct").stat().st_size / 2**20, 1)
