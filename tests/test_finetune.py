"""Lesson 07: the code its cells write out (utils.lessons.lesson07), the helpers around it, and its data files."""
import copy
import math
from datetime import date

import pytest

from utils import finetune as ft
from utils.data import read_table
from utils.lessons import lesson07 as L

# ---------------------------------------------------------------- data files

def test_instruction_dataset_schema_and_values():
    df = read_table("finetune_instructions.csv", required=("id", "split", "category", "instruction", "answer", "why"))
    assert 60 <= len(df) <= 150
    assert df["id"].is_unique and df["instruction"].is_unique
    assert set(df["split"]) == {"train", "test"}
    assert (df["split"] == "test").sum() == 12
    # every category is in both splits, so the held-out set covers every task type
    assert (df.groupby("category")["split"].nunique() == 2).all()
    for column in ("instruction", "answer", "why"):
        assert df[column].astype(str).str.strip().ne("").all(), column
    assert (df["source"] == "written for this course (open-vs-closed-llms, lesson 07)").all()
    assert (df["retrieved"].dt.date <= date.today()).all()  # written, not fetched: a date, never a future one
    # every response fits the taught format
    assert all(ft.follows_format(ft.format_response(a, w)) for a, w in zip(df.answer, df.why))
    assert df["answer"].astype(str).str.split().str.len().max() <= 3


def test_arithmetic_and_units_answers_are_right():
    df = read_table("finetune_instructions.csv")
    ops = {"plus": lambda a, b: a + b, "minus": lambda a, b: a - b, "times": lambda a, b: a * b,
           "divided by": lambda a, b: a // b}
    for ins, ans in zip(df[df.category == "arithmetic"].instruction, df[df.category == "arithmetic"].answer):
        for word, op in ops.items():
            if f" {word} " in ins:
                a, b = ins.removeprefix("What is ").rstrip("?").split(f" {word} ")
                assert op(int(a), int(b)) == int(ans), ins
    letters = df[df.instruction.str.startswith("How many letters")]
    for ins, ans in zip(letters.instruction, letters.answer):
        assert len(ins.rstrip("?").split()[-1]) == int(ans), ins


def test_seed_tasks_and_lineage_files():
    seeds = read_table("finetune_seed_tasks.csv", required=("instruction", "answer", "why"))
    assert 5 <= len(seeds) <= 30 and seeds["instruction"].is_unique
    data = read_table("finetune_instructions.csv")
    assert not set(seeds.instruction) & set(data.instruction)
    # the seed tasks are different tasks by the lesson's own rule: each passes it against the other nine
    pool = list(seeds.instruction)
    assert all(L.is_new_task(s, [o for o in pool if o != s]) for s in pool)
    lineage = read_table("finetune_lineage.csv", date_columns=("released",),
                         required=("model", "base model", "training data", "method", "licence"))
    assert list(lineage.model) == ["Stanford Alpaca", "Vicuna-13B", "Guanaco-65B"]
    assert lineage["released"].is_monotonic_increasing
    assert lineage["source"].str.len().gt(10).all()


# ---------------------------------------------------------------- self-instruct: ROUGE-L and the rule (lesson cells)

def test_lcs_and_rouge_l_hand_computed():
    assert L.lcs_length("a b c d".split(), "a c d".split()) == 3
    assert L.lcs_length("a b c".split(), "c b a".split()) == 1
    assert L.lcs_length([], ["a"]) == 0
    # LCS of "what is the capital of" (5 words); 6 words each: P = R = 5/6
    assert L.rouge_l("What is the capital of France?", "What is the capital of Portugal?") == pytest.approx(5 / 6)
    # 6 vs 7 words, LCS 6: P = 1, R = 6/7, F1 = 12/13
    assert L.rouge_l("What is the capital of Spain?", "What is the capital city of Spain?") == pytest.approx(12 / 13)
    assert L.rouge_l("a b c", "c b a") == pytest.approx(1 / 3)
    assert L.rouge_l("", "anything") == 0.0
    assert L.rouge_l("Same text", "same  TEXT!") == 1.0


def test_closest_and_the_self_instruct_rule():
    pool = ["What is the capital of Portugal?", "Give a synonym for angry."]
    score, nearest = L.closest("What is the capital of France?", pool)
    assert nearest == pool[0] and score == pytest.approx(5 / 6)
    assert not L.is_new_task("What is the capital of France?", pool)  # 0.83 >= 0.7
    assert L.is_new_task("What is the capital of France?", pool, max_rouge=0.9)
    assert L.is_new_task("Name three birds that cannot fly.", pool)
    assert L.closest("anything", []) == (0.0, "") and L.is_new_task("anything", [])
    assert L.MAX_ROUGE == 0.7  # Wang et al. 2022, section 2.2


def test_filter_instructions_verdicts():
    seeds = ["What is the capital of Portugal?", "Give a synonym for angry."]
    df = ft.filter_instructions(
        ["What is the capital of France?",       # too similar to a seed
         "Name three birds that cannot fly.",     # new
         "name three birds that cannot fly",      # duplicate of the one just kept
         "Hi?",                                   # too short
         "Describe the picture of a cat.",        # banned word
         " ".join(["word"] * 30)],                # too long
        seeds)
    assert df["verdict"].tolist() == ["too similar (ROUGE-L >= 0.7)", "kept", "duplicate", "too short (< 3 words)",
                                      "mentions something a text model cannot see", "too long (> 25 words)"]
    assert df.loc[0, "most similar"] == seeds[0] and df.loc[0, "max ROUGE-L"] == 0.83
    with pytest.raises(TypeError, match="lists"):
        ft.filter_instructions("one string", seeds)
    with pytest.raises(ValueError, match="max_rouge"):
        ft.filter_instructions(["a b c"], seeds, max_rouge=0)


def test_prompts_and_parsing():
    seeds = [f"Question number {i}?" for i in range(10)]
    a = ft.self_instruct_prompts(seeds, n=3, k=4, seed=1)
    assert a == ft.self_instruct_prompts(seeds, n=3, k=4, seed=1) and len(a) == 3
    assert a[0].rstrip().endswith("5.") and a[0].count("Question number") == 4
    with pytest.raises(ValueError, match="k must"):
        ft.self_instruct_prompts(seeds, k=11)
    assert ft.parse_instruction(" What is 2 plus 2?\n6. Next one") == "What is 2 plus 2?"
    assert ft.parse_instruction('\n\n5. "Question: Name a river."') == "Name a river."
    assert ft.parse_instruction("") == ""


# ---------------------------------------------------------------- format and scores

def test_format_and_exact_match():
    text = ft.format_response("Paris", "Paris is the capital city of France.")
    assert text == "Answer: Paris\nWhy: Paris is the capital city of France."
    assert ft.follows_format(text) and ft.extract_answer(text) == "Paris"
    assert ft.exact_match(text, "paris") and not ft.exact_match(text, "Rome")
    assert not ft.follows_format("The capital of France is Paris.")
    assert not ft.follows_format("Answer: Paris")
    assert not ft.exact_match("Paris", "Paris")
    with pytest.raises(ValueError, match="non-empty"):
        ft.format_response("", "why")


# ---------------------------------------------------------------- LoRA on one layer (lesson cells)

def test_lora_parameter_formula():
    assert L.lora_parameter_count(576, 576, 8) == 9216
    assert L.lora_parameter_count(4096, 4096, 16) == 131_072


def test_lora_linear_counts_and_output():
    import torch

    torch.manual_seed(0)
    layer = torch.nn.Linear(12, 8, bias=False)
    assert L.trainable_and_total(layer) == (96, 96)
    lora = L.LoRALinear(layer, r=2, alpha=4)
    assert L.trainable_and_total(lora) == (2 * (12 + 8), 96 + 2 * (12 + 8))  # B 8x2 + A 2x12 beside the frozen 8x12
    assert not layer.weight.requires_grad and lora.scale == 2.0
    x = torch.randn(3, 12)
    with torch.no_grad():
        assert torch.equal(lora(x), layer(x))  # B starts at zero
        lora.B.normal_()
        merged = layer.weight + 2.0 * lora.B @ lora.A  # W + (alpha/r) B A
        assert torch.allclose(lora(x), x @ merged.T, atol=1e-5)
        assert not torch.allclose(lora(x), layer(x), atol=1e-3)


# ---------------------------------------------------------------- a tiny random Llama (fast)

@pytest.fixture(scope="module")
def tiny():
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)
    return LlamaForCausalLM(config)


def test_lora_counts_match_peft_and_formula(tiny):
    model = ft.add_lora(copy.deepcopy(tiny), r=4)
    trainable, total = L.trainable_and_total(model)
    # per layer: q, o 4*(32+32); k, v 4*(32+16); gate, up 4*(32+64); down 4*(64+32)
    per_layer = 2 * 256 + 2 * 192 + 3 * 384
    assert trainable == 2 * per_layer == ft.lora_count_for(tiny, 4) == ft.lora_count_for(model, 4)
    assert total == sum(p.numel() for p in tiny.parameters()) + trainable


def test_our_lora_layer_is_what_peft_computes(tiny):
    import torch

    model = ft.add_lora(copy.deepcopy(tiny), r=4, alpha=8)
    peft_q = model.base_model.model.model.layers[1].self_attn.q_proj
    with torch.no_grad():
        peft_q.lora_B["default"].weight.normal_()  # as if trained
        ours = L.LoRALinear(peft_q.base_layer, r=4, alpha=8)
        ours.A.copy_(peft_q.lora_A["default"].weight)
        ours.B.copy_(peft_q.lora_B["default"].weight)
        x = torch.randn(5, 32)
        assert torch.allclose(ours(x), peft_q(x), atol=1e-5)
        assert not torch.allclose(peft_q(x), peft_q.base_layer(x), atol=1e-3)


def test_collate_pads_and_masks():
    batch = L.collate([ft.Example([5, 6, 7], [-100, 6, 7]), ft.Example([8], [8])], pad_id=0)
    assert batch["input_ids"].tolist() == [[5, 6, 7], [8, 0, 0]]
    assert batch["labels"].tolist() == [[-100, 6, 7], [8, -100, -100]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]


def test_answer_loss_scores_only_the_answer_tokens(tiny):
    import torch

    examples = [ft.Example(list(range(3, 13)), [-100] * 6 + list(range(9, 13))), ft.Example([5, 6, 7], [-100, 6, 7])]
    batch = L.collate(examples, pad_id=0)
    with torch.no_grad():
        ours = L.answer_loss(tiny, batch)
        assert ours.item() == pytest.approx(tiny(**batch).loss.item(), rel=1e-6)  # transformers' own masked loss
        logprobs = torch.log_softmax(tiny(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits, -1)
    scored = [(0, t) for t in range(5, 9)] + [(1, 0), (1, 1)]  # position t predicts the labelled token t + 1
    by_hand = -sum(logprobs[i, t, batch["labels"][i, t + 1]] for i, t in scored) / len(scored)
    assert ours.item() == pytest.approx(by_hand.item(), rel=1e-5)


@pytest.mark.slow
def test_training_one_step_lowers_the_loss(tiny):
    import torch

    model = ft.add_lora(copy.deepcopy(tiny), r=4, seed=0)
    examples = [ft.Example(list(range(3, 19)), [-100] * 4 + list(range(7, 19))) for _ in range(4)]
    batch = L.collate(examples, pad_id=0)
    with torch.no_grad():
        before = L.answer_loss(model, batch).item()
    lines = []
    losses = L.train(model, examples, pad_id=0, epochs=1, batch_size=4, lr=1e-2, log_every=1, log=lines.append)
    with torch.no_grad():
        after = L.answer_loss(model, batch).item()
    assert len(losses) == 1 and losses[0] == pytest.approx(before, rel=1e-5)
    assert after < before
    assert lines == [f"epoch 1  step  1/1  loss {losses[0]:.2f}"]
    assert not model.training


@pytest.mark.slow
def test_training_logs_every_n_steps_and_the_last(tiny):
    model = ft.add_lora(copy.deepcopy(tiny), r=2, seed=0)
    examples = [ft.Example([3, 4, 5, 6], [-100, 4, 5, 6]) for _ in range(5)]
    lines = []
    losses = L.train(model, examples, pad_id=0, epochs=2, batch_size=2, log_every=4, log=lines.append)
    assert len(losses) == 6  # 3 batches of 2, 2, 1 per epoch
    assert [line.split("  loss")[0] for line in lines] == ["epoch 2  step  4/6", "epoch 2  step  6/6"]


def test_training_refuses_a_frozen_model(tiny):
    frozen = copy.deepcopy(tiny).requires_grad_(False)
    with pytest.raises(ValueError, match="empty parameter list"):
        L.train(frozen, [ft.Example([1, 2, 3], [-100, 2, 3])], pad_id=0)


# ---------------------------------------------------------------- with the bundled model (session fixture)

def test_real_model_masks_prompt_and_counts(smol):
    from utils.generation import render_prompt

    tokenizer, model = smol
    (example,) = ft.build_examples(tokenizer, ["What is 2 plus 3?"], ["Answer: 5\nWhy: Two and three make five."])
    scored = [t for t, label in zip(example.input_ids, example.labels) if label != -100]
    masked = [t for t, label in zip(example.input_ids, example.labels) if label == -100]
    assert tokenizer.decode(scored) == "Answer: 5\nWhy: Two and three make five.<|im_end|>"
    assert tokenizer.decode(masked) == render_prompt(tokenizer, "What is 2 plus 3?")  # what the model sees
    # 30 layers x (q, o: 8*(576+576); k, v: 8*(576+192); gate, up, down: 8*(576+1536))
    assert ft.lora_count_for(model, 8) == 30 * (2 * 9216 + 2 * 6144 + 3 * 16896) == 2_442_240
    logprob = ft.answer_logprob(tokenizer, model, ["What is 2 plus 3?"], ["Answer: 5\nWhy: Two and three make five."])
    assert -10 < logprob < 0 and math.isfinite(logprob)


def test_generate_batch_matches_generate(smol):
    from utils.generation import EmptyPromptError, generate, generate_batch

    tokenizer, model = smol
    prompt = "What is the capital of France?"
    (batched,) = generate_batch(tokenizer, model, [prompt], max_new_tokens=12)
    assert batched == generate(tokenizer, model, prompt, max_new_tokens=12)
    (continued,) = generate_batch(tokenizer, model, ["1. Red\n2. Green\n3."], max_new_tokens=4, chat=False)
    assert continued == generate(tokenizer, model, "1. Red\n2. Green\n3.", max_new_tokens=4, chat=False)
    two = generate_batch(tokenizer, model, [prompt, "Name a colour."], max_new_tokens=6)
    assert len(two) == 2 and two == generate_batch(tokenizer, model, [prompt, "Name a colour."], max_new_tokens=6)
    assert tokenizer.padding_side == "right"  # restored
    with pytest.raises(EmptyPromptError):
        generate_batch(tokenizer, model, [])
    with pytest.raises(EmptyPromptError):
        generate_batch(tokenizer, model, ["fine", "  "])
