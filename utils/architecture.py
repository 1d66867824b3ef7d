"""The numbers that fix the size of a LLaMA-style model (lesson 04), and a count of a loaded model's weights.

``ArchConfig`` holds those numbers. Build one from a loaded model's config (``from_hf_config``), from Meta's
published dimensions (``from_llama_params``), or by name from ``assets/lineage_dimensions.csv``
(``from_dimensions("Llama 3 8B")``: the one reader of that file, for the lesson, its exercises and the tests).
``count_loaded_parameters`` counts a loaded model's weights per component and ``measured_kv_cache_bytes`` the
cache it returns, so that the lesson can check its formulas against the real model.

The formulas themselves are written out in the lesson (notebooks/04_llama_lineage.ipynb) and exported to
``utils.lessons.lesson04``: ``count_parameters_from_config``, ``llama_ffn_dim`` and ``kv_cache_bytes``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from .i18n import tr

if TYPE_CHECKING:  # for the type hints only: pandas and torch load when a function needs them
    import pandas as pd
    import torch

COMPONENTS = ("embedding", "attention", "mlp", "norms", "lm_head")
"""The parts a parameter count is split into (``total`` is their sum)."""

SUPPORTED_MODEL_TYPES = ("llama", "mistral", "gemma3_text")


class ArchitectureError(ValueError):
    """A configuration that the formulas cannot describe, or inconsistent numbers."""


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
        for name in ("vocab_size", "hidden_size", "num_layers", "num_heads", "num_kv_heads", "head_dim",
                     "intermediate_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ArchitectureError(tr("{model}: {name} must be a positive whole number, got {value!r}.",
                                            model=self.name, name=name, value=value))
        if self.num_heads % self.num_kv_heads:
            raise ArchitectureError(tr(
                "{model}: {heads} query heads cannot be shared evenly by {kv_heads} "
                "key-value heads; num_heads must be a multiple of num_kv_heads.",
                model=self.name, heads=self.num_heads, kv_heads=self.num_kv_heads,
            ))

    @property
    def gqa_group(self) -> int:
        """How many query heads share one key-value head (1: classic multi-head attention)."""
        return self.num_heads // self.num_kv_heads

    def with_kv_heads(self, num_kv_heads: int) -> ArchConfig:
        """The same model with another number of key-value heads (to compare MHA, GQA and MQA)."""
        heads = "1 kv head" if num_kv_heads == 1 else f"{num_kv_heads} kv heads"
        return replace(self, num_kv_heads=num_kv_heads, name=f"{self.name} ({heads})")


def _get(config, key, default=None):
    if isinstance(config, dict):
        return config.get(key, default)
    return getattr(config, key, default)


def from_hf_config(config: Any, name: str | None = None) -> ArchConfig:
    """An ``ArchConfig`` from a transformers config (``model.config``) or its dict (config.json)."""
    model_type = _get(config, "model_type")
    if model_type not in SUPPORTED_MODEL_TYPES:
        raise ArchitectureError(tr(
            "model_type {model_type!r} is not supported; the formulas cover {supported}. "
            "Pass model.config of a LLaMA, Mistral or Gemma 3 model, or build an ArchConfig by hand.",
            model_type=model_type, supported=", ".join(SUPPORTED_MODEL_TYPES),
        ))
    if _get(config, "attention_bias", False) or _get(config, "mlp_bias", False):
        raise ArchitectureError(tr("This config has bias vectors; the formulas here count bias-free layers only."))
    hidden = _get(config, "hidden_size")
    heads = _get(config, "num_attention_heads")
    gemma = model_type == "gemma3_text"
    return ArchConfig(
        name=name or _get(config, "_name_or_path") or model_type,
        vocab_size=_get(config, "vocab_size"),
        hidden_size=hidden,
        num_layers=_get(config, "num_hidden_layers"),
        num_heads=heads,
        num_kv_heads=_get(config, "num_key_value_heads") or heads,
        head_dim=_get(config, "head_dim") or hidden // heads,
        intermediate_size=_get(config, "intermediate_size"),
        tied_embeddings=bool(_get(config, "tie_word_embeddings", False)),
        norms_per_layer=4 if gemma else 2,
        qk_norm=gemma,
    )


def from_llama_params(name: str, dim: int, n_layers: int, n_heads: int, vocab_size: int, multiple_of: int,
                      n_kv_heads: int | None = None, ffn_dim_multiplier: float | None = None,
                      tied_embeddings: bool = False) -> ArchConfig:
    """An ``ArchConfig`` from the fields of Meta's ``params.json`` (LLaMA, Llama 2, Llama 3).

    The head dimension is dim / n_heads; the MLP width follows the lesson's ``llama_ffn_dim`` rule.
    ``params.json`` does not say whether the output layer reuses the embedding: LLaMA, Llama 2 and Llama 3
    keep a separate output layer, Llama 3.2 1B and 3B share it (its model card: "Shared Embeddings: Yes").
    """
    from .lessons.lesson04 import llama_ffn_dim

    if dim < 1 or n_heads < 1 or multiple_of < 1:
        raise ArchitectureError(tr("{model}: dim, n_heads and multiple_of must be positive.", model=name))
    if dim % n_heads:
        raise ArchitectureError(tr("{model}: dim {dim} is not a multiple of n_heads {n_heads}.",
                                     model=name, dim=dim, n_heads=n_heads))
    return ArchConfig(
        name=name,
        vocab_size=vocab_size,
        hidden_size=dim,
        num_layers=n_layers,
        num_heads=n_heads,
        num_kv_heads=n_kv_heads or n_heads,
        head_dim=dim // n_heads,
        intermediate_size=llama_ffn_dim(dim, multiple_of, ffn_dim_multiplier),
        tied_embeddings=tied_embeddings,
    )


DIMENSIONS_FILE = "lineage_dimensions.csv"
DIMENSION_COLUMNS = ("model", "dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "multiple_of",
                     "ffn_dim_multiplier", "tied_embeddings", "published_params")


def dimensions_table() -> "pd.DataFrame":
    """``assets/lineage_dimensions.csv``: Meta's published dimensions per model, with sources; indexed by model."""
    from .data import DataFileError, read_table

    df = read_table(DIMENSIONS_FILE, required=DIMENSION_COLUMNS)
    bad = sorted(set(df["tied_embeddings"]) - {"yes", "no"})
    if bad:
        raise DataFileError(tr("assets/{file}: tied_embeddings must be yes or no, not {bad}.",
                                 file=DIMENSIONS_FILE, bad=bad))
    return df.set_index("model")


def from_dimensions(model: str, table: "pd.DataFrame | None" = None) -> ArchConfig:
    """The ``ArchConfig`` of a model of ``assets/lineage_dimensions.csv``, by its name there ("LLaMA 7B")."""
    import pandas as pd

    table = dimensions_table() if table is None else table
    if model not in table.index:
        raise ArchitectureError(tr("No dimensions for {model!r}. Known models: {known}.",
                                   model=model, known=", ".join(table.index)))
    row = table.loc[model]
    multiplier = None if pd.isna(row["ffn_dim_multiplier"]) else float(row["ffn_dim_multiplier"])
    return from_llama_params(model, dim=int(row["dim"]), n_layers=int(row["n_layers"]), n_heads=int(row["n_heads"]),
                             n_kv_heads=int(row["n_kv_heads"]), vocab_size=int(row["vocab_size"]),
                             multiple_of=int(row["multiple_of"]), ffn_dim_multiplier=multiplier,
                             tied_embeddings=row["tied_embeddings"] == "yes")


def config_summary(cfg: ArchConfig) -> dict:
    """The configuration as a plain dict, with the derived grouped-query attention group size."""
    summary = asdict(cfg)
    summary["query heads per kv head"] = cfg.gqa_group
    return summary


# --------------------------------------------------------------------------------------------------
# the loaded model, to check the formulas against
# --------------------------------------------------------------------------------------------------
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
    raise ArchitectureError(tr("Cannot tell which component {parameter!r} belongs to.", parameter=parameter_name))


def count_loaded_parameters(model: "torch.nn.Module") -> dict[str, int]:
    """Parameters per component of a loaded model, counted tensor by tensor (a tied matrix counts once)."""
    counts = dict.fromkeys(COMPONENTS, 0)
    for name, tensor in model.named_parameters():  # named_parameters() lists a shared tensor only once
        counts[component_of(name)] += tensor.numel()
    counts["total"] = sum(counts.values())
    return counts


def measured_kv_cache_bytes(cache: Any) -> int:
    """Bytes held by the keys and values of a transformers cache (``outputs.past_key_values``)."""
    layers = getattr(cache, "layers", None)
    if layers is None:
        raise TypeError(tr("Expected a transformers Cache (outputs.past_key_values of a model run with use_cache=True)."))
    total = 0
    for layer in layers:
        for tensor in (layer.keys, layer.values):
            if tensor is not None:
                total += tensor.numel() * tensor.element_size()
    return total
