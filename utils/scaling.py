"""Scaling laws as code: Kaplan et al. 2020, Hoffmann et al. 2022 (Chinchilla), Besiroglu et al. 2024.

Every constant carries its source. Units: N = parameters, D = training tokens, C = training FLOPs,
loss in nats per token (the papers' units; their datasets differ, so losses from different fits are
not comparable with each other, only within one fit).

    from utils import scaling
    scaling.compute_optimal(5.76e23)            # Chinchilla Approach 3 N*, D* at Gopher's budget
    scaling.chinchilla_loss(70e9, 1.4e12)       # predicted loss of Chinchilla itself
    scaling.training_flops(65.2e9, 1.4e12)      # C = 6ND for LLaMA 65B
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PF_DAY = 8.64e19  # FLOP in one petaflop/s-day (Kaplan et al. 2020, §1.2 footnote)

# --- Kaplan et al. 2020, "Scaling Laws for Neural Language Models", arXiv 2001.08361, §1.2 Eqs. 1.1-1.3 ---
KAPLAN = {
    "alpha_N": 0.076, "N_c": 8.8e13,  # Eq. 1.1, N = non-embedding parameters
    "alpha_D": 0.095, "D_c": 5.4e13,  # Eq. 1.2, D = tokens
    "alpha_C": 0.050, "C_c_pf_days": 3.1e8,  # Eq. 1.3, C_min in PF-days
    "N_exponent": 0.73, "D_exponent": 0.27,  # compute-efficient allocation, N ∝ C^0.73 (Eq. 6.1); D ∝ C^0.27
}
KAPLAN_SOURCE = "Kaplan et al. 2020, arXiv 2001.08361, §1.2 Eqs. 1.1-1.3 and Eq. 6.1"


@dataclass(frozen=True)
class ParametricFit:
    """L(N, D) = E + A / N**alpha + B / D**beta, the form of Hoffmann et al.'s Approach 3."""

    name: str
    E: float
    A: float
    B: float
    alpha: float
    beta: float
    source: str

    @property
    def a(self) -> float:
        """Exponent of N*(C): N* ∝ C**a with a = beta / (alpha + beta)."""
        return self.beta / (self.alpha + self.beta)

    @property
    def b(self) -> float:
        """Exponent of D*(C): D* ∝ C**b with b = alpha / (alpha + beta)."""
        return self.alpha / (self.alpha + self.beta)

    @property
    def G(self) -> float:
        """G = (alpha A / (beta B)) ** (1 / (alpha + beta)) (Hoffmann et al. Eq. 4)."""
        return (self.alpha * self.A / (self.beta * self.B)) ** (1 / (self.alpha + self.beta))


CHINCHILLA = ParametricFit("Hoffmann et al. 2022 (Approach 3, as published)", E=1.69, A=406.4, B=410.7,
                           alpha=0.34, beta=0.28, source="Hoffmann et al. 2022, arXiv 2203.15556, App. D.2 Eq. 10")
CHINCHILLA_UNROUNDED = ParametricFit(
    "Hoffmann et al. 2022 (Approach 3, unrounded exponents)", E=1.69, A=406.4, B=410.7, alpha=0.33917,
    beta=0.28491, source="exponents as reported to 5 digits in epoch-research/analyzing-chinchilla "
    "(data_analysis.ipynb); E, A, B from arXiv 2203.15556 Eq. 10")
BESIROGLU = ParametricFit("Besiroglu et al. 2024 (refit)", E=1.8169, A=482.01, B=2085.43, alpha=0.3478,
                          beta=0.3658, source="Besiroglu et al. 2024, arXiv 2404.10102; "
                          "github.com/epoch-research/analyzing-chinchilla data_analysis.ipynb")
FITS = {"chinchilla": CHINCHILLA, "chinchilla-unrounded": CHINCHILLA_UNROUNDED, "besiroglu": BESIROGLU}

# Hoffmann et al. 2022 Table 2: exponents a (N* ∝ C^a) and b (D* ∝ C^b) by method.
TABLE2_EXPONENTS = {"Approach 1": (0.50, 0.50), "Approach 2": (0.49, 0.51), "Approach 3": (0.46, 0.54),
                    "Kaplan et al. (2020)": (0.73, 0.27)}
CHINCHILLA_MODEL = {"N": 70e9, "D": 1.4e12}  # Hoffmann et al. 2022 §4: 70B parameters, 1.4T tokens


def _positive(name, value):
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"{name} must be a positive number (or array of them), got {value!r}. "
                         f"Write large numbers like 70e9 for 70 billion.")
    return arr if arr.ndim else float(arr)


def get_fit(fit="chinchilla") -> ParametricFit:
    """A ParametricFit by name ('chinchilla', 'chinchilla-unrounded', 'besiroglu') or passed through."""
    if isinstance(fit, ParametricFit):
        return fit
    if fit not in FITS:
        raise ValueError(f"Unknown fit {fit!r}. Choose one of {sorted(FITS)} or pass a ParametricFit.")
    return FITS[fit]


# --- compute ---
def training_flops(N, D):
    """C ≈ 6 N D: 2 FLOPs per parameter per token forward, 4 backward (Kaplan et al. §2.1; Hoffmann et al. §3.3)."""
    return 6 * _positive("N (parameters)", N) * _positive("D (tokens)", D)


def inference_flops(N, tokens):
    """≈ 2 N FLOPs per generated or read token (forward pass only; attention over the context ignored)."""
    return 2 * _positive("N (parameters)", N) * _positive("tokens", tokens)


def tokens_per_parameter(N, D):
    return _positive("D (tokens)", D) / _positive("N (parameters)", N)


# --- Kaplan ---
def kaplan_loss_N(N):
    """Eq. 1.1: L(N) = (N_c / N)^alpha_N, for models trained to convergence on enough data."""
    return (KAPLAN["N_c"] / _positive("N (non-embedding parameters)", N)) ** KAPLAN["alpha_N"]


def kaplan_loss_D(D):
    """Eq. 1.2: L(D) = (D_c / D)^alpha_D, for a large model trained with early stopping."""
    return (KAPLAN["D_c"] / _positive("D (tokens)", D)) ** KAPLAN["alpha_D"]


def kaplan_loss_C(C):
    """Eq. 1.3: L(C_min) = (C_c / C_min)^alpha_C, C in FLOPs (converted to PF-days inside)."""
    return (KAPLAN["C_c_pf_days"] / (_positive("C (FLOPs)", C) / PF_DAY)) ** KAPLAN["alpha_C"]


def kaplan_growth(compute_factor):
    """How much N and D grow when compute grows by ``compute_factor`` under Kaplan's allocation (0.73 / 0.27)."""
    f = _positive("compute_factor", compute_factor)
    return f ** KAPLAN["N_exponent"], f ** KAPLAN["D_exponent"]


# --- Chinchilla-style parametric fits ---
def chinchilla_loss(N, D, fit="chinchilla"):
    """L(N, D) = E + A / N^alpha + B / D^beta for the chosen fit."""
    f = get_fit(fit)
    return f.E + f.A / _positive("N (parameters)", N) ** f.alpha + f.B / _positive("D (tokens)", D) ** f.beta


def compute_optimal(C, fit="chinchilla"):
    """Closed-form compute-optimal (N*, D*) for budget C (Hoffmann et al. Eq. 4).

    Minimizing L(N, D) subject to 6 N D = C gives N* = G (C/6)^a and D* = (C/6)^b / G.
    """
    f = get_fit(fit)
    c6 = _positive("C (FLOPs)", C) / 6
    return f.G * c6 ** f.a, c6 ** f.b / f.G


def optimal_loss(C, fit="chinchilla"):
    N, D = compute_optimal(C, fit)
    return chinchilla_loss(N, D, fit)


def tokens_for_loss(N, target_loss, fit="chinchilla"):
    """Training tokens a model of N parameters needs to reach ``target_loss`` (inf if it never can)."""
    f = get_fit(fit)
    room = target_loss - f.E - f.A / _positive("N (parameters)", N) ** f.alpha
    if room <= 0:
        return float("inf")
    return (f.B / room) ** (1 / f.beta)


def optimal_tokens_per_parameter(C, fit="chinchilla"):
    N, D = compute_optimal(C, fit)
    return D / N


# --- Table 3 ---
def approach1_optimal(C, a=0.50, anchor=(CHINCHILLA_MODEL["N"], CHINCHILLA_MODEL["D"])):
    """Approach 1 style projection: N* ∝ C^a through an anchor model, D* = C / (6 N*).

    Hoffmann et al. publish Approach 1's exponent (a = 0.50, Table 2) but not its intercept; anchoring the
    line at Chinchilla itself (70B, 1.4T: the model they trained on this recipe) fixes it.
    """
    C = _positive("C (FLOPs)", C)
    N0, D0 = anchor
    N = N0 * (C / training_flops(N0, D0)) ** a
    return N, C / (6 * N)


def reproduce_table3(table, fits=("chinchilla", "chinchilla-unrounded", "besiroglu")):
    """Table 3 of Hoffmann et al. next to what the formulas give at the same FLOP budgets.

    ``table`` has columns params, FLOPs, tokens (assets/scaling_chinchilla_table3.csv). Returns one row per
    budget: the paper's N and D; C = 6ND recomputed; Approach 1 (a = 0.50, anchored at Chinchilla); and N*
    from each Approach-3-style fit, all in billions, with tokens per parameter.
    """
    import pandas as pd

    missing = {"params", "FLOPs", "tokens"} - set(table.columns)
    if missing:
        raise ValueError(f"reproduce_table3 needs the columns params, FLOPs, tokens; missing {sorted(missing)}.")
    out = pd.DataFrame({"FLOPs": table["FLOPs"].astype(float).values,
                        "paper N (B)": table["params"].astype(float).values / 1e9,
                        "paper D (B)": table["tokens"].astype(float).values / 1e9})
    out["paper D/N"] = out["paper D (B)"] / out["paper N (B)"]
    out["6ND / FLOPs"] = 6 * out["paper N (B)"] * out["paper D (B)"] * 1e18 / out["FLOPs"]
    n1, d1 = approach1_optimal(out["FLOPs"].values)
    out["Approach 1 N (B)"] = n1 / 1e9
    out["Approach 1 D (B)"] = d1 / 1e9
    for name in fits:
        n, d = compute_optimal(out["FLOPs"].values, name)
        out[f"{name} N (B)"] = n / 1e9
        out[f"{name} D/N"] = d / n
    return out


# --- inference vs training ---
def inference_tradeoff(N_small, target_loss, serving_tokens, fit="besiroglu"):
    """Train a smaller model longer to the same loss as the compute-optimal one: what it costs and saves.

    Returns a dict: the compute-optimal model (N_opt, D_opt, its training FLOPs) reaching ``target_loss``;
    the smaller model's D and training FLOPs; the extra training FLOPs; the inference FLOPs saved over
    ``serving_tokens``; and the break-even serving volume (tokens) after which the small model is cheaper.
    """
    f = get_fit(fit)
    _positive("N_small", N_small)
    _positive("serving_tokens", serving_tokens)
    if target_loss <= f.E:
        raise ValueError(f"target_loss {target_loss} is at or below the fit's irreducible loss E = {f.E}: "
                         "no model reaches it. Pick a higher loss.")
    # the compute-optimal model that reaches target_loss: bisect on log C
    lo, hi = 1e10, 1e32
    if optimal_loss(hi, f) > target_loss:
        raise ValueError(f"target_loss {target_loss} needs more than 1e32 FLOPs under this fit.")
    for _ in range(200):
        mid = (lo * hi) ** 0.5
        lo, hi = (mid, hi) if optimal_loss(mid, f) > target_loss else (lo, mid)
    C_opt = hi
    N_opt, D_opt = compute_optimal(C_opt, f)
    D_small = tokens_for_loss(N_small, target_loss, f)
    if not np.isfinite(D_small):
        raise ValueError(f"A {N_small:.3g}-parameter model never reaches loss {target_loss} under this fit "
                         "(its A/N^alpha term alone is too large). Pick a larger N_small or a higher loss.")
    C_small = training_flops(N_small, D_small)
    extra = C_small - C_opt
    saved_per_token = 2 * (N_opt - N_small)
    return {
        "target_loss": target_loss, "N_opt": N_opt, "D_opt": D_opt, "C_opt": C_opt,
        "N_small": float(N_small), "D_small": D_small, "C_small": C_small,
        "extra_training_flops": extra,
        "inference_flops_saved": saved_per_token * serving_tokens,
        "break_even_tokens": extra / saved_per_token if saved_per_token > 0 else float("inf"),
    }


# --- fitting a power law ---
def fit_power_law(x, y):
    """Least-squares fit of y = k * x**(-alpha) in log-log space; returns (alpha, k)."""
    x = np.asarray(_positive("x", x), dtype=float)
    y = np.asarray(_positive("y", y), dtype=float)
    if x.shape != y.shape or x.size < 2:
        raise ValueError(f"fit_power_law needs two arrays of the same length, at least 2 points; got {x.shape}, {y.shape}.")
    slope, intercept = np.polyfit(np.log(x), np.log(y), 1)
    return float(-slope), float(np.exp(intercept))


def iso_loss_grid(fit="chinchilla", n_range=(1e8, 1e12), d_range=(1e9, 1e14), points=60):
    """log10 N, log10 D axes and the loss on their grid (for contour plots)."""
    ln = np.linspace(np.log10(n_range[0]), np.log10(n_range[1]), points)
    ld = np.linspace(np.log10(d_range[0]), np.log10(d_range[1]), points)
    NN, DD = np.meshgrid(10 ** ln, 10 ** ld)
    return ln, ld, chinchilla_loss(NN, DD, fit)


# --- figures and the interactive explorer ---
def human(x: float) -> str:
    """70e9 -> '70B', 1.4e12 -> '1.4T'."""
    for unit, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(x) >= scale:
            return f"{x / scale:.3g}{unit}"
    return f"{x:.3g}"


def budget_summary(C, fit="chinchilla") -> dict:
    """N*, D*, tokens per parameter and predicted loss at budget C, rounded for display."""
    f = get_fit(fit)
    N, D = compute_optimal(C, f)
    return {"fit": f.name, "C (FLOPs)": f"{float(C):.3g}", "N*": human(N), "D*": human(D),
            "D*/N*": round(D / N, 1), "predicted loss": round(float(chinchilla_loss(N, D, f)), 3)}


def nd_plane_figure(C=5.76e23, fit="chinchilla", models=None, points=50):
    """The N-D plane: iso-loss contours of ``fit``, its compute-optimal line, the iso-FLOP line of budget C
    with its optimum, the 20-tokens-per-parameter line, and real models (a DataFrame with model, params,
    tokens). Axes are log10 values; every number is rounded so that the figure JSON is reproducible."""
    import plotly.graph_objects as go

    f = get_fit(fit)
    n_range, d_range = (1e8, 1e12), (1e10, 1e14)
    ln, ld, z = iso_loss_grid(f, n_range, d_range, points)
    fig = go.Figure()
    fig.add_trace(go.Contour(x=np.round(ln, 3), y=np.round(ld, 3), z=np.round(z, 3), colorscale="Blues",
                             reversescale=True, contours=dict(showlabels=True, start=1.8, end=3.0, size=0.1),
                             colorbar=dict(title="loss"), name="predicted loss", hoverinfo="skip", opacity=0.6))
    budgets = np.logspace(18, 28, 41)
    n_opt, d_opt = compute_optimal(budgets, f)
    fig.add_trace(go.Scatter(x=np.round(np.log10(n_opt), 3), y=np.round(np.log10(d_opt), 3), mode="lines",
                             line=dict(color="black", width=3), name="compute-optimal N*, D*"))
    n_line = np.logspace(8, 12, 9)
    fig.add_trace(go.Scatter(x=np.round(np.log10(n_line), 3), y=np.round(np.log10(20 * n_line), 3), mode="lines",
                             line=dict(color="grey", dash="dot"), name="20 tokens per parameter"))
    n_iso = np.logspace(8, 12, 41)
    fig.add_trace(go.Scatter(x=np.round(np.log10(n_iso), 3), y=np.round(np.log10(float(C) / (6 * n_iso)), 3),
                             mode="lines", line=dict(color="firebrick", dash="dash"), name=f"C = {float(C):.2g} FLOPs"))
    N, D = compute_optimal(C, f)
    fig.add_trace(go.Scatter(x=[round(float(np.log10(N)), 3)], y=[round(float(np.log10(D)), 3)], mode="markers",
                             marker=dict(symbol="star", size=16, color="firebrick"),
                             name=f"optimum: N*={human(N)}, D*={human(D)}"))
    if models is not None:
        ratio = (models["tokens"] / models["params"]).round(1)
        fig.add_trace(go.Scatter(
            x=np.round(np.log10(models["params"].astype(float)), 3), y=np.round(np.log10(models["tokens"].astype(float)), 3),
            mode="markers+text", text=list(models["model"]), textposition="top center", textfont=dict(size=9),
            marker=dict(size=8, color="darkorange"), name="real models",
            customdata=list(ratio), hovertemplate="%{text}<br>%{customdata} tokens/parameter<extra></extra>"))
    ticks_n = [8, 9, 10, 11, 12]
    ticks_d = [10, 11, 12, 13, 14]
    fig.update_layout(title=f"N-D plane, {f.name}", height=560, legend=dict(orientation="h", y=-0.2),
                      xaxis=dict(title="parameters N", range=[8, 12], tickvals=ticks_n,
                                 ticktext=[human(10.0 ** t) for t in ticks_n]),
                      yaxis=dict(title="training tokens D", range=[10, 14], tickvals=ticks_d,
                                 ticktext=[human(10.0 ** t) for t in ticks_d]))
    return fig


def explorer(models=None, C=5.76e23, fit="chinchilla"):
    """An ipywidgets explorer: a compute-budget slider and a fit menu redraw the N-D plane and the summary.

    The figure goes into an Output widget with ``append_display_data`` (never printed from a callback),
    so the notebook's stored output holds only the widgets' text form.
    """
    import ipywidgets as widgets

    budget = widgets.FloatLogSlider(value=C, base=10, min=18, max=28, step=0.25, description="C (FLOPs)",
                                    readout_format=".2e", continuous_update=False,
                                    layout=widgets.Layout(width="420px"))
    choice = widgets.Dropdown(options=[(get_fit(k).name, k) for k in FITS], value=fit, description="fit",
                              layout=widgets.Layout(width="420px"))
    summary = widgets.HTML()
    plot = widgets.Output()

    def redraw(*_):
        s = budget_summary(budget.value, choice.value)
        summary.value = (f"<b>N*</b> = {s['N*']} parameters &nbsp; <b>D*</b> = {s['D*']} tokens &nbsp; "
                         f"<b>D*/N*</b> = {s['D*/N*']} &nbsp; <b>predicted loss</b> = {s['predicted loss']}")
        fig = nd_plane_figure(budget.value, choice.value, models)
        # The figure's mime bundle for the notebook's default renderer, written straight into the Output
        # widget: IPython's display machinery would also print it into the cell's own output (nbval compares it),
        # and clear_output() would reach the cell's own output too.
        bundle = fig._repr_mimebundle_() or {"application/vnd.plotly.v1+json": fig.to_plotly_json()}
        bundle.setdefault("text/plain", "N-D plane figure")
        plot.outputs = ({"output_type": "display_data", "data": bundle, "metadata": {}},)

    budget.observe(redraw, names="value")
    choice.observe(redraw, names="value")
    ui = widgets.VBox([widgets.HBox([budget, choice]), summary, plot])
    ui.redraw = redraw
    return ui
