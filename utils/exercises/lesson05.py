"""Exercises of lesson 05: running and comparing small open models."""
from __future__ import annotations

from ..catalog import CATALOG
from ..i18n import tr
from . import close, exercise

SMOLLM2_PARAMETERS = CATALOG["smollm2-135m-instruct"].parameters  # 134,515,008, as the question says
GEMMA_PARAMETERS = CATALOG["gemma-3-270m"].parameters  # 268,098,176


@exercise(
    "05.1",
    "Upper bound on decode speed: SmolLM2-135M in float32 on a machine with 20 GB/s of memory bandwidth "
    "(tokens per second).",
    solution=lambda: 20e9 / (SMOLLM2_PARAMETERS * 4),
    wrong=lambda: 20e9 / SMOLLM2_PARAMETERS,
)
def _decode_bound(answer):
    value = float(answer)
    if close(value, 20e9 / (SMOLLM2_PARAMETERS * 4)):
        return True, tr("Every generated token reads all ~538 MB of float32 weights once, so bandwidth / bytes bounds the speed.")
    if close(value, 20e9 / SMOLLM2_PARAMETERS):
        return False, tr("You divided by the number of parameters. How many bytes does one float32 parameter take?")
    if close(value, 20e9 / (SMOLLM2_PARAMETERS * 2)):
        return False, tr("That would be bfloat16. The model in this lesson is float32.")
    return False, tr("Divide the bandwidth (bytes per second) by the bytes read per token: every weight, once.")


@exercise(
    "05.2",
    "A model answered 15 of 40 four-choice questions correctly: the lower end of the 95% Wilson interval.",
    solution=0.242,
    wrong=0.225,
)
def _wilson_low(answer):
    value = float(answer)
    if abs(value - 0.2422) <= 0.003:
        return True, tr("The interval reaches below the 25% of random guessing: 15 of 40 is no evidence that "
                      "the model beats a coin with four sides.")
    if abs(value - 0.225) <= 0.003:
        return False, tr("That is the simple normal approximation p ± 1.96·sqrt(p(1-p)/n). Use the Wilson interval.")
    if value > 0.3:
        return False, tr("That is above the accuracy itself: give the lower end of the interval.")
    return False, tr("Use utils.scoring.wilson_interval(correct, n) and keep its first number.")


@exercise(
    "05.3",
    "Gemma 3 270M (268,098,176 parameters) at exactly 4 bits per weight, without any scales: size in MiB.",
    solution=lambda: GEMMA_PARAMETERS * 0.5 / 2**20,
    wrong=lambda: GEMMA_PARAMETERS * 4 / 2**20,
)
def _four_bit_size(answer):
    value = float(answer)
    if close(value, GEMMA_PARAMETERS * 0.5 / 2**20):
        return True, tr("Right. The real GGUF file is bigger: every block of weights also stores scales, and Q4_K_M "
                      "keeps the token-embedding table at 8 bits (Q8_0).")
    if close(value, GEMMA_PARAMETERS * 4 / 2**20):
        return False, tr("That is float32 (4 bytes per weight). How many bytes are 4 bits?")
    if close(value, GEMMA_PARAMETERS * 2 / 2**20):
        return False, tr("That is bfloat16 (2 bytes per weight). How many bytes are 4 bits?")
    if close(value, GEMMA_PARAMETERS * 0.5 / 1e6):
        return False, tr("Close: that is in megabytes (10^6 bytes). Give mebibytes (2^20 bytes).")
    return False, tr("Bytes = parameters × bits / 8; then divide by 2**20 for MiB.")


@exercise(
    "05.4",
    "Length normalization: with (log-likelihood, tokens) A=(-6.0, 3), B=(-4.5, 1), C=(-9.0, 6), D=(-5.0, 2), "
    "which letter wins when scores are divided by the token count?",
    solution="C",
    wrong="B",
)
def _length_normalized(answer):
    letter = str(answer).strip().upper()
    if letter not in {"A", "B", "C", "D"}:
        return False, tr("Answer with one letter: 'A', 'B', 'C' or 'D'.")
    if letter == "C":
        return True, tr("Per token, C is the most probable. Without normalization the one-token answer B wins: sums favour "
                      "short answers. (lm-evaluation-harness's acc_norm divides by characters, another choice again.)")
    if letter == "B":
        return False, tr("B wins on the summed log-likelihood. Divide each sum by its number of tokens first.")
    return False, tr("Compute log-likelihood / tokens for each letter and take the highest (closest to zero).")


# Connor (1987), 95% confidence, 80% power: n = (1.96·sqrt(0.30) + 0.84·sqrt(0.30 - 0.05²))² / 0.05² = 938.5 -> 939.
# Hard-coded, not computed with the lesson's questions_needed, so that a wrong helper cannot pass its own check.
QUESTIONS_FOR_5_POINTS = 939
WITHOUT_POWER = 461  # 1.96² · 0.30 / 0.05²: only "95% confidence", forgetting the 80% power


@exercise(
    "05.5",
    "Two models disagree on 30% of the questions and one is truly 5 points better: about how many questions does a "
    "paired comparison need (95% confidence, 80% power)?",
    solution=QUESTIONS_FOR_5_POINTS,
    wrong=WITHOUT_POWER,
)
def _questions_needed(answer):
    value = float(answer)
    if close(value, QUESTIONS_FOR_5_POINTS, rel=0.03):
        return True, tr("About 940 questions, twenty times the lesson's 48: small benchmarks can show large gaps, "
                      "never small ones.")
    if close(value, WITHOUT_POWER, rel=0.03):
        return False, tr("That only reaches 95% confidence half of the time. Add the power term (z = 0.84 for 80%).")
    if value < 100:
        return False, tr("Far too few: at 48 questions the lesson's interval was about ±13 points wide.")
    return False, tr("Use questions_needed(difference, disagreement) from section 6, with the difference and disagreement as shares.")


# 05.6: 1 / (1 + 10^(100/400)) = 0.3599 -> 1000 + 32 × (1 - 0.3599) = 1020.48. Written out, not computed with the
# lesson's elo_update, so that a wrong lesson function cannot pass its own check.
ELO_AFTER_UPSET = 1000 + 32 * (1 - 1 / (1 + 10 ** (100 / 400)))


@exercise(
    "05.6",
    "Model A (rated 1000) beats model B (rated 1100) in one vote; with K = 32, A's new online Elo rating.",
    solution=ELO_AFTER_UPSET,
    wrong=1016.0,
)
def _elo_update(answer):
    value = float(answer)
    if close(value, ELO_AFTER_UPSET, rel=1e-3):
        return True, tr("A was expected to win only 36% of the time, so the win moves it 20.5 points: an upset moves a "
                      "rating more than a win between equals (16 points).")
    if close(value, 1016.0, rel=1e-4):
        return False, tr("That is a win between equals (expectation 0.5). A was rated 100 points lower: compute its expectation first.")
    if close(value, 1000 + 32 * (1 - 0.6400649998), rel=1e-3):
        return False, tr("You used B's expectation (0.64). A's is 1 / (1 + 10^((1100 - 1000) / 400)).")
    if close(value, 1100 - (ELO_AFTER_UPSET - 1000), rel=1e-3):
        return False, tr("That is B's new rating. The question asks for A's.")
    return False, tr("New rating = old rating + K × (score - expectation), with score 1 for a win.")


# 05.7: from assets/leaderboard_tasks.csv (tests/test_leaderboards.py checks that the file agrees).
V2_LOGLIKELIHOOD_TASKS = {"BBH", "GPQA", "MuSR", "MMLU-PRO"}
V2_GENERATED_TASKS = {"IFEval", "MATH Lvl 5"}


@exercise(
    "05.7",
    "The tasks of the Open LLM Leaderboard v2 that were scored by log-likelihood (a list of task names).",
    solution=sorted(V2_LOGLIKELIHOOD_TASKS),
    wrong=["BBH", "GPQA", "MuSR", "MMLU-PRO", "IFEval"],
)
def _v2_loglikelihood(answer):
    if isinstance(answer, str) or not hasattr(answer, "__iter__"):
        return False, tr("Give a list of task names, e.g. ['BBH', ...], as in the table's `task` column.")
    given = {str(a).strip().lower() for a in answer}
    expected = {t.lower() for t in V2_LOGLIKELIHOOD_TASKS}
    generated = sorted(t for t in V2_GENERATED_TASKS if t.lower() in given)
    if given == expected:
        return True, tr("Four of six: v2 kept multiple choice scored by likelihood, as in section 6, and added two tasks "
                      "where the model's written answer is checked.")
    if generated:
        return False, tr("{generated}: the model writes that answer and a program checks it. Look at `scored_by`.",
                          generated=generated)
    if given < expected:
        return False, tr("{count} of them; there are more. Filter the table on version v2 and scored_by.", count=len(given))
    return False, tr("Filter the table: version == 'v2' and scored_by == 'log-likelihood'; give the `task` names.")
