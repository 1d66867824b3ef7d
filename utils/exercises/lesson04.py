"""Exercises of lesson 04: the LLaMA lineage (notebooks/04_llama_lineage.ipynb).

The dimensions come from the one reader of assets/lineage_dimensions.csv (``architecture.from_dimensions``);
the expected values are computed here in closed form, independently of the lesson's formula, so that a
wrong ``count_parameters_from_config`` or ``kv_cache_bytes`` cannot pass its own exercise.
"""
from __future__ import annotations

from ..i18n import tr
from . import close, exercise


def _config(model: str):
    from ..architecture import from_dimensions

    return from_dimensions(model)


def _llama_total(model: str, tied: bool | None = None) -> int:
    """A LLaMA-family model's parameters in closed form: per block 2d² (query, output) + 2d·kv (key, value)
    + 3d·ffn (MLP) + 2d (norms); a final norm; the vocabulary matrix once, or twice without tying."""
    cfg = _config(model)
    d, kv = cfg.hidden_size, cfg.num_kv_heads * cfg.head_dim
    tied = cfg.tied_embeddings if tied is None else tied
    per_block = 2 * d * d + 2 * d * kv + 3 * d * cfg.intermediate_size + 2 * d
    return cfg.num_layers * per_block + d + (1 if tied else 2) * cfg.vocab_size * d


def _solution_total(model: str, tied: bool | None = None) -> int:
    """The solution as the lesson computes it, with the lesson's exported formula."""
    from dataclasses import replace

    from ..lessons.lesson04 import count_parameters_from_config

    cfg = _config(model)
    if tied is not None:
        cfg = replace(cfg, tied_embeddings=tied)
    return count_parameters_from_config(cfg)["total"]


# -- 04.1 -------------------------------------------------------------------------------------------
@exercise("04.1", "Total parameters of Llama 3 8B, from its published dimensions (assets/lineage_dimensions.csv).",
          solution=lambda: _solution_total("Llama 3 8B"), wrong=lambda: _solution_total("Llama 3 8B", tied=True))
def check_llama3_params(answer):
    value = float(answer)
    if close(value, _llama_total("Llama 3 8B"), rel=0.001):
        return True, tr("Over a billion of those parameters sit in the 128K-token embedding and output matrices: "
                      "a big vocabulary costs parameters.")
    if value < 1000:
        return False, tr("Give the number of parameters itself (about eight thousand million), not a count in billions.")
    if close(value, _llama_total("Llama 3 8B", tied=True), rel=0.001):
        return False, tr("You counted the vocabulary matrix once. Llama 3 8B keeps a separate output layer: check "
                       "tied_embeddings in your configuration.")
    return False, tr("Not that. Build the configuration with arch.from_dimensions() from the Llama 3 8B row, then take "
                   "count_parameters_from_config(...)['total'].")


# -- 04.2 -------------------------------------------------------------------------------------------
@exercise("04.2", "Parameters of Llama 3.2 1B counted from its dimensions: the count that matches the published 1.23B.",
          solution=lambda: _solution_total("Llama 3.2 1B"), wrong=lambda: _solution_total("Llama 3.2 1B", tied=False))
def check_llama32_tied(answer):
    value = float(answer)
    if close(value, _llama_total("Llama 3.2 1B"), rel=0.001):
        return True, tr("The shared embedding matrix makes the difference: a separate output layer would add "
                      "vocabulary x width parameters, about a fifth of this model.")
    if close(value, _llama_total("Llama 3.2 1B", tied=False), rel=0.001):
        return False, tr("That count has a separate output layer: does it round to the published 1.23B? The model "
                       "card says the embeddings are shared.")
    if value < 1000:
        return False, tr("Give the number of parameters itself (over a thousand million), not a count in billions.")
    return False, tr("Not that. Build the configuration with arch.from_dimensions('Llama 3.2 1B'), count it with "
                   "count_parameters_from_config, and compare with 1.23B.")


# -- 04.3 -------------------------------------------------------------------------------------------
def _kv_70b_gib(kv_heads: int | None = None, bytes_per_value: int = 2) -> float:
    cfg = _config("Llama 2 70B")
    kv_heads = cfg.num_kv_heads if kv_heads is None else kv_heads
    return 2 * cfg.num_layers * kv_heads * cfg.head_dim * 4096 * bytes_per_value / 2**30


@exercise("04.3", "Key-value cache of Llama 2 70B for one 4,096-token sequence in 16-bit numbers, in GiB.",
          solution=lambda: _kv_70b_gib(), wrong=lambda: _kv_70b_gib(kv_heads=_config("Llama 2 70B").num_heads))
def check_kv_cache(answer):
    value = float(answer)
    if close(value, _kv_70b_gib()):
        return True, tr("Grouped-query attention keeps it small: 64 query heads share 8 key-value heads.")
    if close(value, _kv_70b_gib(kv_heads=_config("Llama 2 70B").num_heads)):
        return False, tr("That is the size with one key-value head per query head. Llama 2 70B uses grouped-query attention.")
    if close(value, _kv_70b_gib(bytes_per_value=4)):
        return False, tr("16-bit numbers take 2 bytes each, not 4.")
    if close(value, _kv_70b_gib() / 2):
        return False, tr("The cache stores keys and values: count both.")
    if close(value, _kv_70b_gib() * 2**30) or close(value, _kv_70b_gib() * 2**30 / 1e9):
        return False, tr("Right size, wrong unit: convert bytes to GiB by dividing by 2**30.")
    return False, tr("Not that. Use kv_cache_bytes() with the 70B configuration, 4096 tokens and 2 bytes per value.")


# -- 04.4 -------------------------------------------------------------------------------------------
def _lineage():
    from ..lineage import load_lineage

    return load_lineage()


def _built_on(ancestor: str) -> set[str]:
    """Models whose chain of parents reaches ``ancestor`` through weight-derived edges only (walked upwards,
    independently of ``lineage.descendants``, which walks downwards)."""
    from ..lineage import DERIVED

    df = _lineage()
    parent = dict(zip(df["model"], df["parent"]))
    relation = dict(zip(df["model"], df["relation"]))
    found = set()
    for model in df["model"]:
        node = model
        while isinstance(parent.get(node), str) and relation[node] in DERIVED:
            node = parent[node]
            if node == ancestor:
                found.add(model)
                break
    return found


def _solution_derived():
    from ..lineage import DERIVED, descendants

    return set(descendants(_lineage(), "Llama 2", relations=DERIVED))


@exercise("04.4", "The set of models in the tree derived from Llama 2's weights, directly or through another model.",
          solution=_solution_derived, wrong=lambda: _solution_derived() | {"Llama 3", "Llama 3.1", "Llama 3.2"})
def check_derived(answer):
    if isinstance(answer, str):
        return False, tr("Give a set (or list) of model names, e.g. {'Model A', 'Model B'}.")
    names = {str(a).strip() for a in answer}
    target = _built_on("Llama 2")
    unknown = sorted(names - set(_lineage()["model"]))
    if unknown:
        return False, tr("These are not names in the tree's `model` column: {unknown}.", unknown=unknown)
    extra, missing = names - target, target - names
    if not extra and not missing:
        return True, tr("Each of them starts from Llama 2's weights; the Llama 3 models were trained from scratch.")
    hints = []
    if extra:
        hints.append(tr("{extra} did not start from Llama 2's weights (look at the relation column: "
                        "'next generation' means trained from scratch)", extra=sorted(extra)))
    if missing:
        hints.append(tr("{count} derived model(s) are missing", count=len(missing)))
    return False, tr("{hints}.", hints="; ".join(hints))


# -- 04.5 -------------------------------------------------------------------------------------------
@exercise("04.5", "Which recipe learns from pairs of a preferred and a rejected answer without training a reward model?",
          solution="DPO", wrong="RLHF")
def check_recipe(answer):
    text = str(answer).strip().lower()
    if text in {"dpo", "direct preference optimization", "direct preference optimisation"}:
        return True, tr("DPO turns preference pairs into a simple loss: no reward model, no PPO loop.")
    if text in {"rlhf", "ppo", "rejection sampling"}:
        return False, tr("That recipe uses the same kind of pairs, but first trains a reward model on them.")
    return False, tr("Not that one. Print the recipes that use preference pairs and read what each one trains.")


# -- 04.6 -------------------------------------------------------------------------------------------
def _table4_gaps_to_gpt4() -> dict[str, float]:
    """Llama 2 70B minus GPT-4 per benchmark of the Llama 2 paper's Table 4, where both are printed."""
    import pandas as pd

    from ..data import read_table

    df = read_table("llama_vs_closed.csv")
    df = df[df["paper_table"].str.startswith("Llama 2 Table 4")]
    scores = pd.to_numeric(df["score"])
    llama = dict(zip(df.loc[df["model"] == "Llama 2 70B", "benchmark"], scores[df["model"] == "Llama 2 70B"]))
    gpt4 = dict(zip(df.loc[df["model"] == "GPT-4", "benchmark"], scores[df["model"] == "GPT-4"]))
    return {b: round(llama[b] - gpt4[b], 1) for b in llama if pd.notna(gpt4.get(b)) and pd.notna(llama[b])}


def _widest_gap() -> str:
    gaps = _table4_gaps_to_gpt4()
    return min(gaps, key=gaps.get)


@exercise("04.6", "On which benchmark of the Llama 2 paper's Table 4 is Llama 2 70B furthest behind GPT-4? "
          "Give the benchmark's name as printed in the `benchmark` column.",
          solution=_widest_gap, wrong="GSM8K")
def check_widest_gap(answer):
    gaps = _table4_gaps_to_gpt4()
    text = str(answer).strip().lower()
    names = {b.lower(): b for b in gaps}
    if text not in names:
        return False, tr("Give one of the benchmarks printed for both models: {benchmarks}. The others have "
                         "'–' for GPT-4 in the table.", benchmarks=sorted(gaps))
    if names[text] == _widest_gap():
        return True, tr("Right: code generation, where the open model of July 2023 was furthest behind.")
    return False, tr("Llama 2 is behind there, but not by the most points. Compute Llama 2 70B minus GPT-4 per row.")
