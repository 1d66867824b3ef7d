"""Lesson 03's helpers at scale: Table 3 side by side, the inference trade-off, the N-D plane and its explorer.

The formulas themselves (Kaplan's laws, the Chinchilla loss, C = 6ND, the compute-optimal N* and D* of
Hoffmann et al.'s Eq. 4, the fitted constants) are written out in the lesson, in the cells of
notebooks/03_scaling_laws.ipynb tagged ``export``, and imported here from ``utils.lessons.lesson03``, the module
generated from them. What stays here is what the lesson runs at scale: tables, plots and the widget.

Units: N = parameters, D = training tokens, C = training FLOPs, loss in nats per token (the papers' units;
their datasets differ, so losses from different fits are comparable only within one fit).

    from utils import scaling
    from utils.lessons.lesson03 import BESIROGLU
    scaling.budget_table(5.76e23, [BESIROGLU])    # N*, D*, tokens per parameter and loss at Gopher's budget
    scaling.nd_plane_figure(5.76e23, BESIROGLU)   # the N-D plane
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

import numpy as np

from .i18n import tr
from .lessons.lesson03 import (
    BESIROGLU,
    CHINCHILLA,
    CHINCHILLA_UNROUNDED,
    Fit,
    chinchilla_loss,
    compute_optimal,
    training_flops,
)

if TYPE_CHECKING:
    import ipywidgets
    import pandas as pd
    import plotly.graph_objects as go

Number = float | np.ndarray  # one value or a numpy array of them, as in the lesson

FITS: dict[str, Fit] = {"chinchilla": CHINCHILLA, "chinchilla-unrounded": CHINCHILLA_UNROUNDED, "besiroglu": BESIROGLU}
"""The lesson's three fits by short name (the explorer's menu)."""

CHINCHILLA_MODEL = {"N": 70e9, "D": 1.4e12}  # Hoffmann et al. 2022 §4: 70B parameters, 1.4T tokens


def _positive(name: str, value) -> Number:
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(tr("{name} must be a positive number (or array of them), got {value!r}. "
                            "Write large numbers like 70e9 for 70 billion.", name=name, value=value))
    return arr if arr.ndim else float(arr)


def get_fit(fit: Fit | str = "chinchilla") -> Fit:
    """A fit by short name ('chinchilla', 'chinchilla-unrounded', 'besiroglu'), or a fit passed through.

    A fit is anything with the attributes name, E, A, B, alpha, beta: the lesson's own ``Fit`` objects, defined
    in the notebook or imported from utils.lessons.lesson03, both work.
    """
    if isinstance(fit, str):
        if fit not in FITS:
            raise ValueError(tr("Unknown fit {fit!r}. Choose one of {choices} or pass a Fit.", fit=fit, choices=sorted(FITS)))
        return FITS[fit]
    missing = [a for a in ("name", "E", "A", "B", "alpha", "beta") if not hasattr(fit, a)]
    if missing:
        raise ValueError(tr("{fit!r} is not a fit: it lacks {missing}. Pass a Fit or one of {choices}.",
                            fit=fit, missing=missing, choices=sorted(FITS)))
    return fit


def optimal_loss(C: Number, fit: Fit | str = "chinchilla") -> Number:
    """The loss the compute-optimal model reaches with C FLOPs."""
    f = get_fit(fit)
    N, D = compute_optimal(_positive("C (FLOPs)", C), f)
    return chinchilla_loss(N, D, f)


def optimal_tokens_per_parameter(C: Number, fit: Fit | str = "chinchilla") -> Number:
    """D*/N* at budget C."""
    N, D = compute_optimal(_positive("C (FLOPs)", C), get_fit(fit))
    return D / N


def tokens_for_loss(N: float, target_loss: float, fit: Fit | str = "chinchilla") -> float:
    """Training tokens a model of N parameters needs to reach ``target_loss`` (inf if it never can)."""
    f = get_fit(fit)
    room = target_loss - f.E - f.A / _positive("N (parameters)", N) ** f.alpha
    if room <= 0:
        return float("inf")
    return (f.B / room) ** (1 / f.beta)


# --- Table 3 ---
def approach1_optimal(C: Number, a: float = 0.50,
                      anchor: tuple[float, float] = (CHINCHILLA_MODEL["N"], CHINCHILLA_MODEL["D"])) -> tuple[Number, Number]:
    """Approach 1 style projection: N* ∝ C^a through an anchor model, D* = C / (6 N*).

    Hoffmann et al. publish Approach 1's exponent (a = 0.50, Table 2) but not its intercept; anchoring the
    line at Chinchilla itself (70B, 1.4T: the model they trained on this recipe) fixes it.
    """
    C = _positive("C (FLOPs)", C)
    N0, D0 = anchor
    N = N0 * (C / training_flops(N0, D0)) ** a
    return N, C / (6 * N)


def reproduce_table3(table: pd.DataFrame, fits: dict[str, Fit] | None = None) -> pd.DataFrame:
    """Table 3 of Hoffmann et al. next to what the formulas give at the same FLOP budgets.

    ``table`` has columns params, FLOPs, tokens (assets/scaling_chinchilla_table3.csv). Returns one row per
    budget: the budget; the paper's N (in billions) and D/N; 6ND recomputed against the budget; Approach 1
    (a = 0.50, anchored at Chinchilla); and N* (billions) and D*/N* from each fit in ``fits`` ({label: fit}),
    computed with the lesson's ``compute_optimal``.
    """
    import pandas as pd

    missing = {"params", "FLOPs", "tokens"} - set(table.columns)
    if missing:
        raise ValueError(tr("reproduce_table3 needs the columns params, FLOPs, tokens; missing {missing}.",
                            missing=sorted(missing)))
    fits = {"Approach 3": CHINCHILLA} if fits is None else fits
    flops = table["FLOPs"].astype(float).to_numpy()
    n_paper = table["params"].astype(float).to_numpy()
    d_paper = table["tokens"].astype(float).to_numpy()
    out = pd.DataFrame({"C (FLOPs)": [f"{c:.3g}" for c in flops], "paper N (B)": n_paper / 1e9,
                        "paper D/N": d_paper / n_paper, "6ND / C": training_flops(n_paper, d_paper) / flops,
                        "Approach 1 N (B)": approach1_optimal(flops)[0] / 1e9})
    for label, fit in fits.items():
        n, d = compute_optimal(flops, get_fit(fit))
        out[f"{label} N (B)"] = n / 1e9
        out[f"{label} D/N"] = d / n
    return out


# --- inference vs training ---
def inference_tradeoff(N_small: float, target_loss: float, serving_tokens: float, fit: Fit | str = "besiroglu") -> dict:
    """Train a smaller model longer to the same loss as the compute-optimal one: what it costs and saves.

    Returns a dict: the compute-optimal model (N_opt, D_opt, its training FLOPs C_opt) reaching ``target_loss``;
    the smaller model's D and training FLOPs; the extra training FLOPs; the inference FLOPs (about 2N per token)
    saved over ``serving_tokens``; and the break-even serving volume (tokens) after which the small model has cost
    less compute in total.
    """
    f = get_fit(fit)
    _positive("N_small", N_small)
    _positive("serving_tokens", serving_tokens)
    if target_loss <= f.E:
        raise ValueError(tr("target_loss {target_loss} is at or below the fit's irreducible loss E = {E}: "
                            "no model reaches it. Pick a higher loss.", target_loss=target_loss, E=f.E))
    # the compute-optimal model that reaches target_loss: bisect on log C
    lo, hi = 1e10, 1e32
    if optimal_loss(hi, f) > target_loss:
        raise ValueError(tr("target_loss {target_loss} needs more than 1e32 FLOPs under this fit.", target_loss=target_loss))
    for _ in range(200):
        mid = (lo * hi) ** 0.5
        lo, hi = (mid, hi) if optimal_loss(mid, f) > target_loss else (lo, mid)
    C_opt = hi
    N_opt, D_opt = compute_optimal(C_opt, f)
    D_small = tokens_for_loss(N_small, target_loss, f)
    if not np.isfinite(D_small):
        raise ValueError(tr("A {N_small:.3g}-parameter model never reaches loss {target_loss} under this fit "
                            "(its A/N^alpha term alone is too large). Pick a larger N_small or a higher loss.",
                            N_small=N_small, target_loss=target_loss))
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


# --- display ---
def human(x: float) -> str:
    """70e9 -> '70B', 1.4e12 -> '1.4T'."""
    for unit, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(x) >= scale:
            return f"{x / scale:.3g}{unit}"
    return f"{x:.3g}"


def budget_table(C: float, fits: Iterable[Fit | str]) -> pd.DataFrame:
    """One row per fit: N*, D*, tokens per parameter and predicted loss at budget C, rounded for reading."""
    import pandas as pd

    rows = []
    for fit in fits:
        f = get_fit(fit)
        N, D = compute_optimal(_positive("C (FLOPs)", C), f)
        rows.append({"fit": f.name, "C (FLOPs)": f"{float(C):.3g}", "N*": human(N), "D*": human(D),
                     "D*/N*": round(float(D / N), 1), "predicted loss": round(float(chinchilla_loss(N, D, f)), 3)})
    return pd.DataFrame(rows)


def iso_loss_grid(fit: Fit | str = "chinchilla", n_range: tuple[float, float] = (1e8, 1e12),
                  d_range: tuple[float, float] = (1e9, 1e14), points: int = 60) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """log10 N, log10 D axes and the loss on their grid (for contour plots)."""
    ln = np.linspace(np.log10(n_range[0]), np.log10(n_range[1]), points)
    ld = np.linspace(np.log10(d_range[0]), np.log10(d_range[1]), points)
    NN, DD = np.meshgrid(10 ** ln, 10 ** ld)
    return ln, ld, chinchilla_loss(NN, DD, get_fit(fit))


# Where each real model's label sits around its dot on the N-D plane, so that no two labels collide (several
# models share a row: LLaMA's 1T and 1.4T, Llama 2's 2T). Models not listed get "top center".
LABEL_POSITIONS = {
    "GPT-3": "top left", "Gopher": "bottom right", "Chinchilla": "bottom right", "LLaMA 7B": "bottom left",
    "LLaMA 13B": "bottom right", "LLaMA 33B": "bottom center", "LLaMA 65B": "top left",
    "Llama 2 7B": "top left", "Llama 2 13B": "top center", "Llama 2 70B": "top right", "Llama 3 8B": "top center",
    "Llama 3 70B": "top center", "SmolLM2-135M": "bottom right", "SmolLM2-360M": "top right",
    "SmolLM2-1.7B": "top center", "Gemma 3 270M": "middle right",
}
N_AXIS, D_AXIS = (7.8, 12.2), (10.5, 14.0)  # log10 ranges of the N-D plane: every labelled model fits inside


def nd_plane_figure(C: float = 5.76e23, fit: Fit | str = "chinchilla", models: pd.DataFrame | None = None,
                    points: int = 50) -> go.Figure:
    """The N-D plane: iso-loss contours of ``fit``, its compute-optimal line, the iso-FLOP line of budget C
    with its optimum, the 20-tokens-per-parameter line, and real models (a DataFrame with model, params,
    tokens). Axes are log10 values; every number is rounded so that the figure JSON is reproducible."""
    import plotly.graph_objects as go

    f = get_fit(fit)
    ln, ld, z = iso_loss_grid(f, (10 ** N_AXIS[0], 10 ** N_AXIS[1]), (10 ** D_AXIS[0], 10 ** D_AXIS[1]), points)
    fig = go.Figure()
    fig.add_trace(go.Contour(x=np.round(ln, 3), y=np.round(ld, 3), z=np.round(z, 3), colorscale="Blues",
                             reversescale=True, contours=dict(showlabels=True, start=1.8, end=3.0, size=0.1),
                             colorbar=dict(title=tr("loss")), name=tr("predicted loss"), hoverinfo="skip", opacity=0.6))
    budgets = np.logspace(18, 28, 41)
    n_opt, d_opt = compute_optimal(budgets, f)
    fig.add_trace(go.Scatter(x=np.round(np.log10(n_opt), 3), y=np.round(np.log10(d_opt), 3), mode="lines",
                             line=dict(color="black", width=3), name=tr("compute-optimal N*, D*")))
    n_line = np.logspace(N_AXIS[0], N_AXIS[1], 9)
    fig.add_trace(go.Scatter(x=np.round(np.log10(n_line), 3), y=np.round(np.log10(20 * n_line), 3), mode="lines",
                             line=dict(color="grey", dash="dot"), name=tr("20 tokens per parameter")))
    n_iso = np.logspace(N_AXIS[0], N_AXIS[1], 45)
    fig.add_trace(go.Scatter(x=np.round(np.log10(n_iso), 3), y=np.round(np.log10(float(C) / (6 * n_iso)), 3),
                             mode="lines", line=dict(color="firebrick", dash="dash"), name=f"C = {float(C):.2g} FLOPs"))
    N, D = compute_optimal(float(C), f)
    fig.add_trace(go.Scatter(x=[round(float(np.log10(N)), 3)], y=[round(float(np.log10(D)), 3)], mode="markers",
                             marker=dict(symbol="star", size=15, color="firebrick", opacity=0.85,
                                         line=dict(color="white", width=1)),
                             name=tr("optimum: N*={N}, D*={D}", N=human(N), D=human(D))))
    if models is not None:
        ratio = (models["tokens"] / models["params"]).round(1)
        fig.add_trace(go.Scatter(
            x=np.round(np.log10(models["params"].astype(float)), 3), y=np.round(np.log10(models["tokens"].astype(float)), 3),
            mode="markers+text", text=list(models["model"]),
            textposition=[LABEL_POSITIONS.get(m, "top center") for m in models["model"]], textfont=dict(size=10),
            marker=dict(size=8, color="darkorange", line=dict(color="black", width=1)), name=tr("real models"),
            customdata=list(ratio), hovertemplate=tr("%{text}<br>%{customdata} tokens/parameter<extra></extra>")))
    ticks_n = [8, 9, 10, 11, 12]
    ticks_d = [11, 12, 13, 14]
    fig.update_layout(title=tr("N-D plane, {name}", name=f.name), height=640, margin=dict(t=60, b=40),
                      legend=dict(orientation="h", y=-0.12, yanchor="top"),
                      xaxis=dict(title=tr("parameters N"), range=list(N_AXIS), tickvals=ticks_n,
                                 ticktext=[human(10.0 ** t) for t in ticks_n]),
                      yaxis=dict(title=tr("training tokens D"), range=list(D_AXIS), tickvals=ticks_d,
                                 ticktext=[human(10.0 ** t) for t in ticks_d]))
    return fig


def explorer(models: pd.DataFrame | None = None, C: float = 5.76e23, fit: str = "chinchilla") -> ipywidgets.VBox:
    """An ipywidgets explorer: a compute-budget slider and a fit menu redraw the N-D plane and the summary.

    The figure goes into an Output widget's ``outputs`` directly (never printed from a callback), so the
    notebook's stored output holds only the widgets' text form.
    """
    import ipywidgets as widgets

    budget = widgets.FloatLogSlider(value=C, base=10, min=18, max=28, step=0.25, description="C (FLOPs)",
                                    readout_format=".2e", continuous_update=False,
                                    layout=widgets.Layout(width="420px"))
    choice = widgets.Dropdown(options=[(f.name, key) for key, f in FITS.items()], value=fit, description=tr("fit"),
                              layout=widgets.Layout(width="420px"))
    summary = widgets.HTML()
    plot = widgets.Output()

    def redraw(*_):
        f = FITS[choice.value]
        N, D = compute_optimal(budget.value, f)
        summary.value = tr("<b>N*</b> = {N} parameters &nbsp; <b>D*</b> = {D} tokens &nbsp; "
                           "<b>D*/N*</b> = {ratio:.1f} &nbsp; <b>predicted loss</b> = {loss:.3f}",
                           N=human(N), D=human(D), ratio=D / N, loss=chinchilla_loss(N, D, f))
        fig = nd_plane_figure(budget.value, f, models)
        # The figure's mime bundle for the notebook's default renderer, written straight into the Output
        # widget: IPython's display machinery would also print it into the cell's own output (nbval compares it),
        # and clear_output() would reach the cell's own output too.
        bundle = fig._repr_mimebundle_() or {"application/vnd.plotly.v1+json": fig.to_plotly_json()}
        bundle.setdefault("text/plain", tr("N-D plane figure"))
        plot.outputs = ({"output_type": "display_data", "data": bundle, "metadata": {}},)

    budget.observe(redraw, names="value")
    choice.observe(redraw, names="value")
    ui = widgets.VBox([widgets.HBox([budget, choice]), summary, plot])
    ui.redraw = redraw
    return ui
