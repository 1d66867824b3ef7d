"""Score a model on multiple-choice questions the way leaderboards score base models (MMLU-style).

Nothing is generated: for each question the model reads a prompt (the *context*) and we ask how
probable it finds each answer choice as the continuation. The choice with the highest
log-likelihood is the model's pick. Then: accuracy, a 95% confidence interval (Wilson) and the
accuracy of random guessing, so that a small benchmark is never over-read.

The prompt *format* is a choice of the evaluator, and it moves the score:

- ``"letters"``: question, choices labelled A-D, ``Answer:``; the continuations are `` A``.. `` D``
  (the MMLU paper's format);
- ``"numbers"``: the same, labelled 1-4;
- ``"cloze"``: question and ``Answer:`` only; the continuations are the answer texts themselves.
"""
from __future__ import annotations

import math
from typing import Sequence

from .generation import pad_id
from .i18n import tr

STYLES = ("letters", "numbers", "cloze")
LETTERS = "ABCDEFGH"


# --------------------------------------------------------------------------------------------------
# the log-likelihood of each choice
# --------------------------------------------------------------------------------------------------
def continuation_logprobs(tokenizer, model, context: str, continuations: Sequence[str]) -> list[tuple[float, int]]:
    """For each continuation: (sum of the log-probabilities of its tokens after ``context``, its token count).

    The same numbers as lesson 05's ``continuation_logprob`` (``utils.lessons.lesson05``), which scores one
    continuation at a time; here all of them go through the model in one batch (``batched_logprobs``: plumbing
    for speed, checked against the lesson's function in tests/test_scoring.py).

    Context and continuation are tokenized separately and joined, so every continuation is scored on the
    same context tokens. lm-evaluation-harness does it differently: it encodes ``context + continuation`` as
    one string and takes the tokens after the context's own (moving a trailing space of the context into
    the continuation). The two give the same token ids when no context ends in a space and no token spans
    the boundary, which holds for every prompt of ``build_prompt`` on the course's benchmark with both
    bundled tokenizers (tests/test_scoring.py checks it).
    """
    if not isinstance(context, str) or not context.strip():
        raise ValueError(tr("The context is empty: give the question text the choices follow."))
    if isinstance(continuations, str) or len(continuations) < 2:
        raise ValueError(tr("Give a list of at least two continuations (the answer choices)."))
    ctx = tokenizer(context, add_special_tokens=True).input_ids
    conts = [tokenizer(c, add_special_tokens=False).input_ids for c in continuations]
    if any(len(c) == 0 for c in conts):
        raise ValueError(tr("A continuation has no tokens: {continuations!r}. Every choice needs text.",
                            continuations=list(continuations)))
    return batched_logprobs(tokenizer, model, [(ctx, c) for c in conts])


def batched_logprobs(tokenizer, model, pairs: Sequence[tuple[list[int], list[int]]],
                     rows_per_pass: int = 16) -> list[tuple[float, int]]:
    """(summed log-probability, token count) of each ``(context ids, continuation ids)`` pair, many per forward pass.

    The model reads ``context + continuation`` minus its last token (that token is only predicted), so all
    single-token choices of a question share one row. Every forward pass reads all the weights once (lesson
    05, section 4), so 16 rows in one pass cost far less than 16 passes. Rows are padded on the left and
    sorted by length; position ids count from each row's first real token, so padding moves no position.
    """
    import torch

    rows: dict[tuple[int, ...], int] = {}
    for ctx, cont in pairs:
        rows.setdefault(tuple(ctx + cont[:-1]), len(rows))
    needed = [0] * len(rows)  # per row: how many final positions' logits are read
    for ctx, cont in pairs:
        row = rows[tuple(ctx + cont[:-1])]
        needed[row] = max(needed[row], len(cont))
    logp_of: dict[int, torch.Tensor] = {}
    order = sorted(rows.items(), key=lambda kv: len(kv[0]))
    pad, device = pad_id(tokenizer), model.device
    with torch.inference_mode():
        for start in range(0, len(order), rows_per_pass):
            chunk = order[start:start + rows_per_pass]
            width = max(len(ids) for ids, _ in chunk)
            keep = max(needed[row] for _, row in chunk)
            ids = [[pad] * (width - len(r)) + list(r) for r, _ in chunk]
            mask = [[0] * (width - len(r)) + [1] * len(r) for r, _ in chunk]
            positions = [[0] * (width - len(r)) + list(range(len(r))) for r, _ in chunk]
            logits = model(torch.tensor(ids, device=device), attention_mask=torch.tensor(mask, device=device),
                           position_ids=torch.tensor(positions, device=device), logits_to_keep=keep).logits
            logp = torch.log_softmax(logits.float(), dim=-1)  # (rows, keep, vocabulary)
            for i, (_, row) in enumerate(chunk):
                logp_of[row] = logp[i]
    out = []
    for ctx, cont in pairs:
        logp = logp_of[rows[tuple(ctx + cont[:-1])]]
        first = logp.shape[0] - len(cont)  # the kept position whose logits predict the continuation's first token
        out.append((sum(float(logp[first + i, token]) for i, token in enumerate(cont)), len(cont)))
    return out


def pick(scores: Sequence[tuple[float, int]] | Sequence[float], normalize: bool = False) -> int:
    """Index of the best choice: highest summed log-likelihood, or per token with ``normalize=True``."""
    if len(scores) == 0:
        raise ValueError(tr("No scores to pick from."))
    values = []
    for s in scores:
        if isinstance(s, tuple):
            total, n = s
            values.append(total / n if normalize else total)
        else:
            if normalize:
                raise ValueError(tr("normalize=True needs (log-likelihood, token count) pairs."))
            values.append(float(s))
    return max(range(len(values)), key=values.__getitem__)


# --------------------------------------------------------------------------------------------------
# prompts
# --------------------------------------------------------------------------------------------------
def choices_of(item) -> list[str]:
    """The non-empty answer choices of one benchmark row (columns choice_a, choice_b, ...)."""
    out = []
    for letter in LETTERS.lower():
        value = item.get(f"choice_{letter}")
        if value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == "":
            break
        out.append(str(value).strip())
    if len(out) < 2:
        raise ValueError(tr("Item {id!r} has fewer than two choices (columns choice_a, choice_b, ...).",
                            id=item.get("id", "?")))
    return out


def build_prompt(item, style: str = "letters") -> tuple[str, list[str]]:
    """``(context, continuations)`` for one item in a prompt style (see the module docstring)."""
    if style not in STYLES:
        raise ValueError(tr("Unknown prompt style {style!r}: use one of {styles}.", style=style, styles=", ".join(STYLES)))
    choices = choices_of(item)
    question = str(item["question"]).strip()
    if style == "cloze":
        return f"Question: {question}\nAnswer:", [" " + c for c in choices]
    labels = LETTERS[: len(choices)] if style == "letters" else [str(i) for i in range(1, len(choices) + 1)]
    lines = [question] + [f"{label}. {c}" for label, c in zip(labels, choices)] + ["Answer:"]
    return "\n".join(lines), [f" {label}" for label in labels]


def answer_index(item) -> int:
    """The correct choice's index (the ``answer`` column holds a letter: A, B, C, ...)."""
    letter = str(item["answer"]).strip().upper()
    n = len(choices_of(item))
    if len(letter) != 1 or letter not in LETTERS[:n]:
        raise ValueError(tr("Item {id!r}: answer {answer!r} is not one of {letters}.",
                            id=item.get("id", "?"), answer=item["answer"], letters=LETTERS[:n]))
    return LETTERS.index(letter)


# --------------------------------------------------------------------------------------------------
# statistics
# --------------------------------------------------------------------------------------------------
def accuracy(picks: Sequence[int], answers: Sequence[int]) -> float:
    if len(picks) != len(answers):
        raise ValueError(tr("{picks} picks but {answers} answers: they must match one to one.",
                            picks=len(picks), answers=len(answers)))
    if not picks:
        raise ValueError(tr("No items: accuracy of nothing is undefined."))
    return sum(int(p == a) for p, a in zip(picks, answers)) / len(picks)


def wilson_interval(correct: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a proportion ``correct / n`` (95% with z = 1.96).

    Better than ``p ± z·sqrt(p(1-p)/n)`` for small n or p near 0 or 1: it never leaves [0, 1].
    """
    if n <= 0:
        raise ValueError(tr("n must be positive (the number of questions)."))
    if not 0 <= correct <= n:
        raise ValueError(tr("correct must be between 0 and n={n}, got {correct}.", n=n, correct=correct))
    p = correct / n
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def random_baseline(n_choices: Sequence[int] | int) -> float:
    """Expected accuracy of guessing uniformly: 1/k for k choices, averaged over items."""
    counts = [n_choices] if isinstance(n_choices, int) else list(n_choices)
    if not counts or any(int(k) < 2 for k in counts):
        raise ValueError(tr("Every item needs at least two choices."))
    return sum(1 / int(k) for k in counts) / len(counts)


# --------------------------------------------------------------------------------------------------
# a whole benchmark
# --------------------------------------------------------------------------------------------------
def evaluate(tokenizer, model, items, style: str = "letters", normalize: bool = False):
    """Score every row of ``items`` (a DataFrame with question, choice_a.., answer) in one prompt style.

    Returns a DataFrame indexed like ``items``: the pick (summed log-likelihood, or per token with
    ``normalize=True``), the correct letter, whether they match, and for each choice its log-likelihood,
    its token count and its length in characters (without the space that joins it to the prompt: what
    lm-evaluation-harness's ``acc_norm`` divides by), so that other picking rules need no second run.
    """
    import pandas as pd

    if len(items) == 0:
        raise ValueError(tr("The benchmark has no items."))
    prompts = [build_prompt(item, style) for _, item in items.iterrows()]
    pairs = []
    for context, continuations in prompts:
        ctx = tokenizer(context, add_special_tokens=True).input_ids
        pairs += [(ctx, tokenizer(c, add_special_tokens=False).input_ids) for c in continuations]
    flat = iter(batched_logprobs(tokenizer, model, pairs))  # every choice of every question, 16 per forward pass
    rows = []
    for (_, item), (context, continuations) in zip(items.iterrows(), prompts):
        scores = [next(flat) for _ in continuations]
        chosen = pick(scores, normalize=normalize)
        truth = answer_index(item)
        rows.append({"pick": LETTERS[chosen], "answer": LETTERS[truth], "correct": chosen == truth,
                     "n_choices": len(continuations), "logprobs": [s for s, _ in scores],
                     "tokens": [n for _, n in scores], "characters": [len(c.removeprefix(" ")) for c in continuations]})
    return pd.DataFrame(rows, index=items.index)


def summarize(results, label: str = "") -> dict:
    """Accuracy, 95% Wilson interval and random baseline of an ``evaluate`` result (rounded to 3 places)."""
    n = len(results)
    correct = int(results["correct"].sum())
    low, high = wilson_interval(correct, n)
    out = {"correct": correct, "items": n, "accuracy": round(correct / n, 3),
           "95% CI low": round(low, 3), "95% CI high": round(high, 3),
           "random guess": round(random_baseline(results["n_choices"].tolist()), 3)}
    return {"run": label, **out} if label else out
