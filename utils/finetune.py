"""Fine-tuning in miniature (lesson 07): the plumbing around the ideas the lesson writes out in its cells.

The lesson's export cells (collected into ``utils.lessons.lesson07``) hold the ideas: ROUGE-L and the
Self-Instruct similarity rule, LoRA on one linear layer with its parameter count, and the training loop.
This module holds what surrounds them, for the ``(tokenizer, model)`` pair of ``utils.models.load_model``:

- self-instruct: ``self_instruct_prompts`` -> ``utils.generation.generate_batch`` -> ``parse_instruction`` ->
  ``filter_instructions`` (length, banned words, duplicates and the lesson's ROUGE-L rule, as in Wang et al.
  2022, arXiv 2212.10560 section 2.2, as one table of verdicts)
- training data: ``format_response``, ``build_examples`` (prompt tokens masked out of the loss)
- LoRA on a whole model with peft: ``add_lora``, ``load_adapter``, ``lora_count_for`` (the formula, for checking)
- scoring: ``follows_format``, ``exact_match``, ``answer_logprob``
"""
from __future__ import annotations

import contextlib
import re
import warnings
from dataclasses import dataclass

from .generation import pad_id, render_prompt
from .i18n import tr
from .lessons.lesson07 import MAX_ROUGE, closest, collate, is_new_task, lora_parameter_count, words

FORMAT_RE = re.compile(r"^Answer: (?P<answer>[^\n]+)\nWhy: (?P<why>[^\n]+)$")
"""The answer format the course dataset teaches: two lines, ``Answer: ...`` then ``Why: ...``."""

LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
"""Every linear layer of a Llama-style block (the QLoRA recipe); the LoRA paper adapted only q and v."""

BANNED_WORDS = ("image", "picture", "graph", "photo", "video")
"""A language model cannot see or draw these; Self-Instruct drops instructions that mention such things."""


# --------------------------------------------------------------------------------------------------
# self-instruct: the filters around the ROUGE-L rule
# --------------------------------------------------------------------------------------------------
def filter_instructions(candidates, existing=(), min_words: int = 3, max_words: int = 25,
                        max_rouge: float = MAX_ROUGE, banned=BANNED_WORDS):
    """Judge each candidate instruction in order, as Self-Instruct grows its task pool.

    A candidate is kept only if it has ``min_words``..``max_words`` words, mentions none of ``banned``,
    is not a duplicate (same words) of one already in the pool, and passes the lesson's ``is_new_task``: its
    ROUGE-L with every instruction in the pool (``existing`` plus the candidates kept so far) is below ``max_rouge``.
    Returns a DataFrame: instruction, words, max ROUGE-L, most similar, verdict ("kept" or the reason).
    """
    import pandas as pd

    if isinstance(candidates, str) or isinstance(existing, str):
        raise TypeError(tr("Pass lists of instructions, not a single string: filter_instructions(['...'], ['...'])."))
    if not 0 < max_rouge <= 1:
        raise ValueError(tr("max_rouge must be in (0, 1]; Self-Instruct used 0.7."))
    if min_words < 1 or max_words < min_words:
        raise ValueError(tr("Need 1 <= min_words <= max_words."))
    pool = [str(x) for x in existing]
    rows = []
    for text in candidates:
        text = "" if text is None else str(text).strip()
        n = len(words(text))
        best, nearest = closest(text, pool) if n else (0.0, "")
        if n < min_words:
            verdict = tr("too short (< {min_words} words)", min_words=min_words)
        elif n > max_words:
            verdict = tr("too long (> {max_words} words)", max_words=max_words)
        elif any(w in banned for w in words(text)):
            verdict = tr("mentions something a text model cannot see")
        elif any(words(text) == words(other) for other in pool):
            verdict = tr("duplicate")
        elif not is_new_task(text, pool, max_rouge):
            verdict = tr("too similar (ROUGE-L >= {max_rouge})", max_rouge=max_rouge)
        else:
            verdict = "kept"  # stays English in every edition: lessons select the kept rows with == "kept"
            pool.append(text)
        rows.append({"instruction": text, "words": n, "max ROUGE-L": round(best, 2),
                     "most similar": nearest, "verdict": verdict})
    return pd.DataFrame(rows)


def self_instruct_prompts(seed_instructions, n: int = 8, k: int = 4, seed: int = 0) -> list[str]:
    """``n`` plain-text prompts, each listing ``k`` seed instructions drawn at random (seeded), then ``k+1.``

    As in Self-Instruct, the model is not asked anything: it continues the numbered list, so the next
    line it writes is a new instruction. Generate with ``chat=False``.
    """
    import random

    seed_instructions = list(seed_instructions)
    if not 1 <= k <= len(seed_instructions):
        raise ValueError(tr("k must be between 1 and the number of seed instructions ({n}).", n=len(seed_instructions)))
    rng = random.Random(seed)
    prompts = []
    for _ in range(n):
        shown = rng.sample(seed_instructions, k)
        listing = "\n".join(f"{i}. {s}" for i, s in enumerate(shown, start=1))
        prompts.append(f"Come up with a list of short, different questions.\n{listing}\n{k + 1}.")
    return prompts


def parse_instruction(text: str) -> str:
    """The first non-empty line of a generated text, without numbering, quotes or a 'Question:' label."""
    for line in str(text).splitlines():
        line = re.sub(r"^\s*(\d+[.)]|[-*])\s*", "", line).strip()
        line = line.strip("\"'` ")
        line = re.sub(r"^(new )?(question|task|instruction)\s*\d*\s*:\s*", "", line, flags=re.I)
        line = line.strip("\"'` ")
        if line:
            return line
    return ""


# --------------------------------------------------------------------------------------------------
# training data
# --------------------------------------------------------------------------------------------------
def format_response(answer: str, why: str) -> str:
    """The response the course dataset teaches: ``Answer: <answer>`` newline ``Why: <one sentence>``."""
    if not str(answer).strip() or not str(why).strip():
        raise ValueError(tr("Both the answer and the reason must be non-empty."))
    return f"Answer: {str(answer).strip()}\nWhy: {str(why).strip()}"


def follows_format(text: str) -> bool:
    """True when ``text`` is exactly the two-line ``Answer: ...`` / ``Why: ...`` format."""
    return bool(FORMAT_RE.match(str(text).strip()))


def extract_answer(text: str) -> str | None:
    """The text after ``Answer:`` when ``text`` follows the format, else None."""
    match = FORMAT_RE.match(str(text).strip())
    return match.group("answer").strip() if match else None


def exact_match(text: str, reference: str) -> bool:
    """The ``Answer:`` line equals ``reference`` (ignoring case, spaces and a final full stop)."""
    answer = extract_answer(text)
    norm = lambda s: " ".join(words(s))  # noqa: E731
    return answer is not None and norm(answer) == norm(reference)


@dataclass
class Example:
    input_ids: list[int]
    labels: list[int]  # -100 where the loss is not computed (the prompt)


def build_examples(tokenizer, instructions, responses, max_tokens: int = 128) -> list[Example]:
    """Tokenize (instruction, response) pairs for training; the loss covers only the response.

    The prompt is the instruction rendered as one user turn by ``utils.generation.render_prompt``, exactly
    what the model sees when it answers. The response ends with the end-of-sequence token, the token that
    stops generation, so the model also learns to stop. Prompt tokens get the label -100 (not scored).
    """
    instructions, responses = list(instructions), list(responses)
    if len(instructions) != len(responses) or not instructions:
        raise ValueError(tr("Need as many responses as instructions (got {instructions} and {responses}), "
                            "and at least one of each.", instructions=len(instructions), responses=len(responses)))
    examples = []
    for instruction, response in zip(instructions, responses):
        prompt_ids = tokenizer(render_prompt(tokenizer, instruction), add_special_tokens=False).input_ids
        answer_ids = tokenizer(response + tokenizer.eos_token, add_special_tokens=False).input_ids
        if len(prompt_ids) + len(answer_ids) > max_tokens:
            raise ValueError(tr("An example has {n} tokens (> max_tokens={max_tokens}): shorten it.",
                                n=len(prompt_ids) + len(answer_ids), max_tokens=max_tokens))
        examples.append(Example(prompt_ids + answer_ids, [-100] * len(prompt_ids) + answer_ids))
    return examples


# --------------------------------------------------------------------------------------------------
# LoRA
# --------------------------------------------------------------------------------------------------
def add_lora(model, r: int = 8, alpha: int = 16, dropout: float = 0.0, targets=LORA_TARGETS, seed: int = 0):
    """Wrap ``model`` with fresh LoRA adapters (peft); only the adapters are trainable."""
    import torch
    from peft import LoraConfig, get_peft_model

    if r < 1:
        raise ValueError(tr("The LoRA rank r must be a positive integer (typical: 4 to 64)."))
    torch.manual_seed(seed)  # the A matrices start random: seed them
    config = LoraConfig(r=r, lora_alpha=alpha, lora_dropout=dropout, target_modules=list(targets),
                        task_type="CAUSAL_LM")
    with _quiet_peft():
        return get_peft_model(model, config)


def load_adapter(base_model, folder):
    """Put a saved LoRA adapter (``model.save_pretrained(folder)``) back on a freshly loaded base model."""
    from pathlib import Path

    from peft import PeftModel

    if not (Path(folder) / "adapter_config.json").is_file():
        raise FileNotFoundError(tr("No adapter_config.json in that folder: save the adapter first with "
                                   "model.save_pretrained(folder)."))
    with _quiet_peft():
        model = PeftModel.from_pretrained(base_model, folder)
    model.eval()
    return model


@contextlib.contextmanager
def _quiet_peft():
    """peft 0.21 calls a transformers 5.23 property that warns it is deprecated; nothing a learner can act on."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        yield


def lora_count_for(model, r: int, targets=LORA_TARGETS) -> int:
    """The LoRA parameter count from the lesson's formula, summed over every targeted linear layer of ``model``."""
    import torch

    total = 0
    for name, module in model.named_modules():
        parts = name.split(".")
        if parts[-1] == "base_layer":  # a layer that peft has already wrapped
            parts = parts[:-1]
        elif hasattr(module, "base_layer"):
            continue
        if isinstance(module, torch.nn.Linear) and parts[-1] in targets:
            total += lora_parameter_count(module.in_features, module.out_features, r)
    if total == 0:
        raise ValueError(tr("No linear layer named {targets} in this model.", targets=list(targets)))
    return total


# --------------------------------------------------------------------------------------------------
# scoring
# --------------------------------------------------------------------------------------------------
def answer_logprob(tokenizer, model, instructions, responses) -> float:
    """Mean log-probability per response token of the reference responses (higher is better, max 0)."""
    import torch

    examples = build_examples(tokenizer, instructions, responses)
    batch = {k: v.to(model.device) for k, v in collate(examples, pad_id(tokenizer)).items()}
    with torch.inference_mode():
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits.float()
    targets = batch["labels"][:, 1:]
    logprobs = torch.log_softmax(logits[:, :-1], dim=-1)
    keep = targets != -100
    picked = logprobs.gather(-1, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    return float(picked[keep].mean())

