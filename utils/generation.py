"""Run a model: greedy or sampled generation (one prompt, or a batch of prompts), next-token tables, token tables.

All functions take the ``(tokenizer, model)`` pair that ``utils.models.load_model`` returns.
Greedy decoding is deterministic, so its text can be stored in a notebook and compared on every run.
"""
from __future__ import annotations

from typing import Sequence

from .i18n import tr
from .models import pad_id  # noqa: F401  (the one pad-id rule; lessons and scoring import it from here)


class EmptyPromptError(ValueError):
    """A prompt with no text in it."""


def check_prompt(prompt, empty_hint: str | None = None) -> str:
    """``prompt`` if it is a non-empty string; otherwise an EmptyPromptError that says what to write (``empty_hint``,
    by default "write a question or the start of a text, e.g. 'The capital of France is'", in the lesson's language).

    The one prompt check of the course: in-process generation uses it as is, ``utils.serving`` with its own hint."""
    if not isinstance(prompt, str):
        raise EmptyPromptError(tr("The prompt must be a string, got {kind}.", kind=type(prompt).__name__))
    if not prompt.strip():
        if empty_hint is None:
            empty_hint = tr("write a question or the start of a text, e.g. 'The capital of France is'")
        raise EmptyPromptError(tr("The prompt is empty: {hint}.", hint=empty_hint))
    return prompt


def uses_chat_template(tokenizer) -> bool:
    """True for instruction-tuned models that ship a chat template."""
    return bool(getattr(tokenizer, "chat_template", None))


def render_prompt(tokenizer, prompt: str, chat: bool | None = None, system: str | None = None) -> str:
    """The exact text the model receives: the chat template applied, or the prompt itself for a base model."""
    check_prompt(prompt)
    chat = uses_chat_template(tokenizer) if chat is None else chat
    if not chat:
        return prompt
    if not uses_chat_template(tokenizer):
        raise ValueError(tr("This tokenizer has no chat template: it belongs to a base model. Use chat=False."))
    messages = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": prompt}]
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


def encode(tokenizer, model, prompt: str, chat: bool | None = None, system: str | None = None):
    """Token ids (a 1 x n tensor on the model's device) for the rendered prompt."""
    text = render_prompt(tokenizer, prompt, chat=chat, system=system)
    # A chat template already starts with its own special tokens; a plain prompt gets the tokenizer's BOS.
    add_special = not (chat if chat is not None else uses_chat_template(tokenizer))
    ids = tokenizer(text, return_tensors="pt", add_special_tokens=add_special).input_ids
    return ids.to(model.device)




def greedy_options(tokenizer) -> dict:
    """``model.generate`` options for greedy decoding.

    Sampling settings are set to None explicitly: a model's generation config may carry some, and
    transformers warns when they are combined with ``do_sample=False``.
    """
    return dict(do_sample=False, temperature=None, top_p=None, top_k=None, pad_token_id=pad_id(tokenizer))


def generate(
    tokenizer,
    model,
    prompt: str,
    max_new_tokens: int = 40,
    chat: bool | None = None,
    system: str | None = None,
    temperature: float = 0.0,
    top_p: float = 1.0,
    repetition_penalty: float = 1.0,
    seed: int | None = 0,
) -> str:
    """The model's answer to ``prompt`` (only the new text).

    ``temperature=0`` is greedy decoding: the most probable token every step, the same text on every
    run. A temperature above 0 samples; ``seed`` fixes the random draws so a run can be repeated.
    """
    import torch

    if max_new_tokens < 1:
        raise ValueError(tr("max_new_tokens must be at least 1."))
    if temperature < 0:
        raise ValueError(tr("temperature must be 0 (greedy) or positive."))
    if not 0 < top_p <= 1:
        raise ValueError(tr("top_p must be in (0, 1]."))
    ids = encode(tokenizer, model, prompt, chat=chat, system=system)
    options = greedy_options(tokenizer)
    options["max_new_tokens"] = max_new_tokens
    if repetition_penalty != 1.0:
        options["repetition_penalty"] = repetition_penalty
    if temperature > 0:
        options.update(do_sample=True, temperature=temperature, top_p=top_p, top_k=0)
        if seed is not None:
            torch.manual_seed(seed)
    with torch.inference_mode():
        out = model.generate(ids, attention_mask=torch.ones_like(ids), **options)
    return tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True).strip()


def generate_batch(tokenizer, model, prompts: Sequence[str], max_new_tokens: int = 40,
                   chat: bool | None = None) -> list[str]:
    """Greedy answers to several prompts in one batch (left padding), only the new text of each.

    Each prompt is rendered by ``render_prompt`` (the chat template when the model has one, unless
    ``chat=False``), exactly as ``generate`` renders it. Padding can move the last digits of a logit, so a
    batched answer may rarely differ from ``generate``'s; the same batch always gives the same text.
    """
    import torch

    prompts = [check_prompt(p) for p in prompts]
    if not prompts:
        raise EmptyPromptError(tr("Give at least one prompt."))
    if max_new_tokens < 1:
        raise ValueError(tr("max_new_tokens must be at least 1."))
    texts = [render_prompt(tokenizer, p, chat=chat) for p in prompts]
    add_special = not (chat if chat is not None else uses_chat_template(tokenizer))  # as in encode()
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"  # new tokens follow each prompt directly
    try:
        batch = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=add_special).to(model.device)
    finally:
        tokenizer.padding_side = side
    with torch.inference_mode():
        out = model.generate(**batch, max_new_tokens=max_new_tokens, **greedy_options(tokenizer))
    return [tokenizer.decode(row[batch.input_ids.shape[1]:], skip_special_tokens=True).strip() for row in out]


def next_token_table(tokenizer, model, prompt: str, k: int = 10, chat: bool | None = None, decimals: int = 3):
    """The ``k`` most probable next tokens after ``prompt``, as a DataFrame (probabilities rounded).

    Rounding matters: the last digits of a probability differ between CPUs and thread counts.
    """
    import pandas as pd
    import torch

    if k < 1:
        raise ValueError(tr("k must be at least 1."))
    ids = encode(tokenizer, model, prompt, chat=chat)
    with torch.inference_mode():
        logits = model(ids).logits[0, -1].float()
    probs = torch.softmax(logits, dim=-1)
    top = torch.topk(probs, k)
    rows = []
    for rank, (p, token_id) in enumerate(zip(top.values.tolist(), top.indices.tolist()), start=1):
        rows.append(
            {
                "rank": rank,
                "token": show_token(tokenizer.decode([token_id])),
                "token id": token_id,
                "probability": round(p, decimals),
            }
        )
    return pd.DataFrame(rows).set_index("rank")


def show_token(text: str) -> str:
    """A token's text made visible: quoted, so that leading spaces and newlines show (' lunch', '\\n')."""
    return repr(text)


def tokenize_table(tokenizer, text: str):
    """How a tokenizer cuts ``text``: one row per token, with its id and the text it stands for."""
    import pandas as pd

    check_prompt(text)
    ids = tokenizer(text, add_special_tokens=False).input_ids
    return pd.DataFrame(
        {"token id": ids, "text": [show_token(tokenizer.decode([i])) for i in ids]},
        index=pd.RangeIndex(1, len(ids) + 1, name="position"),
    )
