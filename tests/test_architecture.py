"""Lesson 04's formulas (utils.lessons.lesson04) and the configurations they take (utils.architecture), checked
against hand-computed and published values and against the loaded models."""
import dataclasses

import pytest

from utils import architecture as arch
from utils.lessons.lesson04 import count_parameters_from_config, kv_cache_bytes, llama_ffn_dim

# The two bundled models' configs as transformers reads them (config.json of the local copies).
SMOLLM2 = dict(model_type="llama", vocab_size=49152, hidden_size=576, num_hidden_layers=30, num_attention_heads=9,
               num_key_value_heads=3, head_dim=64, intermediate_size=1536, tie_word_embeddings=True)
GEMMA3 = dict(model_type="gemma3_text", vocab_size=262144, hidden_size=640, num_hidden_layers=18,
              num_attention_heads=4, num_key_value_heads=1, head_dim=256, intermediate_size=2048,
              tie_word_embeddings=True)


def test_smollm2_count_by_hand():
    counts = count_parameters_from_config(arch.from_hf_config(SMOLLM2, "SmolLM2"))
    assert counts["embedding"] == 49152 * 576
    assert counts["attention"] == 30 * (576 * 576 * 2 + 2 * 576 * 192)
    assert counts["mlp"] == 30 * 3 * 576 * 1536
    assert counts["norms"] == 30 * 2 * 576 + 576
    assert counts["lm_head"] == 0  # tied to the embedding
    assert counts["total"] == 134_515_008  # the catalog's count of the loaded model


def test_gemma3_count():
    counts = count_parameters_from_config(arch.from_hf_config(GEMMA3, "Gemma 3"))
    assert counts["attention"] == 18 * (640 * 1024 * 2 + 2 * 640 * 256)  # q/o are 4 x 256 = 1024 wide
    assert counts["norms"] == 18 * (4 * 640 + 2 * 256) + 640  # four block norms, q_norm and k_norm
    assert counts["total"] == 268_098_176


def test_untying_adds_one_vocabulary_matrix():
    cfg = arch.from_hf_config(SMOLLM2, "SmolLM2")
    untied = count_parameters_from_config(dataclasses.replace(cfg, tied_embeddings=False))
    assert untied["lm_head"] == 49152 * 576 and untied["total"] == 134_515_008 + 49152 * 576


def test_llama_ffn_rule():
    assert llama_ffn_dim(4096, 256) == 11008  # LLaMA 7B
    assert llama_ffn_dim(5120, 256) == 13824  # LLaMA 13B
    assert llama_ffn_dim(8192, 4096, 1.3) == 28672  # Llama 2 70B
    assert llama_ffn_dim(4096, 1024, 1.3) == 14336  # Llama 3 8B
    assert llama_ffn_dim(2048, 256, 1.5) == 8192  # Llama 3.2 1B


def test_published_dimensions_give_the_published_sizes():
    expected = {  # total, MLP width in the released checkpoints' config.json, published size
        "LLaMA 7B": (6_738_415_616, 11008, 6.7),
        "Llama 2 70B": (68_976_648_192, 28672, 69.0),  # published as "70B"
        "Llama 3 8B": (8_030_261_248, 14336, 8.0),
        "Llama 3.2 1B": (1_235_814_400, 8192, 1.24),  # model card: "1B (1.23B)", shared embeddings
    }
    table = arch.dimensions_table()
    assert set(expected) <= set(table.index)
    for model, (total, width, billions) in expected.items():
        cfg = arch.from_dimensions(model)
        assert cfg.intermediate_size == width, model
        assert count_parameters_from_config(cfg)["total"] == total, model
        assert round(total / 1e9, 2 if billions < 2 else 1) == billions, model
    assert arch.from_dimensions("Llama 3.2 1B").tied_embeddings and not arch.from_dimensions("Llama 3 8B").tied_embeddings
    assert round(1_235_814_400 / 1e9, 2) == 1.24 and int(1_235_814_400 / 1e7) / 100 == 1.23  # Meta truncates: 1.23B


def test_kv_cache_formula():
    smol = arch.from_hf_config(SMOLLM2, "SmolLM2")
    assert kv_cache_bytes(smol, 200, bytes_per_value=4) == 2 * 30 * 3 * 64 * 200 * 4 == 9_216_000
    assert kv_cache_bytes(smol.with_kv_heads(9), 200, bytes_per_value=4) == 3 * 9_216_000
    assert kv_cache_bytes(arch.from_dimensions("LLaMA 7B"), 2048) == 2**30  # 1 GiB per 2048-token sequence, float16
    seventy_b = arch.from_dimensions("Llama 2 70B")
    assert kv_cache_bytes(seventy_b, 4096) == 1_342_177_280
    assert kv_cache_bytes(seventy_b, 4096, batch=3) == 3 * 1_342_177_280


def test_bad_inputs_have_clear_errors():
    with pytest.raises(arch.ArchitectureError, match="not supported"):
        arch.from_hf_config({**SMOLLM2, "model_type": "gpt2"})
    with pytest.raises(arch.ArchitectureError, match="multiple of num_kv_heads"):
        arch.from_hf_config(SMOLLM2, "x").with_kv_heads(2)
    with pytest.raises(arch.ArchitectureError, match="bias"):
        arch.from_hf_config({**SMOLLM2, "attention_bias": True})
    with pytest.raises(arch.ArchitectureError, match="positive whole number"):
        arch.from_hf_config({**SMOLLM2, "num_hidden_layers": 0})
    with pytest.raises(arch.ArchitectureError, match="Known models"):
        arch.from_dimensions("GPT-5")
    with pytest.raises(arch.ArchitectureError, match="not a multiple"):
        arch.from_llama_params("x", dim=100, n_layers=1, n_heads=3, vocab_size=10, multiple_of=8)
    with pytest.raises(arch.ArchitectureError, match="component"):
        arch.component_of("model.layers.0.unknown.weight")


def test_component_names():
    assert arch.component_of("model.layers.3.self_attn.q_norm.weight") == "norms"
    assert arch.component_of("model.layers.3.self_attn.k_proj.weight") == "attention"
    assert arch.component_of("model.layers.3.mlp.down_proj.weight") == "mlp"
    assert arch.component_of("model.embed_tokens.weight") == "embedding"
    assert arch.config_summary(arch.from_hf_config(SMOLLM2, "s"))["query heads per kv head"] == 3


@pytest.mark.slow  # runs both models with a growing cache (about 11 s)
@pytest.mark.parametrize("fixture", ["smol", "gemma"])
def test_formula_equals_the_loaded_model_and_the_measured_cache(fixture, request):
    torch = pytest.importorskip("torch")
    from utils.catalog import CATALOG

    _, model = request.getfixturevalue(fixture)
    name = {"smol": "smollm2-135m-instruct", "gemma": "gemma-3-270m"}[fixture]
    cfg = arch.from_hf_config(model.config, name)
    loaded = arch.count_loaded_parameters(model)
    assert count_parameters_from_config(cfg) == loaded
    assert loaded["total"] == CATALOG[name].parameters
    if fixture == "smol":  # every layer attends to everything: the formula is exact
        with torch.inference_mode():
            out = model.model(torch.arange(100, 150).unsqueeze(0), use_cache=True)
        assert arch.measured_kv_cache_bytes(out.past_key_values) == kv_cache_bytes(cfg, 50, bytes_per_value=4)
