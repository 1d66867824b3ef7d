"""A live scaling experiment small enough for a laptop CPU: tiny LLaMA-style models, one token budget.

The models use the same architecture class as SmolLM2 (``transformers.LlamaForCausalLM``: RMSNorm,
rotary positions, SwiGLU MLP, tied embeddings), only a few thousand to a few hundred thousand
parameters. The tokenizer reads characters (96 symbols), so the embedding stays small and almost
every parameter counts in Kaplan's "non-embedding" sense.

The corpus is the text of Python 3.11's own documentation (the language-reference topics that ship
with every Python as ``pydoc_data.topics``), stored in ``assets/scaling_corpus_python_docs.txt``
under the PSF License Agreement (``assets/scaling_corpus_LICENSE.txt``).

The training step itself (forward, loss, backward, update) is written out in lesson 03 and imported
from ``utils.lessons.lesson03``, the module generated from the lesson's export cells; this module adds
the plumbing around it: data, batches, the learning-rate schedule, the held-out measurement.

Everything is seeded and runs with a fixed number of threads, so one machine gives the same losses
run after run; a different CPU or thread count can move the third decimal, so lessons print losses
rounded to two decimals.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from .i18n import tr

if TYPE_CHECKING:
    import pandas as pd
    import torch
    from transformers import LlamaForCausalLM

CORPUS_FILE = "scaling_corpus_python_docs.txt"  # PSF License Agreement: assets/scaling_corpus_LICENSE.txt
VOCAB = "\n" + "".join(chr(c) for c in range(32, 127))  # 96 symbols: newline and printable ASCII
UNKNOWN = "?"


@dataclass(frozen=True)
class TinySize:
    """The shape of one tiny model; ``name`` is how lessons label it."""

    name: str
    hidden: int
    layers: int
    heads: int

    def __post_init__(self) -> None:
        if self.hidden <= 0 or self.layers <= 0 or self.heads <= 0:
            raise ValueError(tr("{name}: hidden, layers and heads must be positive, got {size}.", name=self.name, size=self))
        if self.hidden % self.heads or (self.hidden // self.heads) % 2:
            raise ValueError(tr("{name}: hidden ({hidden}) must split into {heads} heads of an even size (rotary "
                                "embeddings need pairs); pick another hidden size or head count.",
                                name=self.name, hidden=self.hidden, heads=self.heads))


# Five sizes, widths and depths growing together as in Kaplan et al. (their Fig. 5 shows the shape matters little).
SIZES = (
    TinySize("xs", hidden=16, layers=1, heads=2),
    TinySize("s", hidden=32, layers=2, heads=4),
    TinySize("m", hidden=48, layers=3, heads=4),
    TinySize("l", hidden=64, layers=4, heads=4),
    TinySize("xl", hidden=96, layers=4, heads=6),
)


@dataclass(frozen=True)
class RunResult:
    name: str
    hidden: int
    layers: int
    params: int  # all parameters
    non_embedding_params: int  # without the (tied) token embedding: what Kaplan's N counts
    tokens: int  # training tokens seen (characters)
    flops: float  # 6 * non_embedding_params * tokens
    loss: float  # held-out loss in nats per character, rounded to 3 decimals


def encode(text: str) -> list[int]:
    """Characters -> ids in VOCAB; tabs become 4 spaces, other characters outside VOCAB become '?'."""
    if not isinstance(text, str):
        raise TypeError(tr("encode expects a str, got {kind}.", kind=type(text).__name__))
    index = {c: i for i, c in enumerate(VOCAB)}
    unk = index[UNKNOWN]
    return [index.get(c, unk) for c in text.replace("\t", "    ")]


def decode(ids: Iterable[int]) -> str:
    return "".join(VOCAB[int(i)] for i in ids)


def load_corpus(max_chars: int | None = None) -> str:
    """The shipped corpus as text (optionally only its first ``max_chars`` characters)."""
    from .paths import asset

    text = asset(CORPUS_FILE).read_text(encoding="ascii")
    return text if max_chars is None else text[:max_chars]


def make_model(size: TinySize, context: int = 64, seed: int = 0) -> LlamaForCausalLM:
    """A freshly initialized, seeded ``LlamaForCausalLM`` of the given tiny size."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=len(VOCAB),
        hidden_size=size.hidden,
        intermediate_size=int(size.hidden * 8 / 3 + 7) // 8 * 8,  # SwiGLU width about 8/3 of hidden, as in LLaMA
        num_hidden_layers=size.layers,
        num_attention_heads=size.heads,
        num_key_value_heads=size.heads,
        max_position_embeddings=context,
        tie_word_embeddings=True,  # as SmolLM2 does
        bos_token_id=None,
        eos_token_id=None,
        pad_token_id=None,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    model.config.use_cache = False
    return model


def count_params(model: torch.nn.Module) -> tuple[int, int]:
    """(all parameters, non-embedding parameters); tied weights are counted once."""
    total = sum(p.numel() for p in model.parameters())
    embedding = model.get_input_embeddings().weight.numel()
    return total, total - embedding


def load_data(corpus: str | None = None, held_out_fraction: float = 0.1) -> tuple[torch.Tensor, torch.Tensor]:
    """The corpus as two tensors of symbol ids: the training part and the held-out last 10 %."""
    import torch

    data = torch.tensor(encode(corpus if corpus is not None else load_corpus()), dtype=torch.long)
    split = int(len(data) * (1 - held_out_fraction))
    return data[:split], data[split:]


def batches(data: torch.Tensor, n_batches: int, batch_size: int, context: int, seed: int) -> Iterator[torch.Tensor]:
    """``n_batches`` seeded batches of ``batch_size`` random windows of ``context + 1`` symbols each.

    Each row holds a window and the symbol after it: the model reads ``row[:-1]`` and is scored on ``row[1:]``.
    """
    import torch

    if len(data) <= context + 1:
        raise ValueError(tr("The data ({n} symbols) is too short for context {context}.", n=len(data), context=context))
    g = torch.Generator().manual_seed(seed)
    starts = torch.randint(0, len(data) - context - 1, (n_batches, batch_size), generator=g)
    offsets = torch.arange(context + 1)
    for row in starts:
        yield data[row[:, None] + offsets]


def train_one(size: TinySize, tokens: int = 300_000, batch_size: int = 32, context: int = 64, lr: float = 3e-3,
              seed: int = 0, threads: int = 1, eval_batches: int = 8, corpus: str | None = None) -> RunResult:
    """Train one tiny model on ``tokens`` characters of the corpus and measure its held-out loss.

    Each step is lesson 03's ``train_step`` (forward, loss, backward, update). Around it: the last 10 % of the
    corpus is held out; the same seed gives the same batches for every size, so the sizes differ only in the
    model; AdamW with a linear warm-up, then cosine decay to a tenth of ``lr``.
    """
    import math

    import torch

    from .lessons.lesson03 import next_token_loss, train_step

    if tokens < batch_size * context:
        raise ValueError(tr("tokens={tokens} is less than one batch ({batch_size} x {context} = {batch}); "
                            "raise tokens or lower batch_size/context.",
                            tokens=tokens, batch_size=batch_size, context=context, batch=batch_size * context))
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    train, held_out = load_data(corpus)
    if len(held_out) <= context + 1:
        raise ValueError(tr("The corpus is too short ({n} characters) for context {context}.",
                            n=len(train) + len(held_out), context=context))
    steps = tokens // (batch_size * context)
    model = make_model(size, context=context, seed=seed)
    total, non_embedding = count_params(model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.95), weight_decay=0.1)
    warmup = max(1, steps // 10)

    def schedule(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = (step - warmup) / max(1, steps - warmup)
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    model.train()
    for batch in batches(train, steps, batch_size, context, seed):
        train_step(model, batch, optimizer)
        scheduler.step()
    model.eval()
    with torch.no_grad():
        losses = [next_token_loss(model, b).item() for b in batches(held_out, eval_batches, batch_size, context, seed + 1)]
    seen = steps * batch_size * context
    return RunResult(size.name, size.hidden, size.layers, total, non_embedding, seen,
                     float(6 * non_embedding * seen), round(sum(losses) / len(losses), 3))


def run_series(sizes: Iterable[TinySize] = SIZES, tokens: int = 300_000, progress: Callable[[str], object] | None = print,
               **kwargs) -> pd.DataFrame:
    """Train every size on the same token budget; one progress line per model; a DataFrame of results."""
    import pandas as pd

    sizes = list(sizes)
    if not sizes:
        raise ValueError(tr("run_series needs at least one size (see utils.tinytrain.SIZES)."))
    rows = []
    for i, size in enumerate(sizes, 1):
        result = train_one(size, tokens=tokens, **kwargs)
        rows.append(result)
        if progress:
            progress(tr("model {i}/{n} ({name}): {params:,} non-embedding parameters, {tokens:,} tokens "
                        "-> held-out loss {loss:.2f} nats/char", i=i, n=len(sizes), name=result.name,
                        params=result.non_embedding_params, tokens=result.tokens, loss=result.loss))
    return pd.DataFrame([r.__dict__ for r in rows])
