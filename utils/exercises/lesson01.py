"""Exercises of lesson 01: what an LLM does."""
import math

from ..i18n import tr
from . import close, exercise

KOREAN = "더운 여름날에 먹기 좋은 가벼운 점심 메뉴를 추천해 주세요."
EXTRA_KOREAN_TOKENS = 52  # SmolLM2: 71 tokens, Gemma 3: 19 tokens (measured with the bundled tokenizers)


@exercise(
    "01.1",
    "How many MORE tokens does SmolLM2's tokenizer need than Gemma's for the Korean lunch sentence?",
    solution=EXTRA_KOREAN_TOKENS,
    wrong=19,
)
def _korean_tokens(answer):
    value = int(answer)
    if value == EXTRA_KOREAN_TOKENS:
        return True, tr("A tokenizer trained mostly on English cuts Korean into single bytes, so it needs several tokens per syllable.")
    if value < 0:
        return False, tr("SmolLM2 needs more tokens than Gemma here, so the difference is positive.")
    return False, tr("Count the rows of tokenize_table(...) for each tokenizer on the Korean sentence, then subtract.")


def _softmax(logits, temperature):
    scaled = [x / temperature for x in logits]
    top = max(scaled)
    exps = [math.exp(x - top) for x in scaled]
    return [e / sum(exps) for e in exps]


@exercise(
    "01.2",
    "Three tokens have logits [2.0, 1.0, 0.0]. Give their probabilities (a list of 3 numbers) at temperature 0.5.",
    solution=lambda: [round(p, 3) for p in _softmax([2.0, 1.0, 0.0], 0.5)],
    wrong=lambda: [round(p, 3) for p in _softmax([2.0, 1.0, 0.0], 1.0)],
)
def _temperature(answer):
    values = [float(x) for x in answer]
    if len(values) != 3:
        return False, tr("Give exactly three probabilities, one per token.")
    if not close(sum(values), 1.0, 0.01):
        return False, tr("Probabilities must add up to 1: divide each exp(logit / T) by their sum.")
    expected = _softmax([2.0, 1.0, 0.0], 0.5)
    if all(abs(v - e) < 0.005 for v, e in zip(values, expected)):
        return True, tr("Dividing the logits by T < 1 stretches their gaps: the favourite gets even more probability.")
    if all(abs(v - e) < 0.005 for v, e in zip(values, _softmax([2.0, 1.0, 0.0], 1.0))):
        return False, tr("Those are the probabilities at temperature 1. Divide each logit by the temperature first.")
    return False, tr("Compute exp(logit / 0.5) for each token, then divide each by their sum.")


@exercise(
    "01.3",
    "Next-token probabilities are [0.5, 0.2, 0.15, 0.1, 0.05] (tokens 0 to 4). Which tokens may top-p sampling "
    "with p = 0.8 draw from? Give a list of token numbers.",
    solution=[0, 1, 2],
    wrong=[0, 1],
)
def _top_p(answer):
    chosen = sorted(int(x) for x in answer)
    if chosen == [0, 1, 2]:
        return True, tr("Top-p keeps the smallest set of most probable tokens whose probabilities reach p, then renormalizes.")
    if chosen == [0, 1]:
        return False, tr("0.5 + 0.2 = 0.7 has not reached 0.8 yet: keep adding the next most probable token.")
    return False, tr("Sort by probability, add them up from the top, and stop as soon as the sum reaches 0.8.")


@exercise(
    "01.4",
    "True or False: with greedy decoding (temperature 0), the same model and prompt can give different answers on two runs.",
    solution=False,
    wrong=True,
)
def _greedy(answer):
    if not isinstance(answer, bool):
        return False, tr("Answer with True or False (no quotes).")
    if answer is False:
        return True, tr("Greedy decoding always takes the most probable token; only sampling draws at random.")
    return False, tr("Look at the two greedy runs in the lesson: is anything random in taking the most probable token?")
