"""Lesson 03: the formulas the lesson writes out (utils.lessons.lesson03) against hand-computed and published
values, the helpers built on them (utils.scaling), the data files, and the tiny training run (utils.tinytrain)."""
import math

import numpy as np
import pandas as pd
import pytest

from utils import scaling, tinytrain
from utils.data import read_table
from utils.lessons import lesson03 as l03

# ---------------------------------------------------------------- published constants


def test_chinchilla_constants_as_published():
    # Hoffmann et al. 2022, arXiv 2203.15556, App. D.2 Eq. 10
    f = l03.CHINCHILLA
    assert (f.E, f.A, f.B, f.alpha, f.beta) == (1.69, 406.4, 410.7, 0.34, 0.28)


def test_besiroglu_constants_as_published():
    # Besiroglu et al. 2024, arXiv 2404.10102 (epoch-research/analyzing-chinchilla notebook)
    f = l03.BESIROGLU
    assert (round(f.E, 2), f.A, f.B, f.alpha, f.beta) == (1.82, 482.01, 2085.43, 0.3478, 0.3658)


def test_kaplan_constants_as_published():
    k = l03.KAPLAN  # Kaplan et al. 2020, arXiv 2001.08361, Eqs. 1.1-1.3
    assert (k["alpha_N"], k["N_c"], k["alpha_D"], k["D_c"], k["alpha_C"], k["C_c_pf_days"]) == (
        0.076, 8.8e13, 0.095, 5.4e13, 0.050, 3.1e8)
    assert l03.PF_DAY == 1e15 * 86_400


def test_constants_csv_matches_the_lesson():
    table = read_table("scaling_constants.csv", required=("fit", "parameter", "value"))
    for row in table.itertuples():
        if row.fit == "kaplan":
            expected = l03.KAPLAN[row.parameter]
        else:
            expected = getattr(scaling.get_fit(row.fit), row.parameter)
        assert float(row.value) == pytest.approx(expected, rel=1e-9), (row.fit, row.parameter)


def test_frontier_exponents_match_table2():
    # Table 2 of Hoffmann et al.: Approach 3 a = 0.46, b = 0.54 (from the unrounded fit)
    f = l03.CHINCHILLA_UNROUNDED
    assert f.beta / (f.alpha + f.beta) == pytest.approx(0.46, abs=0.005)
    assert f.alpha / (f.alpha + f.beta) == pytest.approx(0.54, abs=0.005)
    b = l03.BESIROGLU
    assert b.beta / (b.alpha + b.beta) == pytest.approx(0.513, abs=0.001)  # "a ≈ 0.513" in the replication


# ---------------------------------------------------------------- the lesson's formulas, by hand


def test_kaplan_laws_by_hand():
    assert l03.kaplan_loss_N(8.8e13) == pytest.approx(1.0)
    assert l03.kaplan_loss_D(5.4e13) == pytest.approx(1.0)
    assert l03.kaplan_loss_C(3.1e8 * 8.64e19) == pytest.approx(1.0)
    assert l03.kaplan_loss_N(1e10) / l03.kaplan_loss_N(1e9) == pytest.approx(10 ** -0.076)
    # (8.8e13 / 1e9) ** 0.076 = 88000 ** 0.076 = exp(0.076 * ln 88000) = exp(0.8655) = 2.376
    assert l03.kaplan_loss_N(1e9) == pytest.approx(2.376, abs=0.001)
    assert np.allclose(l03.kaplan_loss_N(np.array([1e9, 1e10])), [l03.kaplan_loss_N(1e9), l03.kaplan_loss_N(1e10)])


def test_chinchilla_loss_by_hand():
    # E + A/N^alpha + B/D^beta with round numbers: N = 1e6, alpha = 0.5 -> A/1000; D = 1e4, beta = 0.5 -> B/100
    toy = l03.Fit("toy", E=1.0, A=1000.0, B=100.0, alpha=0.5, beta=0.5)
    assert l03.chinchilla_loss(1e6, 1e4, toy) == pytest.approx(1.0 + 1.0 + 1.0)
    # Chinchilla (70B, 1.4T) with the published constants: 1.69 + 406.4/70e9^0.34 + 410.7/1.4e12^0.28 = 1.937
    assert l03.chinchilla_loss(70e9, 1.4e12) == pytest.approx(1.937, abs=0.001)


def test_6nd_by_hand():
    assert l03.training_flops(65.2e9, 1.4e12) == pytest.approx(5.4768e23)  # LLaMA 65B: 6 * 65.2e9 * 1.4e12
    assert l03.training_flops(70e9, 1.4e12) == pytest.approx(5.88e23)  # Chinchilla
    assert l03.training_flops(280e9, 300e9) == pytest.approx(5.04e23)  # Gopher by 6ND (the paper uses 5.76e23)


def test_compute_optimal_by_hand():
    # alpha = beta and A = B: G = 1, a = b = 1/2, so N* = D* = sqrt(C/6)
    toy = l03.Fit("toy", E=1.0, A=400.0, B=400.0, alpha=0.3, beta=0.3)
    n, d = l03.compute_optimal(6e20, toy)
    assert n == pytest.approx(1e10) and d == pytest.approx(1e10)
    # A = 4B, alpha = beta = 0.5: G = (A/B)^(1/(alpha+beta)) = 4, so N* = 4 sqrt(C/6), D* = sqrt(C/6) / 4
    toy = l03.Fit("toy", E=1.0, A=400.0, B=100.0, alpha=0.5, beta=0.5)
    n, d = l03.compute_optimal(6e20, toy)
    assert n == pytest.approx(4e10) and d == pytest.approx(2.5e9)


def test_closed_form_is_the_constrained_minimum():
    for fit in scaling.FITS.values():
        C = 1e22
        N, D = l03.compute_optimal(C, fit)
        assert 6 * N * D == pytest.approx(C, rel=1e-9)
        best = l03.chinchilla_loss(N, D, fit)
        for factor in (0.8, 0.95, 1.05, 1.25):  # moving along the iso-FLOP line only raises the loss
            assert l03.chinchilla_loss(N * factor, D / factor, fit) > best


def test_gopher_budget_rounded_vs_unrounded():
    # facts: rounded constants give ~32B / 3.0T; unrounded exponents give ~40.4B / 2.4T (paper: "40B", Fig. 4)
    N, D = l03.compute_optimal(5.76e23, l03.CHINCHILLA)
    assert N == pytest.approx(32.2e9, rel=0.01) and D == pytest.approx(2.98e12, rel=0.01)
    N, D = l03.compute_optimal(5.76e23, l03.CHINCHILLA_UNROUNDED)
    assert N == pytest.approx(40.4e9, rel=0.01) and D == pytest.approx(2.38e12, rel=0.01)


def test_power_law_fit_by_hand():
    # y = 5 x^-0.5 at x = 1, 100, 10000 -> y = 5, 0.5, 0.05: alpha 0.5, k 5
    alpha, k = l03.fit_power_law(np.array([1.0, 100.0, 10_000.0]), np.array([5.0, 0.5, 0.05]))
    assert alpha == pytest.approx(0.5) and k == pytest.approx(5.0)
    x = np.logspace(3, 6, 7)
    alpha, k = l03.fit_power_law(x, 5.0 * x ** -0.076)
    assert alpha == pytest.approx(0.076) and k == pytest.approx(5.0)


# ---------------------------------------------------------------- helpers at scale (utils.scaling)


def test_besiroglu_about_20_tokens_per_parameter():
    for C in (1e20, 1e22, 1e24, 1e26):
        assert 16 <= scaling.optimal_tokens_per_parameter(C, "besiroglu") <= 23


def test_table3_rows_reproduced():
    table = read_table("scaling_chinchilla_table3.csv")
    out = scaling.reproduce_table3(table, {"A3": l03.CHINCHILLA})
    # C = 6ND in Table 3 (the 67B row's 1.5T is rounded: 5.76e23 / (6 * 67e9) = 1.43T)
    assert np.allclose(out["6ND / C"], 1.0, atol=0.05)
    # Approach 1 (a = 0.50, anchored at Chinchilla) gives every row's N within 5 %
    assert np.allclose(out["Approach 1 N (B)"], out["paper N (B)"], rtol=0.05)
    # published rows: 1B -> 20.2B tokens, 10B -> 205.1B, 67B -> 1.5T
    rows = dict(zip(table["params"], table["tokens"]))
    assert rows[1e9] == 20.2e9 and rows[1e10] == 205.1e9 and rows[6.7e10] == 1.5e12
    # Approach 3 (published constants) predicts smaller models at every budget
    assert (out["A3 N (B)"] < out["paper N (B)"]).all()
    assert out.loc[3, "C (FLOPs)"] == "5.76e+23"


def test_table3_exponent_is_approach1():
    table = read_table("scaling_chinchilla_table3.csv")
    a = np.polyfit(np.log(table["FLOPs"]), np.log(table["params"]), 1)[0]
    assert a == pytest.approx(0.50, abs=0.01)  # Hoffmann et al. Table 2, Approach 1


def test_inference_tradeoff():
    target = l03.chinchilla_loss(10e9, 200e9, l03.BESIROGLU)
    r = scaling.inference_tradeoff(6.7e9, target, 1e12, "besiroglu")
    assert l03.chinchilla_loss(6.7e9, r["D_small"], l03.BESIROGLU) == pytest.approx(target)
    assert r["C_small"] > r["C_opt"] and r["extra_training_flops"] > 0
    assert r["break_even_tokens"] == pytest.approx(r["extra_training_flops"] / (2 * (r["N_opt"] - 6.7e9)))
    assert r["break_even_tokens"] == pytest.approx(1.24e11, rel=0.02)
    assert scaling.optimal_loss(r["C_opt"], "besiroglu") == pytest.approx(target, rel=1e-6)


def test_get_fit_takes_names_and_the_notebooks_own_fits():
    assert scaling.get_fit("besiroglu") is l03.BESIROGLU

    class NotebookFit:  # a Fit defined again in the notebook is another class with the same attributes
        name, E, A, B, alpha, beta = "copy", 1.69, 406.4, 410.7, 0.34, 0.28

    assert scaling.optimal_loss(1e22, NotebookFit()) == pytest.approx(scaling.optimal_loss(1e22, "chinchilla"))


@pytest.mark.parametrize("call", [
    lambda: scaling.optimal_loss(0),
    lambda: scaling.get_fit("kaplan2"),
    lambda: scaling.get_fit(object()),
    lambda: scaling.inference_tradeoff(1e9, 1.0, 1e12, "besiroglu"),  # below E
    lambda: scaling.reproduce_table3(pd.DataFrame({"params": [1.0]})),
    lambda: scaling.budget_table(-1, ["chinchilla"]),
])
def test_bad_input_raises_clear_error(call):
    with pytest.raises(ValueError):
        call()


def test_tokens_for_loss_unreachable_is_inf():
    assert math.isinf(scaling.tokens_for_loss(1e3, 1.70))


def test_budget_table_reads_like_the_lesson():
    t = scaling.budget_table(5.76e23, ["chinchilla", "besiroglu"])
    assert list(t["N*"]) == ["32.2B", "72.2B"] and list(t["D*/N*"]) == [92.6, 18.4]


def test_human():
    assert [scaling.human(x) for x in (70e9, 1.4e12, 135e6, 512)] == ["70B", "1.4T", "135M", "512"]


def test_figure_numbers_are_rounded_and_every_model_is_inside_the_axes():
    models = read_table("scaling_models.csv")
    fig = scaling.nd_plane_figure(1e23, "besiroglu", models, points=10)
    for trace in fig.data:
        for axis in ("x", "y"):
            values = np.asarray(getattr(trace, axis), dtype=float).ravel()
            assert np.allclose(values, np.round(values, 3))
    dots = fig.data[-1]
    assert dots.name == "real models"
    x_lo, x_hi = fig.layout.xaxis.range
    y_lo, y_hi = fig.layout.yaxis.range
    # a label is about 0.3 log units wide: a dot this far inside the axes keeps its label in the plot
    assert all(x_lo + 0.3 <= x <= x_hi - 0.3 for x in dots.x) and all(y_lo + 0.2 <= y <= y_hi - 0.2 for y in dots.y)
    assert set(scaling.LABEL_POSITIONS) == set(models["model"]), "every model on the plane has a placed label"


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
    # SmolLM2: the weights are Apache-2.0; each training data set keeps its own licence (FineMath: ODC-By)
    smol = models[models["family"] == "SmolLM2"]
    assert not smol["openness"].str.contains(r"data \(Apache").any()
    assert smol["openness"].str.contains("Apache-2.0").all() and smol["openness"].str.contains("own licence").all()


def test_table3_file():
    table = read_table("scaling_chinchilla_table3.csv", required=("params", "FLOPs", "tokens"))
    assert len(table) == 9 and table["params"].is_monotonic_increasing and table["FLOPs"].is_monotonic_increasing
    assert (table["tokens"] / table["params"]).between(19.5, 22.5).all()


def test_corpus_and_licence_shipped():
    text = tinytrain.load_corpus()
    assert len(text) > 300_000 and set(text) <= set(tinytrain.VOCAB)
    from utils.paths import asset
    assert "PYTHON SOFTWARE FOUNDATION LICENSE" in asset("scaling_corpus_LICENSE.txt").read_text()


# ---------------------------------------------------------------- the training step and the tiny run


def test_next_token_loss_by_hand():
    import torch

    class Uniform(torch.nn.Module):  # scores every symbol the same: p = 1/96, loss = ln 96
        def forward(self, input_ids):
            return type("Out", (), {"logits": torch.zeros(*input_ids.shape, len(tinytrain.VOCAB))})()

    batch = torch.tensor([tinytrain.encode("def f(x):")])
    assert l03.next_token_loss(Uniform(), batch).item() == pytest.approx(math.log(96))


@pytest.mark.slow
def test_train_step_lowers_the_loss():
    import torch

    torch.manual_seed(0)
    model = tinytrain.make_model(tinytrain.SIZES[0], context=32)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    train, _ = tinytrain.load_data(tinytrain.load_corpus(20_000))
    batch = next(tinytrain.batches(train, 1, 8, 32, seed=0))
    losses = [l03.train_step(model, batch, optimizer) for _ in range(15)]
    assert losses[0] == pytest.approx(math.log(96), abs=0.3)  # random weights: about uniform
    assert losses[-1] < losses[0] - 0.5  # the same batch, fifteen steps: the loss must fall


def test_batches_are_windows_of_the_data():
    import torch

    data = torch.arange(100)
    rows = list(tinytrain.batches(data, n_batches=3, batch_size=2, context=5, seed=1))
    assert len(rows) == 3 and rows[0].shape == (2, 6)
    for batch in rows:
        for row in batch:  # consecutive symbols: each row is a window of the data
            assert (row[1:] - row[:-1] == 1).all()
    assert all((a == b).all() for a, b in zip(rows, tinytrain.batches(data, 3, 2, 5, seed=1)))  # seeded


@pytest.mark.slow
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
    with pytest.raises(ValueError):
        next(tinytrain.batches(tinytrain.load_data("short")[0], 1, 1, 64, seed=0))
    with pytest.raises(ValueError):
        tinytrain.run_series([], tokens=1000)
    assert tinytrain.decode(tinytrain.encode("def f():\n\treturn 1")) == "def f():\n    return 1"
