"""Lesson 04 helpers (utils/architecture.py): parameter counts per component, the KV-cache formula, and the
family-tree functions, checked against hand-computed and published values and against the loaded models."""
import pandas as pd
import pytest

from utils import architecture as arch

# The two bundled models' configs as transformers reads them (config.json of the local copies).
SMOLLM2 = dict(model_type="llama", vocab_size=49152, hidden_size=576, num_hidden_layers=30, num_attention_heads=9,
               num_key_value_heads=3, head_dim=64, intermediate_size=1536, tie_word_embeddings=True)
GEMMA3 = dict(model_type="gemma3_text", vocab_size=262144, hidden_size=640, num_hidden_layers=18,
              num_attention_heads=4, num_key_value_heads=1, head_dim=256, intermediate_size=2048,
              tie_word_embeddings=True)


def test_smollm2_count_by_hand():
    counts = arch.count_parameters(arch.from_hf_config(SMOLLM2, "SmolLM2"))
    assert counts["embedding"] == 49152 * 576
    assert counts["attention"] == 30 * (576 * 576 * 2 + 2 * 576 * 192)
    assert counts["mlp"] == 30 * 3 * 576 * 1536
    assert counts["norms"] == 30 * 2 * 576 + 576
    assert counts["lm_head"] == 0  # tied to the embedding
    assert counts["total"] == 134_515_008  # the catalog's count of the loaded model


def test_gemma3_count():
    counts = arch.count_parameters(arch.from_hf_config(GEMMA3, "Gemma 3"))
    assert counts["attention"] == 18 * (640 * 1024 * 2 + 2 * 640 * 256)  # q/o are 4 x 256 = 1024 wide
    assert counts["norms"] == 18 * (4 * 640 + 2 * 256) + 640  # four block norms, q_norm and k_norm
    assert counts["total"] == 268_098_176


def test_llama_ffn_rule():
    assert arch.llama_ffn_dim(4096, 256) == 11008  # LLaMA 7B
    assert arch.llama_ffn_dim(5120, 256) == 13824  # LLaMA 13B
    assert arch.llama_ffn_dim(8192, 4096, 1.3) == 28672  # Llama 2 70B
    assert arch.llama_ffn_dim(4096, 1024, 1.3) == 14336  # Llama 3 8B


def dims(model):
    row = pd.read_csv(arch_asset("lineage_dimensions.csv")).set_index("model").loc[model]
    mult = None if pd.isna(row["ffn_dim_multiplier"]) else float(row["ffn_dim_multiplier"])
    return arch.from_llama_params(model, int(row["dim"]), int(row["n_layers"]), int(row["n_heads"]),
                                  int(row["vocab_size"]), int(row["multiple_of"]), int(row["n_kv_heads"]), mult)


def arch_asset(name):
    from utils.paths import asset

    return asset(name)


def test_published_llama_sizes():
    assert arch.count_parameters(dims("LLaMA 7B"))["total"] == 6_738_415_616  # paper: 6.7B
    assert arch.count_parameters(dims("Llama 2 70B"))["total"] == 68_976_648_192  # "70B"
    assert arch.count_parameters(dims("Llama 3 8B"))["total"] == 8_030_261_248  # "8B"
    assert round(arch.count_parameters(dims("LLaMA 7B"))["total"] / 1e9, 1) == 6.7
    assert round(arch.count_parameters(dims("Llama 2 70B"))["total"] / 1e9) == 69  # published as "70B"


def test_kv_cache_formula():
    smol = arch.from_hf_config(SMOLLM2, "SmolLM2")
    assert arch.kv_cache_bytes(smol, 200, bytes_per_value=4) == 2 * 30 * 3 * 64 * 200 * 4 == 9_216_000
    assert arch.kv_cache_bytes(smol.with_kv_heads(9), 200, bytes_per_value=4) == 3 * 9_216_000
    seven_b = dims("LLaMA 7B")
    assert arch.kv_cache_bytes(seven_b, 2048) == 2**30  # 1 GiB per 2048-token sequence in float16
    seventy_b = dims("Llama 2 70B")
    assert arch.kv_cache_bytes(seventy_b, 4096) == 1_342_177_280
    assert arch.kv_cache_bytes(seventy_b, 4096, batch=3) == 3 * 1_342_177_280
    with pytest.raises(arch.ArchitectureError, match="tokens"):
        arch.kv_cache_bytes(smol, -1)


def test_bad_inputs_have_clear_errors():
    with pytest.raises(arch.ArchitectureError, match="not supported"):
        arch.from_hf_config({**SMOLLM2, "model_type": "gpt2"})
    with pytest.raises(arch.ArchitectureError, match="multiple of num_kv_heads"):
        arch.from_hf_config(SMOLLM2, "x").with_kv_heads(2)
    with pytest.raises(arch.ArchitectureError, match="bias"):
        arch.from_hf_config({**SMOLLM2, "attention_bias": True})
    with pytest.raises(TypeError, match="ArchConfig"):
        arch.count_parameters(SMOLLM2)
    with pytest.raises(arch.ArchitectureError, match="component"):
        arch.component_of("model.layers.0.unknown.weight")


def test_component_names():
    assert arch.component_of("model.layers.3.self_attn.q_norm.weight") == "norms"
    assert arch.component_of("model.layers.3.self_attn.k_proj.weight") == "attention"
    assert arch.component_of("model.layers.3.mlp.down_proj.weight") == "mlp"
    assert arch.component_of("model.embed_tokens.weight") == "embedding"


@pytest.mark.parametrize("name", ["smollm2-135m-instruct", "gemma-3-270m"])
def test_formula_equals_loaded_model_and_measured_cache(name):
    torch = pytest.importorskip("torch")
    from utils.catalog import CATALOG
    from utils.models import ModelNotAvailableError, load_model

    try:
        _, model = load_model(name, device="cpu")
    except ModelNotAvailableError as err:
        pytest.skip(str(err))
    cfg = arch.from_hf_config(model.config, name)
    table = arch.parameter_table(cfg, model=model)
    assert (table["difference"] == 0).all()
    assert arch.count_loaded_parameters(model)["total"] == CATALOG[name].parameters
    if name.startswith("smollm2"):  # every layer attends to everything: the formula is exact
        with torch.inference_mode():
            out = model(torch.arange(100, 150).unsqueeze(0), use_cache=True)
        assert arch.measured_kv_cache_bytes(out.past_key_values) == arch.kv_cache_bytes(cfg, 50, bytes_per_value=4)


# ------------------------------------------------------------------ family tree

def tiny_tree(**changes):
    rows = [
        dict(model="A", family="f", parent=None, relation=None, date="2023-01-01", date_precision="day"),
        dict(model="B", family="f", parent="A", relation="fine-tuned", date="2023-02-01", date_precision="day"),
        dict(model="C", family="f", parent="B", relation="adapter", date="2023-03", date_precision="month"),
        dict(model="D", family="g", parent="A", relation="next generation", date="2023-04-01", date_precision="day"),
    ]
    df = pd.DataFrame(rows)
    for col in ("params", "recipe", "licence", "source", "retrieved"):
        df[col] = "x"
    for key, value in changes.items():
        row, col = key.split("__")
        df.loc[df["model"] == row, col] = value
    return df


def test_descendants_and_relations():
    df = tiny_tree()
    assert arch.descendants(df, "A") == ["B", "D", "C"]
    assert arch.descendants(df, "A", relations=["fine-tuned", "adapter"]) == ["B", "C"]
    assert arch.children(df, "B") == ["C"]
    with pytest.raises(arch.LineageError, match="not in the tree"):
        arch.children(df, "Z")


def test_lineage_checks_catch_errors():
    arch.check_lineage(tiny_tree())
    with pytest.raises(arch.LineageError, match="not a row"):
        arch.check_lineage(tiny_tree(B__parent="Z"))
    with pytest.raises(arch.LineageError, match="cycle"):
        arch.check_lineage(tiny_tree(A__parent="C", A__relation="fine-tuned", A__date="2023-03-01"))
    with pytest.raises(arch.LineageError, match="dated before"):
        arch.check_lineage(tiny_tree(B__date="2022-12-01"))
    with pytest.raises(arch.LineageError, match="unknown relation"):
        arch.check_lineage(tiny_tree(B__relation="cloned"))
    with pytest.raises(arch.LineageError, match="unique"):
        arch.check_lineage(tiny_tree(C__model="B"))


def test_family_tree_figure():
    fig = arch.family_tree_figure(tiny_tree())
    names = [t.name for t in fig.data]
    assert names[:2] == ["fine-tuned or derived from", "next generation (trained from scratch)"]
    solid, dashed = fig.data[0], fig.data[1]
    assert len(solid.x) == 6 and len(dashed.x) == 3  # two solid edges, one dashed; None between segments
    nodes = [n for t in fig.data[2:] for n in t.text]
    assert sorted(nodes) == ["A", "B", "C", "D"]
    assert all("source:" in h for t in fig.data[2:] for h in t.hovertext)


def test_recipes_file():
    recipes = arch.read_recipes()
    assert {"self-instruct", "shared conversations", "distillation dialogues", "Evol-Instruct",
            "explanation traces", "self-chat", "QLoRA", "RLHF", "DPO"} <= set(recipes)
    assert set(recipes["DPO"]["example"]) >= {"prompt", "chosen", "rejected"}
    assert set(recipes["self-instruct"]["example"]) >= {"instruction", "input", "output"}
    with pytest.raises(KeyError, match="Known recipes"):
        arch.show_recipe(recipes, "nope")
