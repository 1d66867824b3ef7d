"""Exercises of lesson 04: the LLaMA lineage (notebooks/04_llama_lineage.ipynb)."""
from __future__ import annotations

from . import close, exercise

DERIVED = ("fine-tuned", "adapter", "continued pretraining", "pruned and distilled")


def _llama3_8b():
    from ..architecture import from_llama_params

    return from_llama_params("Llama 3 8B", dim=4096, n_layers=32, n_heads=32, n_kv_heads=8, vocab_size=128256,
                             multiple_of=1024, ffn_dim_multiplier=1.3)


def _llama3_8b_total():
    from ..architecture import count_parameters

    return count_parameters(_llama3_8b())["total"]


def _llama3_8b_tied():
    from dataclasses import replace

    from ..architecture import count_parameters

    return count_parameters(replace(_llama3_8b(), tied_embeddings=True))["total"]


@exercise("04.1", "Total parameters of Llama 3 8B, from its published dimensions (assets/lineage_dimensions.csv).",
          solution=_llama3_8b_total, wrong=_llama3_8b_tied)
def check_llama3_params(answer):
    value = float(answer)
    target = _llama3_8b_total()
    if close(value, target, rel=0.001):
        return True, ("Over a billion of those parameters sit in the 128K-token embedding and output matrices: "
                      "a big vocabulary costs parameters.")
    if value < 1000:
        return False, "Give the number of parameters itself (about eight thousand million), not a count in billions."
    if close(value, _llama3_8b_tied(), rel=0.001):
        return False, ("You counted the vocabulary matrix once. Meta's models do not tie the output layer to the "
                       "embedding: check tied_embeddings in your configuration.")
    return False, ("Not that. Build the configuration with from_llama_params() from the Llama 3 8B row "
                   "(do not forget n_kv_heads and ffn_dim_multiplier), then take count_parameters(...)['total'].")


def _kv_70b_gib(kv_heads=8, bytes_per_value=2):
    return 2 * 80 * kv_heads * 128 * 4096 * bytes_per_value / 2**30


@exercise("04.2", "Key-value cache of Llama 2 70B for one 4,096-token sequence in 16-bit numbers, in GiB.",
          solution=lambda: _kv_70b_gib(), wrong=lambda: _kv_70b_gib(kv_heads=64))
def check_kv_cache(answer):
    value = float(answer)
    if close(value, _kv_70b_gib()):
        return True, "Grouped-query attention keeps it small: 64 query heads share 8 key-value heads."
    if close(value, _kv_70b_gib(kv_heads=64)):
        return False, "That is the size with one key-value head per query head. Llama 2 70B uses grouped-query attention."
    if close(value, _kv_70b_gib(bytes_per_value=4)):
        return False, "16-bit numbers take 2 bytes each, not 4."
    if close(value, _kv_70b_gib() / 2):
        return False, "The cache stores keys and values: count both."
    if close(value, _kv_70b_gib() * 2**30) or close(value, _kv_70b_gib() * 2**30 / 1e9):
        return False, "Right size, wrong unit: convert bytes to GiB by dividing by 2**30."
    return False, "Not that. Use kv_cache_bytes() with the 70B configuration, 4096 tokens and 2 bytes per value."


def _lineage():
    from ..data import read_table

    return read_table("lineage_models.csv", date_columns=["date"])


def _derived_from_llama2():
    from ..architecture import descendants

    return set(descendants(_lineage(), "Llama 2", relations=DERIVED))


@exercise("04.3", "The set of models in the tree derived from Llama 2's weights, directly or through another model.",
          solution=_derived_from_llama2, wrong=lambda: _derived_from_llama2() | {"Llama 3", "Llama 3.1", "Llama 3.2"})
def check_derived(answer):
    if isinstance(answer, str):
        return False, "Give a set (or list) of model names, e.g. {'Model A', 'Model B'}."
    names = {str(a).strip() for a in answer}
    target = _derived_from_llama2()
    known = set(_lineage()["model"])
    unknown = sorted(names - known)
    if unknown:
        return False, f"These are not names in the tree's `model` column: {unknown}."
    extra, missing = names - target, target - names
    if not extra and not missing:
        return True, "Each of them starts from Llama 2's weights; the Llama 3 models were trained from scratch."
    hints = []
    if extra:
        hints.append(f"{sorted(extra)} did not start from Llama 2's weights (look at the relation column: "
                     "'next generation' means trained from scratch)")
    if missing:
        hints.append(f"{len(missing)} derived model(s) are missing")
    return False, "; ".join(hints) + "."


@exercise("04.4", "Which recipe learns from pairs of a preferred and a rejected answer without training a reward model?",
          solution="DPO", wrong="RLHF")
def check_recipe(answer):
    text = str(answer).strip().lower()
    if text in {"dpo", "direct preference optimization", "direct preference optimisation"}:
        return True, "DPO turns preference pairs into a simple loss: no reward model, no PPO loop."
    if text in {"rlhf", "ppo", "rejection sampling"}:
        return False, "That recipe uses the same kind of pairs, but first trains a reward model on them."
    return False, "Not that one. Print the recipes that use preference pairs and read what each one trains."
