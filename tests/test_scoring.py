"""Multiple-choice scoring: lesson 05's continuation_logprob and paired statistics (utils.lessons.lesson05), the
batched helper utils.scoring checked against them, hand-computed examples, and the lesson 05 data file."""
import math

import pandas as pd
import pytest
import torch

from utils import scoring
from utils.data import read_table
from utils.lessons.lesson05 import continuation_logprob, mcnemar_p, paired_difference_ci, questions_needed

# ---------------------------------------------------------------------------------------------
# A toy "model" whose next-token probabilities depend only on the last token: logits are log P,
# so every log-likelihood below can be computed by hand.
#   vocabulary: a=0, b=1, c=2, d=3
# ---------------------------------------------------------------------------------------------
P = torch.tensor([
    [0.10, 0.20, 0.30, 0.40],   # after a
    [0.25, 0.25, 0.25, 0.25],   # after b
    [0.50, 0.25, 0.125, 0.125], # after c
    [0.70, 0.10, 0.10, 0.10],   # after d
])


class ToyTokenizer:
    """Only the letters a-d are tokens: everything else (spaces, capitals, punctuation) is dropped."""

    pad_token_id = 0
    eos_token_id = 0

    def __call__(self, text, add_special_tokens=True):
        class Out:
            input_ids = ["abcd".index(ch) for ch in text if ch in "abcd"]
        return Out()


class ToyModel(torch.nn.Module):
    device = torch.device("cpu")

    def forward(self, ids, attention_mask=None, position_ids=None, logits_to_keep=0):
        logits = torch.log(P)[ids]  # (batch, positions, vocab): padding changes nothing the helper reads
        if logits_to_keep:
            logits = logits[:, -logits_to_keep:]

        class Out:
            pass
        out = Out()
        out.logits = logits
        return out


TOK, MODEL = ToyTokenizer(), ToyModel()


def test_multi_token_continuations_hand_computed():
    scores = scoring.continuation_logprobs(TOK, MODEL, "c", ["a", "bd", "dd"])
    # "a": P(a|c) = 0.5;  "bd": P(b|c) P(d|b) = 0.25 * 0.25;  "dd": P(d|c) P(d|d) = 0.125 * 0.1
    expected = [math.log(0.5), math.log(0.0625), math.log(0.0125)]
    assert [n for _, n in scores] == [1, 2, 2]
    assert [s for s, _ in scores] == pytest.approx(expected, abs=1e-6)
    assert scoring.pick(scores) == 0


def test_single_token_fast_path_hand_computed():
    scores = scoring.continuation_logprobs(TOK, MODEL, "ca", ["a", "b", "c", "d"])
    assert [s for s, _ in scores] == pytest.approx([math.log(p) for p in (0.1, 0.2, 0.3, 0.4)], abs=1e-6)
    assert scoring.pick(scores) == 3


def test_length_normalization_changes_the_pick():
    # "b": log 0.25 = -1.386;  "da": log 0.125 + log 0.7 = -2.436, per token -1.218
    scores = scoring.continuation_logprobs(TOK, MODEL, "c", ["b", "da"])
    assert scores[1][0] == pytest.approx(math.log(0.125) + math.log(0.7), abs=1e-6)
    assert scoring.pick(scores) == 0
    assert scoring.pick(scores, normalize=True) == 1


def test_wilson_interval_hand_computed():
    low, high = scoring.wilson_interval(15, 40)
    # p = 0.375, z = 1.96: centre (0.375 + 0.04802) / 1.09604, half-width 1.96 * 0.080370 / 1.09604
    assert low == pytest.approx(0.2422, abs=1e-4)
    assert high == pytest.approx(0.5297, abs=1e-4)
    assert scoring.wilson_interval(0, 10)[0] == 0.0
    assert scoring.wilson_interval(10, 10)[1] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="between 0 and n"):
        scoring.wilson_interval(11, 10)
    with pytest.raises(ValueError, match="positive"):
        scoring.wilson_interval(0, 0)


def test_accuracy_and_baseline():
    assert scoring.accuracy([0, 1, 2, 3], [0, 1, 0, 0]) == 0.5
    assert scoring.random_baseline(4) == 0.25
    assert scoring.random_baseline([2, 4]) == pytest.approx(0.375)
    with pytest.raises(ValueError, match="must match"):
        scoring.accuracy([0], [0, 1])
    with pytest.raises(ValueError, match="two choices"):
        scoring.random_baseline([1])


def test_prompt_styles():
    item = pd.Series({"id": "x", "question": "2 + 2 = ?", "choice_a": "3", "choice_b": "4",
                      "choice_c": "5", "choice_d": "22", "answer": "B"})
    context, conts = scoring.build_prompt(item, "letters")
    assert context == "2 + 2 = ?\nA. 3\nB. 4\nC. 5\nD. 22\nAnswer:"
    assert conts == [" A", " B", " C", " D"]
    assert scoring.build_prompt(item, "numbers")[1] == [" 1", " 2", " 3", " 4"]
    assert scoring.build_prompt(item, "cloze") == ("Question: 2 + 2 = ?\nAnswer:", [" 3", " 4", " 5", " 22"])
    assert scoring.answer_index(item) == 1
    with pytest.raises(ValueError, match="Unknown prompt style"):
        scoring.build_prompt(item, "essay")
    with pytest.raises(ValueError, match="not one of"):
        scoring.answer_index(item.copy().replace({"B": "E"}))


def test_bad_input_is_explained():
    with pytest.raises(ValueError, match="context is empty"):
        scoring.continuation_logprobs(TOK, MODEL, " ", ["a", "b"])
    with pytest.raises(ValueError, match="at least two"):
        scoring.continuation_logprobs(TOK, MODEL, "c", "ab")
    with pytest.raises(ValueError, match="no tokens"):
        scoring.continuation_logprobs(TOK, MODEL, "c", ["a", " "])


def test_evaluate_and_summarize_on_the_toy_model():
    # The cloze context "Question: c\nAnswer:" reads as the single toy token "c" (q, u, e... are dropped).
    items = pd.DataFrame([
        {"id": "t1", "question": "c", "choice_a": "a", "choice_b": "bd", "choice_c": "dd", "answer": "A"},
        {"id": "t2", "question": "c", "choice_a": "b", "choice_b": "da", "choice_c": "dd", "answer": "B"},
    ])
    plain = scoring.evaluate(TOK, MODEL, items, style="cloze")
    assert plain["pick"].tolist() == ["A", "A"] and plain["correct"].tolist() == [True, False]
    normalized = scoring.evaluate(TOK, MODEL, items, style="cloze", normalize=True)
    assert normalized["correct"].tolist() == [True, True]
    summary = scoring.summarize(plain, "toy")
    assert summary == {"run": "toy", "correct": 1, "items": 2, "accuracy": 0.5, "95% CI low": 0.095,
                       "95% CI high": 0.905, "random guess": 0.333}
    # every choice's numbers are kept, so other picking rules need no second run
    assert plain.loc[0, "tokens"] == [1, 2, 2] and plain.loc[0, "characters"] == [1, 2, 2]
    assert plain.loc[0, "logprobs"] == pytest.approx([math.log(0.5), math.log(0.0625), math.log(0.0125)], abs=1e-6)


# ---------------------------------------------------------------------------------------------
# the mini benchmark written for lesson 05
# ---------------------------------------------------------------------------------------------
def test_mini_benchmark_file():
    df = read_table("mini_benchmark.csv", required=("id", "subject", "question", "choice_a", "choice_b",
                                                    "choice_c", "choice_d", "answer", "licence"))
    assert len(df) >= 40
    assert df["id"].is_unique
    assert df["subject"].nunique() >= 4
    assert set(df["answer"]) <= set("ABCD")
    assert df["answer"].value_counts().max() <= len(df) / 2  # no letter dominates
    assert (df["licence"] == "CC0-1.0").all()
    assert (df["source"] == "written for this course").all()
    assert (df["retrieved"] == pd.Timestamp("2026-11-22")).all()
    for _, item in df.iterrows():
        choices = scoring.choices_of(item)
        assert len(choices) == 4 and len(set(choices)) == 4, item["id"]
        assert item["question"].strip().endswith("?"), item["id"]
        scoring.answer_index(item)


# ---------------------------------------------------------------------------------------------
# the lesson's single-item function: hand-computed on the toy, and the batched helper checked against it
# ---------------------------------------------------------------------------------------------
def test_lesson_function_hand_computed_on_the_toy():
    assert continuation_logprob(TOK, MODEL, "c", "bd") == pytest.approx((math.log(0.25 * 0.25), 2), abs=1e-6)
    assert continuation_logprob(TOK, MODEL, "ca", "d") == pytest.approx((math.log(0.4), 1), abs=1e-6)
    batched = scoring.continuation_logprobs(TOK, MODEL, "c", ["a", "bd", "dd"])
    one_by_one = [continuation_logprob(TOK, MODEL, "c", c) for c in ["a", "bd", "dd"]]
    assert [n for _, n in one_by_one] == [n for _, n in batched]
    assert [s for s, _ in one_by_one] == pytest.approx([s for s, _ in batched], abs=1e-6)


@pytest.mark.slow  # scores 48 items on both models (about 7 s per style)
@pytest.mark.parametrize("style", scoring.STYLES)
def test_batched_helper_matches_the_lesson_function_on_real_models(smol, gemma, style):
    items = read_table("mini_benchmark.csv").iloc[[2, 15]]  # cloze answers of one token, and of 2 to 4 tokens
    for tokenizer, model in (smol, gemma):
        for _, item in items.iterrows():
            context, continuations = scoring.build_prompt(item, style)
            batched = scoring.continuation_logprobs(tokenizer, model, context, continuations)
            one_by_one = [continuation_logprob(tokenizer, model, context, c) for c in continuations]
            assert [n for _, n in batched] == [n for _, n in one_by_one]
            assert [s for s, _ in batched] == pytest.approx([s for s, _ in one_by_one], abs=1e-3)


def test_tokens_are_those_lm_evaluation_harness_would_score(smol, gemma):
    """The harness encodes context + continuation as one string and keeps the tokens after the context's own;
    the course encodes the two separately. On every prompt of the benchmark both give the same ids."""
    items = read_table("mini_benchmark.csv")
    for tokenizer, _ in (smol, gemma):
        for _, item in items.iterrows():
            for style in scoring.STYLES:
                context, continuations = scoring.build_prompt(item, style)
                assert context == context.rstrip(), "the harness would move a trailing space into the continuation"
                ctx = tokenizer(context).input_ids
                for continuation in continuations:
                    whole = tokenizer(context + continuation).input_ids
                    assert whole[:len(ctx)] == ctx, (item["id"], style, continuation)
                    assert whole[len(ctx):] == tokenizer(continuation, add_special_tokens=False).input_ids, \
                        (item["id"], style, continuation)


# ---------------------------------------------------------------------------------------------
# paired statistics (lesson 05): hand-computed
# ---------------------------------------------------------------------------------------------
def test_mcnemar_exact_hand_computed():
    # 12 disagreements split 5 / 7: 2 * (C(12,0) + ... + C(12,5)) / 2**12 = 2 * 1586 / 4096
    assert mcnemar_p(5, 7) == pytest.approx(2 * 1586 / 4096)
    assert mcnemar_p(7, 5) == mcnemar_p(5, 7)
    assert mcnemar_p(0, 6) == pytest.approx(2 / 64)
    assert mcnemar_p(3, 3) == 1.0 and mcnemar_p(0, 0) == 1.0


def test_paired_interval_hand_computed():
    # d = -2/48; variance ((12/48) - d**2) / 48
    low, high = paired_difference_ci(5, 7, 48)
    d = -2 / 48
    half = 1.96 * math.sqrt((12 / 48 - d**2) / 48)
    assert (low, high) == pytest.approx((d - half, d + half))
    assert (round(low, 3), round(high, 3)) == (-0.183, 0.099)


def test_questions_needed_hand_computed():
    # Connor (1987): (1.96 sqrt(0.3) + 0.84 sqrt(0.3 - 0.05**2))**2 / 0.05**2 = 938.4
    assert questions_needed(0.05, 0.30) == 939
    assert questions_needed(0.20, 0.30) == 57
    assert questions_needed(0.05, 0.30) > questions_needed(0.10, 0.30) > questions_needed(0.20, 0.30)
