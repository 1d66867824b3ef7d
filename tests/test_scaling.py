"""Lesson 03: the scaling-law formulas against published values, the data files, the tiny training run."""
import math

import numpy as np
import pandas as pd
import pytest

from utils import scaling, tinytrain
from utils.data import read_table

# ---------------------------------------------------------------- published constants


def test_chinchilla_constants_as_published():
    # Hoffmann et al. 2022, arXiv 2203.15556, App. D.2 Eq. 10
    f = scaling.CHINCHILLA
    assert (f.E, f.A, f.B, f.alpha, f.beta) == (1.69, 406.4, 410.7, 0.34, 0.28)


def test_besiroglu_constants_as_published():
    # Besiroglu et al. 2024, arXiv 2404.10102 (epoch-research/analyzing-chinchilla notebook)
    f = scaling.BESIROGLU
    assert (round(f.E, 2), f.A, f.B, f.alpha, f.beta) == (1.82, 482.01, 2085.43, 0.3478, 0.3658)


def test_kaplan_constants_as_published():
    k = scaling.KAPLAN  # Kaplan et al. 2020, arXiv 2001.08361, Eqs. 1.1-1.3
    assert (k["alpha_N"], k["N_c"], k["alpha_D"], k["D_c"], k["alpha_C"], k["C_c_pf_days"]) == (
        0.076, 8.8e13, 0.095, 5.4e13, 0.050, 3.1e8)


def test_constants_csv_matches_module():
    table = read_table("scaling_constants.csv", required=("fit", "parameter", "value"))
    for row in table.itertuples():
        if row.fit == "kaplan":
            expected = scaling.KAPLAN[row.parameter]
        else:
            expected = getattr(scaling.get_fit(row.fit), row.parameter)
        assert float(row.value) == pytest.approx(expected, rel=1e-9), (row.fit, row.parameter)


def test_frontier_exponents_match_table2():
    # Table 2 of Hoffmann et al.: Approach 3 a = 0.46, b = 0.54 (from the unrounded fit)
    assert scaling.CHINCHILLA_UNROUNDED.a == pytest.approx(0.46, abs=0.005)
    assert scaling.CHINCHILLA_UNROUNDED.b == pytest.approx(0.54, abs=0.005)
    assert scaling.BESIROGLU.a == pytest.approx(0.513, abs=0.001)  # "a ≈ 0.513" in the replication


# ---------------------------------------------------------------- formulas


def test_6nd_llama_65b():
    # LLaMA 65B (65.2B parameters) on 1.4T tokens: about 5.5e23 FLOPs
    assert scaling.training_flops(65.2e9, 1.4e12) == pytest.approx(5.5e23, rel=0.01)
    assert scaling.training_flops(70e9, 1.4e12) == pytest.approx(5.88e23)  # Chinchilla


def test_closed_form_is_the_constrained_minimum():
    for key in scaling.FITS:
        C = 1e22
        N, D = scaling.compute_optimal(C, key)
        assert 6 * N * D == pytest.approx(C, rel=1e-9)
        best = scaling.chinchilla_loss(N, D, key)
        for factor in (0.8, 0.95, 1.05, 1.25):  # moving along the iso-FLOP line only raises the loss
            assert scaling.chinchilla_loss(N * factor, D / factor, key) > best


def test_gopher_budget_rounded_vs_unrounded():
    # facts: rounded constants give ~32B / 3.0T; unrounded exponents give ~40.4B / 2.4T (paper: "40B", Fig. 4)
    N, D = scaling.compute_optimal(5.76e23, "chinchilla")
    assert N == pytest.approx(32.2e9, rel=0.01) and D == pytest.approx(2.98e12, rel=0.01)
    N, D = scaling.compute_optimal(5.76e23, "chinchilla-unrounded")
    assert N == pytest.approx(40.4e9, rel=0.01) and D == pytest.approx(2.38e12, rel=0.01)


def test_besiroglu_about_20_tokens_per_parameter():
    for C in (1e20, 1e22, 1e24, 1e26):
        assert 16 <= scaling.optimal_tokens_per_parameter(C, "besiroglu") <= 23


def test_table3_rows_reproduced():
    table = read_table("scaling_chinchilla_table3.csv")
    out = scaling.reproduce_table3(table)
    # C = 6ND in Table 3 (the 67B row's 1.5T is rounded: 5.76e23 / (6 * 67e9) = 1.43T)
    assert np.allclose(out["6ND / FLOPs"], 1.0, atol=0.05)
    # Approach 1 (a = 0.50, anchored at Chinchilla) gives every row's N within 5 %
    assert np.allclose(out["Approach 1 N (B)"], out["paper N (B)"], rtol=0.05)
    # published rows: 1B -> 20.2B tokens, 10B -> 205.1B, 67B -> 1.5T
    rows = dict(zip(table["params"], table["tokens"]))
    assert rows[1e9] == 20.2e9 and rows[1e10] == 205.1e9 and rows[6.7e10] == 1.5e12
    # Approach 3 (published constants) predicts smaller models at every budget
    assert (out["chinchilla N (B)"] < out["paper N (B)"]).all()


def test_table3_exponent_is_approach1():
    table = read_table("scaling_chinchilla_table3.csv")
    a = np.polyfit(np.log(table["FLOPs"]), np.log(table["params"]), 1)[0]
    assert a == pytest.approx(scaling.TABLE2_EXPONENTS["Approach 1"][0], abs=0.01)


def test_kaplan_laws():
    assert scaling.kaplan_loss_N(8.8e13) == pytest.approx(1.0)
    assert scaling.kaplan_loss_D(5.4e13) == pytest.approx(1.0)
    assert scaling.kaplan_loss_C(3.1e8 * scaling.PF_DAY) == pytest.approx(1.0)
    assert scaling.kaplan_loss_N(1e10) / scaling.kaplan_loss_N(1e9) == pytest.approx(10 ** -0.076)
    n, d = scaling.kaplan_growth(10)
    assert n == pytest.approx(10 ** 0.73) and d == pytest.approx(10 ** 0.27)


def test_inference_tradeoff():
    target = scaling.chinchilla_loss(10e9, 200e9, "besiroglu")
    r = scaling.inference_tradeoff(6.7e9, target, 1e12, "besiroglu")
    assert scaling.chinchilla_loss(6.7e9, r["D_small"], "besiroglu") == pytest.approx(target)
    assert r["C_small"] > r["C_opt"] and r["extra_training_flops"] > 0
    assert r["break_even_tokens"] == pytest.approx(r["extra_training_flops"] / (2 * (r["N_opt"] - 6.7e9)))
    assert r["break_even_tokens"] == pytest.approx(1.24e11, rel=0.02)
    assert scaling.optimal_loss(r["C_opt"], "besiroglu") == pytest.approx(target, rel=1e-6)


def test_power_law_fit_recovers_exponent():
    x = np.logspace(3, 6, 7)
    alpha, k = scaling.fit_power_law(x, 5.0 * x ** -0.076)
    assert alpha == pytest.approx(0.076) and k == pytest.approx(5.0)


@pytest.mark.parametrize("call", [
    lambda: scaling.training_flops(-1, 1e9),
    lambda: scaling.compute_optimal(0),
    lambda: scaling.get_fit("kaplan2"),
    lambda: scaling.fit_power_law([1, 2], [1]),
    lambda: scaling.inference_tradeoff(1e9, 1.0, 1e12, "besiroglu"),  # below E
    lambda: scaling.reproduce_table3(pd.DataFrame({"params": [1.0]})),
])
def test_bad_input_raises_clear_error(call):
    with pytest.raises(ValueError):
        call()


def test_tokens_for_loss_unreachable_is_inf():
    assert math.isinf(scaling.tokens_for_loss(1e3, 1.70))


def test_figure_numbers_are_rounded():
    models = read_table("scaling_models.csv")
    fig = scaling.nd_plane_figure(1e23, "besiroglu", models, points=10)
    for trace in fig.data:
        for axis in ("x", "y"):
            values = np.asarray(getattr(trace, axis), dtype=float).ravel()
            assert np.allclose(values, np.round(values, 3))


# ---------------------------------------------------------------- data files


def test_models_file():
    models = read_table("scaling_models.csv", required=("model", "params", "tokens", "openness"))
    assert models["model"].is_unique
    assert models["params"].between(1e8, 1e12).all() and models["tokens"].between(1e11, 1e14).all()
    assert (models["retrieved"] <= pd.Timestamp.today()).all()
    needed = {"GPT-3", "Gopher", "Chinchilla", "LLaMA 7B", "LLaMA 65B", "Llama 2 70B", "Llama 3 8B",
              "Llama 3 70B", "SmolLM2-135M", "Gemma 3 270M"}
    assert needed <= set(models["model"])
    by = models.set_index("model")
    assert by.loc["LLaMA 65B", "tokens"] == 1.4e12 and by.loc["Chinchilla", "tokens"] / by.loc["Chinchilla", "params"] == 20
    assert not models["source"].str.contains("UNVERIFIED").any()


def test_table3_file():
    table = read_table("scaling_chinchilla_table3.csv", required=("params", "FLOPs", "tokens"))
    assert len(table) == 9 and table["params"].is_monotonic_increasing and table["FLOPs"].is_monotonic_increasing
    assert (table["tokens"] / table["params"]).between(19.5, 22.5).all()


def test_corpus_and_licence_shipped():
    text = tinytrain.load_corpus()
    assert len(text) > 300_000 and set(text) <= set(tinytrain.VOCAB)
    from utils.paths import asset
    assert "PYTHON SOFTWARE FOUNDATION LICENSE" in asset("scaling_corpus_LICENSE.txt").read_text()


# ---------------------------------------------------------------- tiny training (smoke test, a few seconds)


def test_tiny_training_smoke_and_deterministic():
    corpus = tinytrain.load_corpus(40_000)
    sizes = tinytrain.SIZES[:2]
    a = tinytrain.run_series(sizes, tokens=8 * 16 * 32, batch_size=16, context=32, progress=None, corpus=corpus)
    b = tinytrain.run_series(sizes, tokens=8 * 16 * 32, batch_size=16, context=32, progress=None, corpus=corpus)
    assert list(a["loss"]) == list(b["loss"])  # seeded, one thread: identical
    assert (a["loss"] < math.log(len(tinytrain.VOCAB)) + 0.5).all()
    assert (a["non_embedding_params"].diff().dropna() > 0).all()
    assert (a["flops"] == 6 * a["non_embedding_params"] * a["tokens"]).all()


def test_tiny_model_is_llama():
    model = tinytrain.make_model(tinytrain.SIZES[0])
    assert type(model).__name__ == "LlamaForCausalLM"
    total, non_embedding = tinytrain.count_params(model)
    assert total - non_embedding == len(tinytrain.VOCAB) * tinytrain.SIZES[0].hidden


def test_tiny_bad_input():
    with pytest.raises(ValueError):
        tinytrain.TinySize("bad", hidden=30, layers=1, heads=4)
    with pytest.raises(ValueError):
        tinytrain.train_one(tinytrain.SIZES[0], tokens=10)
    assert tinytrain.decode(tinytrain.encode("def f():\n\treturn 1")) == "def f():\n    return 1"
