"""The LLaMA-style architecture in numbers, and the LLaMA family tree (lesson 04).

Parameter counts
    ``ArchConfig`` holds the few numbers that fix a decoder-only transformer's size. Build one from a loaded
    model's config (``from_hf_config``) or from Meta's published dimensions (``from_llama_params``);
    ``count_parameters`` then counts every weight per component with a formula, and
    ``count_loaded_parameters`` counts the same components on a loaded model, so the two can be compared.

Key-value cache
    ``kv_cache_bytes`` is the memory the cache of keys and values needs:
    2 (keys and values) x layers x key-value heads x head dimension x tokens x batch x bytes per number.
    Grouped-query attention (fewer key-value heads than query heads) shrinks it by heads / kv_heads.
    ``measured_kv_cache_bytes`` measures the cache a transformers model really returns.

Family tree
    ``check_lineage`` validates the lineage table (assets/lineage_models.csv); ``descendants`` walks it;
    ``family_tree_figure`` draws it as an interactive plotly graph. ``read_recipes`` loads the tiny
    data-format examples of assets/lineage_recipes.json.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, replace

COMPONENTS = ("embedding", "attention", "mlp", "norms", "lm_head")
"""The parts a parameter count is split into (``total`` is their sum)."""

SUPPORTED_MODEL_TYPES = ("llama", "mistral", "gemma3_text")


class ArchitectureError(ValueError):
    """A configuration that the formulas here cannot describe, or inconsistent numbers."""


class LineageError(ValueError):
    """A lineage table that does not form a valid family tree."""


# --------------------------------------------------------------------------------------------------
# parameter counts
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ArchConfig:
    """The numbers that fix the size of a LLaMA-style decoder (no biases, gated MLP, RMSNorm)."""

    name: str
    vocab_size: int
    hidden_size: int
    num_layers: int
    num_heads: int  # query heads
    num_kv_heads: int  # key-value heads: equal to num_heads without grouped-query attention
    head_dim: int
    intermediate_size: int  # width of the gated MLP (SwiGLU in LLaMA, GeGLU in Gemma)
    tied_embeddings: bool  # True: the output layer reuses the input embedding matrix
    norms_per_layer: int = 2  # RMSNorm weight vectors of size hidden_size in each block
    qk_norm: bool = False  # Gemma 3: an RMSNorm on every query and key head (head_dim weights each)

    def __post_init__(self):
        for field in ("vocab_size", "hidden_size", "num_layers", "num_heads", "num_kv_heads", "head_dim",
                      "intermediate_size"):
            value = getattr(self, field)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ArchitectureError(f"{self.name}: {field} must be a positive whole number, got {value!r}.")
        if self.num_heads % self.num_kv_heads:
            raise ArchitectureError(
                f"{self.name}: {self.num_heads} query heads cannot be shared evenly by {self.num_kv_heads} "
                "key-value heads; num_heads must be a multiple of num_kv_heads."
            )

    @property
    def gqa_group(self) -> int:
        """How many query heads share one key-value head (1: classic multi-head attention)."""
        return self.num_heads // self.num_kv_heads

    def with_kv_heads(self, num_kv_heads: int) -> "ArchConfig":
        """The same model with another number of key-value heads (to compare MHA, GQA and MQA)."""
        heads = "1 kv head" if num_kv_heads == 1 else f"{num_kv_heads} kv heads"
        return replace(self, num_kv_heads=num_kv_heads, name=f"{self.name} ({heads})")


def _get(config, key, default=None):
    if isinstance(config, dict):
        return config.get(key, default)
    return getattr(config, key, default)


def from_hf_config(config, name: str | None = None) -> ArchConfig:
    """An ``ArchConfig`` from a transformers config (``model.config``) or its dict (config.json)."""
    model_type = _get(config, "model_type")
    if model_type not in SUPPORTED_MODEL_TYPES:
        raise ArchitectureError(
            f"model_type {model_type!r} is not supported; the formulas cover {', '.join(SUPPORTED_MODEL_TYPES)}. "
            "Pass model.config of a LLaMA, Mistral or Gemma 3 model, or build an ArchConfig by hand."
        )
    if _get(config, "attention_bias", False) or _get(config, "mlp_bias", False):
        raise ArchitectureError("This config has bias vectors; the formulas here count bias-free layers only.")
    hidden = _get(config, "hidden_size")
    heads = _get(config, "num_attention_heads")
    head_dim = _get(config, "head_dim") or hidden // heads
    gemma = model_type == "gemma3_text"
    return ArchConfig(
        name=name or _get(config, "_name_or_path") or model_type,
        vocab_size=_get(config, "vocab_size"),
        hidden_size=hidden,
        num_layers=_get(config, "num_hidden_layers"),
        num_heads=heads,
        num_kv_heads=_get(config, "num_key_value_heads") or heads,
        head_dim=head_dim,
        intermediate_size=_get(config, "intermediate_size"),
        tied_embeddings=bool(_get(config, "tie_word_embeddings", False)),
        norms_per_layer=4 if gemma else 2,
        qk_norm=gemma,
    )


def llama_ffn_dim(dim: int, multiple_of: int, ffn_dim_multiplier: float | None = None) -> int:
    """The MLP width Meta's reference code derives from the model width (facebookresearch/llama model.py).

    Start from 4 x dim, take 2/3 of it (a gated MLP has three matrices instead of two), apply the optional
    multiplier, then round up to a multiple of ``multiple_of``. LLaMA 7B: 4096 -> 11008.
    """
    if dim < 1 or multiple_of < 1:
        raise ArchitectureError("dim and multiple_of must be positive.")
    hidden = int(2 * (4 * dim) / 3)
    if ffn_dim_multiplier is not None:
        hidden = int(ffn_dim_multiplier * hidden)
    return multiple_of * math.ceil(hidden / multiple_of)


def from_llama_params(name: str, dim: int, n_layers: int, n_heads: int, vocab_size: int, multiple_of: int,
                      n_kv_heads: int | None = None, ffn_dim_multiplier: float | None = None) -> ArchConfig:
    """An ``ArchConfig`` from the fields of Meta's ``params.json`` (LLaMA, Llama 2, Llama 3).

    Meta's models do not tie the output layer to the embedding, and their head dimension is dim / n_heads.
    """
    if dim % n_heads:
        raise ArchitectureError(f"{name}: dim {dim} is not a multiple of n_heads {n_heads}.")
    return ArchConfig(
        name=name,
        vocab_size=vocab_size,
        hidden_size=dim,
        num_layers=n_layers,
        num_heads=n_heads,
        num_kv_heads=n_kv_heads or n_heads,
        head_dim=dim // n_heads,
        intermediate_size=llama_ffn_dim(dim, multiple_of, ffn_dim_multiplier),
        tied_embeddings=False,
    )


def count_parameters(cfg: ArchConfig) -> dict[str, int]:
    """Parameters per component, computed from the configuration alone, and their ``total``.

    - embedding: vocab x hidden
    - attention, per layer: queries hidden x (heads x head_dim), keys and values 2 x hidden x (kv_heads x
      head_dim), output (heads x head_dim) x hidden
    - mlp, per layer: gate, up and down matrices, 3 x hidden x intermediate
    - norms: norms_per_layer x hidden per layer (+ 2 x head_dim with q/k norms), and the final norm
    - lm_head: vocab x hidden, or 0 when tied to the embedding
    """
    if not isinstance(cfg, ArchConfig):
        raise TypeError(f"count_parameters needs an ArchConfig (see from_hf_config), got {type(cfg).__name__}.")
    h, layers = cfg.hidden_size, cfg.num_layers
    q_width, kv_width = cfg.num_heads * cfg.head_dim, cfg.num_kv_heads * cfg.head_dim
    counts = {
        "embedding": cfg.vocab_size * h,
        "attention": layers * (h * q_width + 2 * h * kv_width + q_width * h),
        "mlp": layers * 3 * h * cfg.intermediate_size,
        "norms": layers * (cfg.norms_per_layer * h + (2 * cfg.head_dim if cfg.qk_norm else 0)) + h,
        "lm_head": 0 if cfg.tied_embeddings else cfg.vocab_size * h,
    }
    counts["total"] = sum(counts.values())
    return counts


def component_of(parameter_name: str) -> str:
    """Which component a parameter of a transformers LLaMA/Mistral/Gemma model belongs to."""
    if "embed_tokens" in parameter_name:
        return "embedding"
    if "lm_head" in parameter_name:
        return "lm_head"
    if "norm" in parameter_name:  # before self_attn: Gemma's q_norm and k_norm live inside self_attn
        return "norms"
    if "self_attn" in parameter_name:
        return "attention"
    if "mlp" in parameter_name:
        return "mlp"
    raise ArchitectureError(f"Cannot tell which component {parameter_name!r} belongs to.")


def count_loaded_parameters(model) -> dict[str, int]:
    """Parameters per component of a loaded model, counted tensor by tensor (a tied matrix counts once)."""
    counts = dict.fromkeys(COMPONENTS, 0)
    for name, tensor in model.named_parameters():  # named_parameters() lists a shared tensor only once
        counts[component_of(name)] += tensor.numel()
    counts["total"] = sum(counts.values())
    return counts


def parameter_table(*configs: ArchConfig, model=None):
    """A DataFrame: one column per configuration, one row per component; with ``model``, a
    "loaded model" column counted on the weights and a "difference" column (formula minus loaded)."""
    import pandas as pd

    if not configs:
        raise ArchitectureError("Give at least one ArchConfig.")
    table = pd.DataFrame({cfg.name: count_parameters(cfg) for cfg in configs})
    if model is not None:
        if len(configs) != 1:
            raise ArchitectureError("Compare one configuration with one loaded model at a time.")
        table["loaded model"] = pd.Series(count_loaded_parameters(model))
        table["difference"] = table[configs[0].name] - table["loaded model"]
    table.index.name = "component"
    return table


def config_summary(cfg: ArchConfig) -> dict:
    """The configuration as a plain dict, with the derived grouped-query attention group size."""
    summary = asdict(cfg)
    summary["query heads per kv head"] = cfg.gqa_group
    return summary


# --------------------------------------------------------------------------------------------------
# key-value cache
# --------------------------------------------------------------------------------------------------
def kv_cache_bytes(cfg: ArchConfig, tokens: int, batch: int = 1, bytes_per_value: int = 2) -> int:
    """Bytes of the key-value cache after ``tokens`` tokens (every layer attends to all of them).

    2 (keys and values) x layers x kv_heads x head_dim x tokens x batch x bytes per value
    (2 for float16/bfloat16, 4 for float32).
    """
    for label, value in (("tokens", tokens), ("batch", batch), ("bytes_per_value", bytes_per_value)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ArchitectureError(f"{label} must be a whole number >= 0, got {value!r}.")
    return 2 * cfg.num_layers * cfg.num_kv_heads * cfg.head_dim * tokens * batch * bytes_per_value


def measured_kv_cache_bytes(cache) -> int:
    """Bytes held by the keys and values of a transformers cache (``outputs.past_key_values``)."""
    layers = getattr(cache, "layers", None)
    if layers is None:
        raise TypeError("Expected a transformers Cache (outputs.past_key_values of a model run with use_cache=True).")
    total = 0
    for layer in layers:
        for tensor in (layer.keys, layer.values):
            if tensor is not None:
                total += tensor.numel() * tensor.element_size()
    return total


# --------------------------------------------------------------------------------------------------
# the family tree
# --------------------------------------------------------------------------------------------------
LINEAGE_COLUMNS = ("model", "family", "parent", "relation", "date", "date_precision", "params", "recipe",
                   "licence", "source", "retrieved")
RELATIONS = ("fine-tuned", "adapter", "continued pretraining", "pruned and distilled", "next generation")
"""Kinds of edges: every kind but "next generation" means fine-tuned or derived from the parent's weights;
"next generation" links a lab's successor model, trained from scratch, to its predecessor (dashed)."""


def check_lineage(df):
    """Raise LineageError unless the table forms a family tree: unique names, known parents, no cycles."""
    import pandas as pd

    missing = [c for c in LINEAGE_COLUMNS if c not in df.columns]
    if missing:
        raise LineageError(f"The lineage table lacks the column(s) {missing}.")
    duplicated = df["model"][df["model"].duplicated()].tolist()
    if duplicated:
        raise LineageError(f"Model names must be unique; repeated: {duplicated}.")
    names = set(df["model"])
    for row in df.itertuples():
        has_parent = isinstance(row.parent, str) and row.parent.strip() != ""
        if has_parent and row.parent not in names:
            raise LineageError(f"{row.model!r} names the parent {row.parent!r}, which is not a row of the table.")
        if has_parent != (isinstance(row.relation, str) and row.relation.strip() != ""):
            raise LineageError(f"{row.model!r}: a parent needs a relation and a relation needs a parent.")
        if has_parent and row.relation not in RELATIONS:
            raise LineageError(f"{row.model!r}: unknown relation {row.relation!r}; use one of {RELATIONS}.")
        if row.date_precision not in ("day", "month"):
            raise LineageError(f"{row.model!r}: date_precision must be 'day' or 'month'.")
    parents = dict(zip(df["model"], df["parent"]))
    for start in names:  # follow parents upwards: a cycle would come back to a model already seen
        seen, node = set(), start
        while isinstance(node, str) and node in parents:
            if node in seen:
                raise LineageError(f"The parent links form a cycle through {node!r}.")
            seen.add(node)
            node = parents[node]
    dates = pd.to_datetime(df["date"], format="mixed")
    by_name = dict(zip(df["model"], dates))
    for row in df.itertuples():  # a date known only to the month is compared by month
        if isinstance(row.parent, str):
            child, parent = by_name[row.model], by_name[row.parent]
            if row.date_precision == "month":
                child, parent = child.to_period("M"), parent.to_period("M")
            if child < parent:
                raise LineageError(f"{row.model!r} is dated before its parent {row.parent!r}.")
    return df


def children(df, name: str, relations=None) -> list[str]:
    """Direct children of ``name`` (optionally only through the given edge ``relations``), by date."""
    if name not in set(df["model"]):
        raise LineageError(f"{name!r} is not in the tree. Known models: {', '.join(df['model'])}.")
    mask = df["parent"] == name
    if relations is not None:
        mask &= df["relation"].isin(list(relations))
    return df[mask].sort_values(["date", "model"])["model"].tolist()


def descendants(df, name: str, relations=None) -> list[str]:
    """Every model below ``name`` in the tree (children, grandchildren, ...), in breadth-first order."""
    found, queue = [], [name]
    while queue:
        for child in children(df, queue.pop(0), relations):
            found.append(child)
            queue.append(child)
    return found


def release_label(df):
    """The release dates as text, to the precision they are known: 2023-03-13, or 2023-04 for a month."""
    import pandas as pd

    dates = pd.to_datetime(df["date"], format="mixed")
    return dates.dt.strftime("%Y-%m-%d").where(df["date_precision"] == "day", dates.dt.strftime("%Y-%m"))


def _hover(row) -> str:
    date = row.date.strftime("%Y-%m-%d" if row.date_precision == "day" else "%Y-%m")
    parent = f"{row.relation} from {row.parent}" if isinstance(row.parent, str) and row.parent else "no parent"
    return (f"<b>{row.model}</b><br>date: {date}<br>parameters: {row.params}<br>recipe: {row.recipe}"
            f"<br>licence: {row.licence}<br>{parent}<br>source: {row.source}")


def family_tree_figure(df, title: str = "The LLaMA family and the open models beside it"):
    """An interactive plotly graph of the lineage table.

    One row per model (grouped by family, oldest first), x = release date; nodes coloured by recipe,
    with date, parameters, recipe, licence and source on hover. Solid edges: fine-tuned or derived from
    the parent's weights; dashed edges: the next generation of the same lab, trained from scratch.
    """
    import pandas as pd
    import plotly.graph_objects as go
    from plotly.colors import qualitative

    check_lineage(df)
    df = df.copy()
    df["date"] = pd.to_datetime(df["date"], format="mixed")
    # families of one line (LLaMA -> Llama 2 -> Llama 3) stay together: order by the date of the oldest
    # ancestor, then by the family's first release
    parents, dates = dict(zip(df["model"], df["parent"])), dict(zip(df["model"], df["date"]))

    def root(name):
        while isinstance(parents[name], str) and parents[name]:
            name = parents[name]
        return name

    df["root_date"] = df["model"].map(lambda m: dates[root(m)])
    first = df.groupby("family").agg(root_date=("root_date", "min"), first=("date", "min"))
    family_order = first.sort_values(["root_date", "first"]).index.tolist()
    df["family_rank"] = df["family"].map({f: i for i, f in enumerate(family_order)})
    df = df.sort_values(["family_rank", "date", "model"]).reset_index(drop=True)
    df["y"] = range(len(df))
    pos = {row.model: (row.date.strftime("%Y-%m-%d"), row.y) for row in df.itertuples()}

    fig = go.Figure()
    for dashed in (False, True):
        xs, ys = [], []
        for row in df.itertuples():
            if isinstance(row.parent, str) and row.parent and (row.relation == "next generation") == dashed:
                (x0, y0), (x1, y1) = pos[row.parent], pos[row.model]
                xs += [x0, x1, None]
                ys += [y0, y1, None]
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="lines", hoverinfo="skip",
            line=dict(color="#9e9e9e", width=1.5, dash="dash" if dashed else "solid"),
            name="next generation (trained from scratch)" if dashed else "fine-tuned or derived from",
        ))
    palette = qualitative.Dark24
    recipes = list(dict.fromkeys(df.sort_values(["date", "model"])["recipe"]))
    for i, recipe in enumerate(recipes):
        part = df[df["recipe"] == recipe]
        fig.add_trace(go.Scatter(
            x=[pos[m][0] for m in part["model"]], y=part["y"].tolist(), mode="markers+text",
            marker=dict(size=12, color=palette[i % len(palette)], line=dict(width=1, color="white")),
            text=part["model"].tolist(), textposition="middle right", textfont=dict(size=10),
            hovertext=[_hover(r) for r in part.itertuples()], hoverinfo="text", name=recipe,
        ))
    # family labels on the left, one per block of rows
    tick_vals = [int(part["y"].mean() * 2) / 2 for _, part in df.groupby("family_rank")]
    fig.update_layout(
        title=title, height=28 * len(df) + 160, hovermode="closest",
        legend=dict(title="recipe / edge", font=dict(size=10)),
        margin=dict(l=10, r=10, t=60, b=40),
        yaxis=dict(tickvals=tick_vals, ticktext=family_order, autorange="reversed", zeroline=False,
                   showgrid=False, title=None),
        xaxis=dict(title="release date", range=["2023-01-01", "2025-12-31"]),
    )
    return fig


# --------------------------------------------------------------------------------------------------
# recipes: tiny examples of each data format
# --------------------------------------------------------------------------------------------------
RECIPE_KEYS = ("recipe", "used_by", "what", "example", "source", "retrieved")


def read_recipes(name: str = "lineage_recipes.json") -> dict[str, dict]:
    """The recipe examples of assets/<name>, keyed by recipe, each checked for a source and a date."""
    from datetime import date

    from .paths import asset

    entries = json.loads(asset(name).read_text(encoding="utf-8"))
    recipes = {}
    for i, entry in enumerate(entries):
        missing = [k for k in RECIPE_KEYS if not entry.get(k)]
        if missing:
            raise LineageError(f"assets/{name}: entry {i} lacks {missing}.")
        date.fromisoformat(entry["retrieved"])  # raises ValueError for a malformed date
        if entry["recipe"] in recipes:
            raise LineageError(f"assets/{name}: recipe {entry['recipe']!r} appears twice.")
        recipes[entry["recipe"]] = entry
    return recipes


def show_recipe(recipes: dict, recipe: str) -> None:
    """Print one recipe: who used it, what it does, and its example record as JSON."""
    if recipe not in recipes:
        raise KeyError(f"No recipe {recipe!r}. Known recipes: {', '.join(recipes)}.")
    entry = recipes[recipe]
    print(f"{entry['recipe']}  (used by {entry['used_by']})")
    print(entry["what"])
    print(json.dumps(entry["example"], indent=2, ensure_ascii=False))
    print(f"source: {entry['source']}")
