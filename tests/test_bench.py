"""utils.bench: the decode bound by hand, smoke tests of the measurements, and the fresh-process measurement."""
import pytest
import torch

from utils import bench


def test_weight_bytes_and_decode_bound():
    layer = torch.nn.Linear(10, 10, bias=False)  # 100 float32 parameters = 400 bytes
    assert bench.weight_bytes(layer) == 400
    assert bench.decode_upper_bound(layer, bandwidth_gbs=1.0) == pytest.approx(1e9 / 400)
    assert bench.weight_bytes(layer.to(torch.bfloat16)) == 200


def test_measurements_smoke():
    """A smoke test: the numbers vary by machine, so only their plausibility is checked."""
    assert bench.memory_bandwidth_gbs(size_mib=8, repeats=2) > 0.1
    assert bench.peak_memory_mib() > 10


def test_fresh_process_rejects_unknown_model_before_starting():
    from utils.catalog import UnknownModelError

    with pytest.raises(UnknownModelError, match="Known models"):
        bench.measure_in_fresh_process("no-such-model")
    with pytest.raises(ValueError, match="new_tokens"):
        bench.measure_in_fresh_process("smollm2-135m-instruct", new_tokens=-1)


@pytest.mark.slow
def test_fresh_process_measures_a_real_model():
    """``python -m utils.bench`` in a child process: one JSON result with every number scripts/benchmark.py prints."""
    from utils.catalog import CATALOG

    result = bench.measure_in_fresh_process("smollm2-135m-instruct", new_tokens=3, prefill_tokens=8, repeat_load=True,
                                            threads=1)
    assert result["load_source"] == "local copy"
    assert result["weight_bytes"] == 4 * CATALOG["smollm2-135m-instruct"].parameters
    assert result["threads"] == 1
    for key in ("import_s", "load_s", "repeat_load_s", "time_to_first_token_s", "decode_tokens_per_s",
                "prefill_tokens_per_s", "peak_memory_mib"):
        assert result[key] > 0, key
    assert result["peak_memory_mib"] > result["weight_bytes"] / 2**20  # the child held the float32 weights
