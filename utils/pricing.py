"""Price and quality of language models: dated tables, the Pareto frontier, a cost calculator, a decision guide.

Units: every API price is **USD per 1 million tokens** (``usd_per_1m_input``, ``usd_per_1m_output``).
The tables live in assets/ (``prices_api.csv``, ``quality_mmlu.csv``, ``quality_arena.csv``,
``prices_gpu_rental.csv``); scripts/refresh_prices.py rebuilds the price and Arena tables from offline
PyPI snapshots. Each row carries its ``source``, its ``retrieved`` date and its ``snapshot_date`` (prices,
Arena) or ``published`` date (MMLU).

Rule kept by the code: one axis, one scale, one date. ``price_quality_table`` refuses to put Arena
ratings from two snapshots (or prices from two snapshots) on one axis.
"""
from __future__ import annotations

from dataclasses import dataclass, field

HOURS_PER_MONTH = 730  # 365 * 24 / 12
DEFAULT_INPUT_OUTPUT_RATIO = 3.0  # blended price: 3 input tokens per output token (a common convention)


class PriceDataError(ValueError):
    """A price or quality table that breaks the course's rules (units, dates, one snapshot per axis)."""


# ---------------------------------------------------------------------------------------------- tables

PRICE_COLUMNS = ("model", "maker", "open_weights", "provider", "price_id", "usd_per_1m_input",
                 "usd_per_1m_output", "snapshot_date")
MMLU_COLUMNS = ("model", "evaluated_checkpoint", "mmlu_5shot", "published")
ARENA_COLUMNS = ("model", "arena_name", "arena_rating", "snapshot_date")
GPU_COLUMNS = ("gpu", "tier", "usd_per_hour_low", "usd_per_hour_high", "snapshot_date")


def check_price_units(df, name: str = "prices"):
    """Raise PriceDataError unless the prices look like USD per 1M tokens (not per token, not per 1K)."""
    for column in ("usd_per_1m_input", "usd_per_1m_output"):
        values = df[column]
        if values.isna().any():
            raise PriceDataError(f"{name}: {column} has empty values for {list(df.loc[values.isna(), 'model'])}.")
        if (values < 0).any():
            raise PriceDataError(f"{name}: {column} has negative prices for {list(df.loc[values < 0, 'model'])}.")
        if (values > 1000).any():
            raise PriceDataError(
                f"{name}: {column} has prices above 1000 USD per 1M tokens ({list(df.loc[values > 1000, 'model'])}): "
                "were they given per 1 billion tokens? Convert them to USD per 1M tokens.")
        positive = values[values > 0]
        if len(positive) and positive.max() < 1e-3:
            raise PriceDataError(
                f"{name}: every {column} value is below 0.001: these look like USD per token. "
                "Multiply by 1,000,000 to get USD per 1M tokens.")
    return df


def load_prices(name: str = "prices_api.csv"):
    """API prices (USD per 1M input/output tokens), one row per model, validated."""
    from .data import read_table

    df = read_table(name, date_columns=("snapshot_date",), required=PRICE_COLUMNS)
    if df["model"].duplicated().any():
        raise PriceDataError(f"assets/{name}: models listed twice: {sorted(set(df.loc[df['model'].duplicated(), 'model']))}")
    df["open_weights"] = df["open_weights"].astype(str).str.lower().map({"true": True, "false": False, "1": True, "0": False})
    if df["open_weights"].isna().any():
        raise PriceDataError(f"assets/{name}: open_weights must be True or False in every row.")
    return check_price_units(df, f"assets/{name}")


def load_quality(metric: str = "mmlu"):
    """Quality scores: ``"mmlu"`` (MMLU 5-shot accuracy, %, from papers and model cards) or
    ``"arena"`` (Chatbot Arena / LMArena rating from one dated snapshot)."""
    from .data import read_table

    if metric == "mmlu":
        df = read_table("quality_mmlu.csv", date_columns=("published",), required=MMLU_COLUMNS)
        bad = df[(df["mmlu_5shot"] < 0) | (df["mmlu_5shot"] > 100)]
        if len(bad):
            raise PriceDataError(f"assets/quality_mmlu.csv: MMLU must be a percentage 0-100: {list(bad['model'])}")
        return df
    if metric == "arena":
        df = read_table("quality_arena.csv", date_columns=("snapshot_date",), required=ARENA_COLUMNS)
        bad = df[(df["arena_rating"] < 500) | (df["arena_rating"] > 2000)]
        if len(bad):
            raise PriceDataError(f"assets/quality_arena.csv: ratings outside 500-2000: {list(bad['model'])}")
        return df
    raise ValueError(f"Unknown quality metric {metric!r}: use 'mmlu' or 'arena'.")


def load_gpu_prices(name: str = "prices_gpu_rental.csv"):
    """Rented-GPU list prices (USD per GPU-hour, a low-high range), dated and cited."""
    from .data import read_table

    df = read_table(name, date_columns=("snapshot_date",), required=GPU_COLUMNS)
    if (df["usd_per_hour_low"] > df["usd_per_hour_high"]).any():
        raise PriceDataError(f"assets/{name}: a low price is above its high price.")
    return df


def blended_price(usd_per_1m_input, usd_per_1m_output, input_output_ratio: float = DEFAULT_INPUT_OUTPUT_RATIO):
    """One price per 1M tokens for a workload with ``input_output_ratio`` input tokens per output token."""
    if input_output_ratio < 0:
        raise ValueError(f"input_output_ratio must be >= 0 (input tokens per output token), got {input_output_ratio}.")
    return (input_output_ratio * usd_per_1m_input + usd_per_1m_output) / (input_output_ratio + 1)


def _one_snapshot(df, column: str, what: str) -> str:
    dates = sorted({d.date().isoformat() for d in df[column]})
    if len(dates) != 1:
        raise PriceDataError(
            f"{what} come from {len(dates)} snapshots ({', '.join(dates)}): ratings or prices from different "
            "dates are on different scales. Keep one snapshot per axis (filter the table first).")
    return dates[0]


def price_quality_table(metric: str = "mmlu", input_output_ratio: float = DEFAULT_INPUT_OUTPUT_RATIO,
                        prices=None, quality=None):
    """Prices joined with one quality metric: a column ``quality``, ``blended_usd_per_1m`` and the dates.

    Only models that have both a price and a score are kept. Raises PriceDataError when prices, or Arena
    ratings, come from more than one snapshot.
    """
    prices = load_prices() if prices is None else prices
    quality = load_quality(metric) if quality is None else quality
    price_date = _one_snapshot(prices, "snapshot_date", "The prices")
    if metric == "arena":
        _one_snapshot(quality, "snapshot_date", "The Arena ratings")
        q = quality.rename(columns={"arena_rating": "quality", "snapshot_date": "quality_date",
                                    "source": "quality_source"})[["model", "arena_name", "quality", "quality_date",
                                                                  "quality_source"]]
    elif metric == "mmlu":
        q = quality.rename(columns={"mmlu_5shot": "quality", "published": "quality_date",
                                    "source": "quality_source"})[["model", "evaluated_checkpoint", "quality",
                                                                  "quality_date", "quality_source"]]
    else:
        raise ValueError(f"Unknown quality metric {metric!r}: use 'mmlu' or 'arena'.")
    p = prices.rename(columns={"source": "price_source"}).drop(columns=["retrieved"])
    df = p.merge(q, on="model", how="inner")
    df["blended_usd_per_1m"] = blended_price(df["usd_per_1m_input"], df["usd_per_1m_output"],
                                             input_output_ratio).round(4)
    df.attrs["price_snapshot"] = price_date
    df.attrs["metric"] = metric
    return df.sort_values("blended_usd_per_1m", kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------- Pareto frontier

def pareto_frontier(df, cost: str = "blended_usd_per_1m", quality: str = "quality"):
    """Boolean Series: True for the models no other model beats on both axes.

    A model is *dominated* when another one costs no more and scores at least as high, and is strictly
    better on one of the two. The frontier is every model that is not dominated.
    """
    import pandas as pd

    for column in (cost, quality):
        if column not in df.columns:
            raise KeyError(f"pareto_frontier: no column {column!r}; the table has {list(df.columns)}.")
    if df[[cost, quality]].isna().any().any():
        raise ValueError("pareto_frontier: drop the rows with a missing price or score first.")
    c = df[cost].to_numpy(dtype=float)
    q = df[quality].to_numpy(dtype=float)
    on = []
    for i in range(len(df)):
        dominated = ((c <= c[i]) & (q >= q[i]) & ((c < c[i]) | (q > q[i]))).any()
        on.append(not dominated)
    return pd.Series(on, index=df.index, name="on_frontier")


def dominated_by(df, model: str, cost: str = "blended_usd_per_1m", quality: str = "quality") -> list[str]:
    """The models that are at most as expensive as ``model`` and at least as good (strictly better on one)."""
    if model not in set(df["model"]):
        raise KeyError(f"No model {model!r} in this table. Models: {', '.join(df['model'])}")
    row = df.loc[df["model"] == model].iloc[0]
    better = (df[cost] <= row[cost]) & (df[quality] >= row[quality]) & (
        (df[cost] < row[cost]) | (df[quality] > row[quality]))
    return list(df.loc[better, "model"])


def price_quality_figure(df, title: str | None = None):
    """Plotly scatter: blended price (log axis) against quality, open vs closed, the Pareto frontier drawn."""
    import plotly.graph_objects as go

    metric = df.attrs.get("metric", "mmlu")
    label = "MMLU 5-shot accuracy (%)" if metric == "mmlu" else "Arena rating"
    frontier = pareto_frontier(df)
    fig = go.Figure()
    for is_open, name, color, symbol in [(False, "closed (API only)", "#d62728", "square"),
                                         (True, "open weights", "#1f77b4", "circle")]:
        part = df[df["open_weights"] == is_open]
        custom = [[r.provider, r.usd_per_1m_input, r.usd_per_1m_output, r.snapshot_date.date().isoformat(),
                   r.quality_date.date().isoformat(), r.quality_source] for r in part.itertuples()]
        fig.add_trace(go.Scatter(
            x=[round(float(v), 4) for v in part["blended_usd_per_1m"]],
            y=[round(float(v), 1) for v in part["quality"]],
            mode="markers+text", name=name, text=list(part["model"]), textposition="top center",
            textfont=dict(size=9), marker=dict(color=color, symbol=symbol, size=10),
            customdata=custom,
            hovertemplate=("<b>%{text}</b><br>provider: %{customdata[0]}<br>"
                           "USD per 1M tokens: in %{customdata[1]}, out %{customdata[2]}, blended %{x}<br>"
                           "price snapshot: %{customdata[3]}<br>" + label + ": %{y} (dated %{customdata[4]})<br>"
                           "source: %{customdata[5]}<extra></extra>"),
        ))
    front = df[frontier].sort_values("blended_usd_per_1m")
    fig.add_trace(go.Scatter(
        x=[round(float(v), 4) for v in front["blended_usd_per_1m"]],
        y=[round(float(v), 1) for v in front["quality"]],
        mode="lines", name="Pareto frontier", line=dict(color="gray", dash="dash", shape="hv"),
        hoverinfo="skip"))
    if title is None:
        quality_when = ("MMLU from papers and model cards" if metric == "mmlu"
                        else f"Arena snapshot {df['quality_date'].iloc[0].date().isoformat()}")
        title = f"Price vs quality: API prices of {df.attrs.get('price_snapshot', '?')} (models.dev), {quality_when}"
    fig.update_layout(title=dict(text=title, font=dict(size=14)), height=520,
                      xaxis=dict(type="log", title="blended price, USD per 1M tokens (3 input : 1 output), log scale"),
                      yaxis=dict(title=label), legend=dict(orientation="h", y=-0.18))
    return fig


# ------------------------------------------------------------------------------------- cost calculator

def api_monthly_cost(input_tokens_m: float, output_tokens_m: float, usd_per_1m_input: float,
                     usd_per_1m_output: float) -> float:
    """USD per month for ``input_tokens_m`` and ``output_tokens_m`` million tokens at an API's prices."""
    for value, name in [(input_tokens_m, "input_tokens_m"), (output_tokens_m, "output_tokens_m")]:
        if value < 0:
            raise ValueError(f"{name} must be >= 0 (millions of tokens per month), got {value}.")
    return input_tokens_m * usd_per_1m_input + output_tokens_m * usd_per_1m_output


@dataclass
class SelfHosting:
    """The stated, editable assumptions of running a model yourself.

    ``decode_tokens_per_s`` and ``prefill_tokens_per_s`` are the machine's total throughput (all requests
    together); ``usd_per_hour`` is the rent of the machine; ``always_on`` bills every hour of the month
    (a server that waits for requests) instead of only the busy hours.
    """

    name: str
    usd_per_hour: float
    decode_tokens_per_s: float
    prefill_tokens_per_s: float
    always_on: bool = True
    basis: str = ""  # where the numbers come from: a measurement, a price list, or "assumption"

    def __post_init__(self):
        for attr in ("usd_per_hour", "decode_tokens_per_s", "prefill_tokens_per_s"):
            value = getattr(self, attr)
            if not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"SelfHosting({self.name!r}): {attr} must be a positive number, got {value!r}.")

    def busy_hours(self, input_tokens_m: float, output_tokens_m: float) -> float:
        """Hours of work for the month's tokens at this throughput."""
        return (input_tokens_m * 1e6 / self.prefill_tokens_per_s + output_tokens_m * 1e6 / self.decode_tokens_per_s) / 3600

    def monthly_cost(self, input_tokens_m: float, output_tokens_m: float) -> float:
        hours = self.busy_hours(input_tokens_m, output_tokens_m)
        if self.always_on:
            hours = max(hours, HOURS_PER_MONTH)
        return hours * self.usd_per_hour


def cost_table(input_tokens_m: float, output_tokens_m: float, prices, self_hosted=(), models=None):
    """Monthly cost of a workload per API model and per self-hosting option, cheapest first.

    ``busy_hours`` says how many hours a self-hosted machine needs; above 730 one machine is not enough
    (the cost then assumes you rent several).
    """
    import pandas as pd

    rows = []
    chosen = prices if models is None else prices[prices["model"].isin(models)]
    for r in chosen.itertuples():
        rows.append({"option": f"API: {r.model} ({r.provider})",
                     "usd_per_month": api_monthly_cost(input_tokens_m, output_tokens_m, r.usd_per_1m_input,
                                                       r.usd_per_1m_output),
                     "busy_hours": "-", "basis": f"price snapshot {r.snapshot_date.date().isoformat()}"})
    for option in self_hosted:
        rows.append({"option": f"self-hosted: {option.name}",
                     "usd_per_month": option.monthly_cost(input_tokens_m, output_tokens_m),
                     "busy_hours": round(option.busy_hours(input_tokens_m, output_tokens_m), 1),
                     "basis": option.basis})
    df = pd.DataFrame(rows)
    df["usd_per_month"] = df["usd_per_month"].round(2)
    return df.sort_values("usd_per_month", kind="stable").reset_index(drop=True)


def break_even_tokens_m(option: SelfHosting, usd_per_1m: float) -> float:
    """Million tokens per month above which an always-on ``option`` costs less than an API at ``usd_per_1m``."""
    if usd_per_1m <= 0:
        raise ValueError("usd_per_1m must be positive: a free API is never beaten on price.")
    return option.usd_per_hour * HOURS_PER_MONTH / usd_per_1m


def calculator_widget(prices, models, self_hosted, input_tokens_m: float = 30.0, output_tokens_m: float = 10.0):
    """An ipywidgets cost calculator: edit the workload and the self-hosting assumptions, read the table.

    The callback only sets an HTML widget's value (it prints nothing), so the stored notebook output is the
    widget's deterministic text form.
    """
    import ipywidgets as w

    style = {"description_width": "230px"}
    layout = w.Layout(width="380px")
    tin = w.FloatText(value=input_tokens_m, description="input tokens / month (M)", style=style, layout=layout)
    tout = w.FloatText(value=output_tokens_m, description="output tokens / month (M)", style=style, layout=layout)
    controls, rows = [], []
    for option in self_hosted:
        price = w.FloatText(value=option.usd_per_hour, description=f"{option.name}: USD/hour", style=style, layout=layout)
        decode = w.FloatText(value=option.decode_tokens_per_s, description=f"{option.name}: output tok/s",
                             style=style, layout=layout)
        on = w.Checkbox(value=option.always_on, description="always on (730 h/month)", indent=False)
        controls.append((option, price, decode, on))
        rows.append(w.HBox([price, decode, on]))
    result = w.HTML()

    def update(_=None):
        options = []
        for option, price, decode, on in controls:
            try:
                options.append(SelfHosting(option.name, price.value, decode.value,
                                           option.prefill_tokens_per_s * decode.value / option.decode_tokens_per_s,
                                           on.value, option.basis))
            except ValueError as err:
                result.value = f"<b>Check the inputs:</b> {err}"
                return
        try:
            table = cost_table(max(tin.value, 0), max(tout.value, 0), prices, options, models)
        except ValueError as err:
            result.value = f"<b>Check the inputs:</b> {err}"
            return
        result.value = table[["option", "usd_per_month", "busy_hours"]].to_html(index=False)

    for widget in [tin, tout] + [x for c in controls for x in c[1:]]:
        widget.observe(update, names="value")
    update()
    return w.VBox([w.HBox([tin, tout]), *rows, result])


# ---------------------------------------------------------------------------------------- decision guide

@dataclass(frozen=True)
class Criterion:
    key: str
    question: str  # answered yes or no
    favours: str  # "api" or "local"
    weight: int  # how much a "yes" counts (1-3); edit it to match your situation
    reason: str  # printed when the criterion counts


CRITERIA = [
    Criterion("data_must_stay_inside", "Must the data stay on our own machines (privacy, contracts)?", "local", 3,
              "the data may not leave your machines, and an API sends every prompt to its provider"),
    Criterion("compliance_audit", "Must we pin, inspect and audit the exact model version for years (compliance)?",
              "local", 2, "open weights can be archived and re-run unchanged; an API model can be retired or changed"),
    Criterion("offline_or_on_device", "Must it run without internet, on premises or on a device?", "local", 3,
              "only a model you run yourself works offline"),
    Criterion("deep_customization", "Do we need to fine-tune or change the model itself on our own data?", "local", 2,
              "open weights can be fine-tuned freely (lessons on fine-tuning); APIs offer limited tuning"),
    Criterion("high_steady_volume", "Is the volume large and steady (billions of tokens a month)?", "local", 1,
              "a busy, always-used GPU costs less per token than an API above the break-even volume"),
    Criterion("needs_top_quality", "Do the tasks need the best quality available (hard reasoning, broad knowledge)?",
              "api", 3, "the top-rated models are mostly closed, and the largest open ones need several GPUs to run"),
    Criterion("no_ops_team", "Do we lack people to run and update GPU servers?", "api", 2,
              "an API needs no servers, drivers, scaling or on-call duty"),
    Criterion("small_or_spiky_volume", "Is the volume small or unpredictable?", "api", 2,
              "an API bills per token, an idle GPU still costs rent"),
    Criterion("fast_time_to_market", "Must a first version ship within weeks?", "api", 1,
              "an API call is the fastest way to a working prototype"),
]

PROFILES = {
    # The decision guide's three situations, as yes/no answers to the criteria (edit them).
    "large company (regulated)": {"data_must_stay_inside": True, "compliance_audit": True, "high_steady_volume": True,
                                  "needs_top_quality": True},
    "startup": {"no_ops_team": True, "small_or_spiky_volume": True, "fast_time_to_market": True,
                "needs_top_quality": True},
    "in between": {"deep_customization": True, "high_steady_volume": True, "needs_top_quality": True},
}


@dataclass
class Recommendation:
    choice: str  # "API", "local model" or "either: start with an API, keep a local option"
    api_score: int
    local_score: int
    reasons: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"Recommendation: {self.choice} (API {self.api_score} : local {self.local_score})"]
        lines += [f"  - {reason}" for reason in self.reasons]
        return "\n".join(lines)


def criteria_table(criteria=CRITERIA):
    """The criteria as a DataFrame (key, question, favours, weight)."""
    import pandas as pd

    return pd.DataFrame([{"key": c.key, "question": c.question, "favours": c.favours, "weight": c.weight}
                         for c in criteria]).set_index("key")


def recommend(answers: dict, criteria=CRITERIA, weights: dict | None = None) -> Recommendation:
    """Score each "yes" answer for its side (API or local model) and say which side wins, with the reasons.

    ``answers`` maps criterion keys to True/False (missing keys count as no); ``weights`` overrides the
    default weight of some criteria.
    """
    known = {c.key: c for c in criteria}
    unknown = sorted(set(answers) - set(known))
    if unknown:
        raise KeyError(f"Unknown criteria {unknown}. Known: {', '.join(known)}")
    unknown = sorted(set(weights or {}) - set(known))
    if unknown:
        raise KeyError(f"Weights for unknown criteria {unknown}. Known: {', '.join(known)}")
    scores = {"api": 0, "local": 0}
    reasons = []
    for c in criteria:
        if answers.get(c.key):
            weight = (weights or {}).get(c.key, c.weight)
            if weight < 0:
                raise ValueError(f"The weight of {c.key} must be >= 0, got {weight}.")
            scores[c.favours] += weight
            reasons.append(f"{'API' if c.favours == 'api' else 'local'} +{weight}: {c.reason}")
    if scores["api"] > scores["local"]:
        choice = "API"
    elif scores["local"] > scores["api"]:
        choice = "local model"
    else:
        choice = "either: start with an API, keep a local option"
    return Recommendation(choice, scores["api"], scores["local"], reasons)
