"""Exercises of lesson 05: running and comparing small open models."""
from __future__ import annotations

from . import close, exercise

SMOLLM2_PARAMETERS = 134_515_008
GEMMA_PARAMETERS = 268_098_176


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
        return True, "Every generated token reads all ~538 MB of float32 weights once, so bandwidth / bytes bounds the speed."
    if close(value, 20e9 / SMOLLM2_PARAMETERS):
        return False, "You divided by the number of parameters. How many bytes does one float32 parameter take?"
    if close(value, 20e9 / (SMOLLM2_PARAMETERS * 2)):
        return False, "That would be bfloat16. The model in this lesson is float32."
    return False, "Divide the bandwidth (bytes per second) by the bytes read per token: every weight, once."


@exercise(
    "05.2",
    "A model answered 15 of 40 four-choice questions correctly: the lower end of the 95% Wilson interval.",
    solution=0.242,
    wrong=0.225,
)
def _wilson_low(answer):
    value = float(answer)
    if abs(value - 0.2422) <= 0.003:
        return True, ("The interval reaches below the 25% of random guessing: 15 of 40 is no evidence that "
                      "the model beats a coin with four sides.")
    if abs(value - 0.225) <= 0.003:
        return False, "That is the simple normal approximation p ± 1.96·sqrt(p(1-p)/n). Use the Wilson interval."
    if value > 0.3:
        return False, "That is above the accuracy itself: give the lower end of the interval."
    return False, "Use utils.scoring.wilson_interval(correct, n) and keep its first number."


@exercise(
    "05.3",
    "Gemma 3 270M (268,098,176 parameters) at exactly 4 bits per weight, without any scales: size in MiB.",
    solution=lambda: GEMMA_PARAMETERS * 0.5 / 2**20,
    wrong=lambda: GEMMA_PARAMETERS * 4 / 2**20,
)
def _four_bit_size(answer):
    value = float(answer)
    if close(value, GEMMA_PARAMETERS * 0.5 / 2**20):
        return True, ("Right. The real GGUF file is bigger: Q4_K_M keeps scales for every block of weights and "
                      "keeps the token-embedding table at 8 bits (Q8_0).")
    if close(value, GEMMA_PARAMETERS * 4 / 2**20):
        return False, "That is float32 (4 bytes per weight). How many bytes are 4 bits?"
    if close(value, GEMMA_PARAMETERS * 2 / 2**20):
        return False, "That is bfloat16 (2 bytes per weight). How many bytes are 4 bits?"
    if close(value, GEMMA_PARAMETERS * 0.5 / 1e6):
        return False, "Close: that is in megabytes (10^6 bytes). Give mebibytes (2^20 bytes)."
    return False, "Bytes = parameters × bits / 8; then divide by 2**20 for MiB."


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
        return False, "Answer with one letter: 'A', 'B', 'C' or 'D'."
    if letter == "C":
        return True, "Per token, C is the most probable. Without normalization the one-token answer B wins: sums favour short answers."
    if letter == "B":
        return False, "B wins on the summed log-likelihood. Divide each sum by its number of tokens first."
    return False, "Compute log-likelihood / tokens for each letter and take the highest (closest to zero)."
