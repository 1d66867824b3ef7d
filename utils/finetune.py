"""Fine-tuning in miniature (lesson 07): self-instruct filters, LoRA set-up, a small training loop, scores.

Everything works with the ``(tokenizer, model)`` pair of ``utils.models.load_model`` on the CPU (or the
GPU when there is one). The pieces:

- self-instruct: ``self_instruct_prompts`` -> ``generate_batch`` -> ``parse_instruction`` ->
  ``filter_instructions`` (length, banned words, duplicates, ROUGE-L overlap, as in Wang et al. 2022,
  arXiv 2212.10560 section 2.2)
- training data: ``format_response``, ``build_examples`` (prompt tokens masked out of the loss)
- LoRA: ``add_lora``, ``count_parameters``, ``lora_parameter_count`` (the formula, for checking)
- training: ``train_lora`` prints one line per step (a text progress bar and the loss)
- scoring: ``follows_format``, ``exact_match``, ``answer_logprob``
"""
from __future__ import annotations

import contextlib
import re
import warnings
from dataclasses import dataclass

from .generation import greedy_options, pad_id

FORMAT_RE = re.compile(r"^Answer: (?P<answer>[^\n]+)\nWhy: (?P<why>[^\n]+)$")
"""The answer format the course dataset teaches: two lines, ``Answer: ...`` then ``Why: ...``."""

LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
"""Every linear layer of a Llama-style block (the QLoRA recipe); the LoRA paper adapted only q and v."""

BANNED_WORDS = ("image", "picture", "graph", "photo", "video")
"""A language model cannot see or draw these; Self-Instruct drops instructions that mention such things."""


# --------------------------------------------------------------------------------------------------
# self-instruct: overlap and filters
# --------------------------------------------------------------------------------------------------
def words(text: str) -> list[str]:
    """Lower-case words and numbers (the tokenization of the ``rouge_score`` package, without stemming)."""
    if not isinstance(text, str):
        raise TypeError(f"Expected a string, got {type(text).__name__}.")
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).split()


def _lcs_length(a: list[str], b: list[str]) -> int:
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b, start=1):
            current.append(previous[j - 1] + 1 if x == y else max(previous[j], current[j - 1]))
        previous = current
    return previous[-1]


def rouge_l(candidate: str, reference: str) -> float:
    """ROUGE-L F1 between two texts: based on their longest common subsequence of words (0 to 1).

    With L = LCS length, precision = L / len(candidate), recall = L / len(reference),
    F1 = 2 * precision * recall / (precision + recall). Empty texts score 0.
    """
    a, b = words(candidate), words(reference)
    lcs = _lcs_length(a, b)
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(a), lcs / len(b)
    return 2 * precision * recall / (precision + recall)


def filter_instructions(candidates, existing=(), min_words: int = 3, max_words: int = 25,
                        max_rouge: float = 0.7, banned=BANNED_WORDS):
    """Judge each candidate instruction in order, as Self-Instruct grows its task pool.

    A candidate is kept only if it has ``min_words``..``max_words`` words, mentions none of ``banned``,
    is not a duplicate (same words) of one already in the pool, and its ROUGE-L with every instruction
    in the pool (``existing`` plus the candidates kept so far) is below ``max_rouge``.
    Returns a DataFrame: instruction, words, max ROUGE-L, most similar, verdict ("kept" or the reason).
    """
    import pandas as pd

    if isinstance(candidates, str) or isinstance(existing, str):
        raise TypeError("Pass lists of instructions, not a single string: filter_instructions(['...'], ['...']).")
    if not 0 < max_rouge <= 1:
        raise ValueError("max_rouge must be in (0, 1]; Self-Instruct used 0.7.")
    if min_words < 1 or max_words < min_words:
        raise ValueError("Need 1 <= min_words <= max_words.")
    pool = [str(x) for x in existing]
    rows = []
    for text in candidates:
        text = "" if text is None else str(text).strip()
        n = len(words(text))
        scores = [(rouge_l(text, other), other) for other in pool] if n else []
        best, nearest = max(scores, default=(0.0, ""))
        if n < min_words:
            verdict = f"too short (< {min_words} words)"
        elif n > max_words:
            verdict = f"too long (> {max_words} words)"
        elif any(w in banned for w in words(text)):
            verdict = "mentions something a text model cannot see"
        elif any(words(text) == words(other) for other in pool):
            verdict = "duplicate"
        elif best >= max_rouge:
            verdict = f"too similar (ROUGE-L >= {max_rouge})"
        else:
            verdict = "kept"
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
        raise ValueError(f"k must be between 1 and the number of seed instructions ({len(seed_instructions)}).")
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
# generation in batches (greedy: the same text on every run)
# --------------------------------------------------------------------------------------------------
def generate_batch(tokenizer, model, prompts, max_new_tokens: int = 32, chat: bool = True) -> list[str]:
    """Greedy answers to several prompts at once (left padding), only the new text of each.

    ``chat=True`` wraps each prompt in the chat template as a user turn; ``chat=False`` continues the text.
    """
    import torch

    prompts = list(prompts)
    if not prompts or any(not isinstance(p, str) or not p.strip() for p in prompts):
        raise ValueError("Give a non-empty list of non-empty prompt strings.")
    if chat:
        texts = [tokenizer.apply_chat_template([{"role": "user", "content": p}], tokenize=False,
                                               add_generation_prompt=True) for p in prompts]
    else:
        texts = prompts
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"
    try:
        batch = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
    finally:
        tokenizer.padding_side = side
    with torch.inference_mode():
        out = model.generate(**batch, max_new_tokens=max_new_tokens, **greedy_options(tokenizer))
    return [tokenizer.decode(row[batch.input_ids.shape[1]:], skip_special_tokens=True).strip() for row in out]


# --------------------------------------------------------------------------------------------------
# training data
# --------------------------------------------------------------------------------------------------
def format_response(answer: str, why: str) -> str:
    """The response the course dataset teaches: ``Answer: <answer>`` newline ``Why: <one sentence>``."""
    if not str(answer).strip() or not str(why).strip():
        raise ValueError("Both the answer and the reason must be non-empty.")
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
    """Tokenize (instruction, response) pairs with the chat template; the loss covers only the response."""
    instructions, responses = list(instructions), list(responses)
    if len(instructions) != len(responses) or not instructions:
        raise ValueError(f"Need as many responses as instructions (got {len(instructions)} and {len(responses)}), "
                         "and at least one of each.")
    examples = []
    for instruction, response in zip(instructions, responses):
        messages = [{"role": "user", "content": instruction}]
        prompt = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        full = tokenizer.apply_chat_template(messages + [{"role": "assistant", "content": response}], tokenize=False)
        if not full.startswith(prompt):
            raise ValueError("The chat template renders the prompt differently inside a full conversation.")
        prompt_ids = tokenizer(prompt, add_special_tokens=False).input_ids
        ids = tokenizer(full.rstrip("\n"), add_special_tokens=False).input_ids
        if len(ids) > max_tokens:
            raise ValueError(f"An example has {len(ids)} tokens (> max_tokens={max_tokens}): shorten it.")
        examples.append(Example(ids, [-100] * len(prompt_ids) + ids[len(prompt_ids):]))
    return examples


def collate(examples: list[Example], pad_id: int):
    """Right-pad a list of examples into input_ids, attention_mask and labels tensors."""
    import torch

    width = max(len(e.input_ids) for e in examples)
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), width), -100, dtype=torch.long)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    for i, e in enumerate(examples):
        n = len(e.input_ids)
        ids[i, :n] = torch.tensor(e.input_ids)
        labels[i, :n] = torch.tensor(e.labels)
        mask[i, :n] = 1
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}


# --------------------------------------------------------------------------------------------------
# LoRA
# --------------------------------------------------------------------------------------------------
def add_lora(model, r: int = 8, alpha: int = 16, dropout: float = 0.0, targets=LORA_TARGETS, seed: int = 0):
    """Wrap ``model`` with fresh LoRA adapters (peft); only the adapters are trainable."""
    import torch
    from peft import LoraConfig, get_peft_model

    if r < 1:
        raise ValueError("The LoRA rank r must be a positive integer (typical: 4 to 64).")
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
        raise FileNotFoundError("No adapter_config.json in that folder: save the adapter first with "
                                "model.save_pretrained(folder).")
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


def count_parameters(model) -> dict:
    """Trainable and total parameters (each shared tensor counted once), and the trainable percentage."""
    seen, trainable, total = set(), 0, 0
    for p in model.parameters():
        if id(p) in seen:
            continue
        seen.add(id(p))
        total += p.numel()
        trainable += p.numel() if p.requires_grad else 0
    return {"trainable": trainable, "total": total, "trainable %": round(100 * trainable / total, 3)}


def lora_parameter_count(d_in: int, d_out: int, r: int) -> int:
    """LoRA adds B (d_out x r) and A (r x d_in) beside a d_out x d_in weight: r * (d_in + d_out) numbers."""
    if min(d_in, d_out, r) < 1:
        raise ValueError("d_in, d_out and r must be positive integers.")
    return r * (d_in + d_out)


def lora_count_for(model, r: int, targets=LORA_TARGETS) -> int:
    """The LoRA parameter count from the formula, summed over every targeted linear layer of ``model``."""
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
        raise ValueError(f"No linear layer named {list(targets)} in this model.")
    return total


# --------------------------------------------------------------------------------------------------
# training and scoring
# --------------------------------------------------------------------------------------------------
def _bar(done: int, total: int, width: int = 20) -> str:
    filled = round(width * done / total)
    return "█" * filled + "·" * (width - filled)


def train_lora(model, examples: list[Example], pad_id: int, epochs: int = 2, batch_size: int = 8,
               lr: float = 2e-3, seed: int = 0, log=print, decimals: int = 2) -> list[float]:
    """A plain training loop: AdamW on the trainable parameters, shuffled batches (seeded).

    Prints one line per step (a text progress bar and the loss rounded to ``decimals``) and returns the
    per-step losses (unrounded).
    """
    import torch

    if not examples:
        raise ValueError("No training examples.")
    if epochs < 1 or batch_size < 1 or lr <= 0:
        raise ValueError("epochs and batch_size must be >= 1 and lr > 0.")
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("The model has no trainable parameters: wrap it with add_lora(model) first.")
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    generator = torch.Generator().manual_seed(seed)
    steps_per_epoch = -(-len(examples) // batch_size)
    total, step, losses = epochs * steps_per_epoch, 0, []
    model.train()
    try:
        for epoch in range(1, epochs + 1):
            order = torch.randperm(len(examples), generator=generator).tolist()
            for start in range(0, len(order), batch_size):
                batch = collate([examples[i] for i in order[start:start + batch_size]], pad_id)
                batch = {k: v.to(model.device) for k, v in batch.items()}
                loss = model(**batch).loss
                loss.backward()
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
                step += 1
                losses.append(loss.item())
                if log:
                    log(f"epoch {epoch}  step {step:>3}/{total} {_bar(step, total)} loss {losses[-1]:.{decimals}f}")
    finally:
        model.eval()
    return losses


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


def folder_size_kib(folder) -> float:
    """Total size of the files in ``folder`` in KiB (to compare an adapter with the full model)."""
    from pathlib import Path

    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file()) / 1024
