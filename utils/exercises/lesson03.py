"""Exercises of lesson 03 (scaling laws). Feedback hints at the method, never at the number.

Each expected value is computed here by hand or from the data file, not with the lesson's own functions (which
the solutions use): a wrong formula in the lesson cannot make its own solution pass.
"""
from __future__ import annotations

from ..i18n import tr
from . import close, exercise


def _number(answer) -> float:
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) and not hasattr(answer, "__float__"):
        raise TypeError(tr("the answer should be one number, for example 1.2e23"))
    return float(answer)


LLAMA2_70B_FLOPS = 6 * 70e9 * 2e12  # 8.4e23: C = 6ND by hand


def _solution_1() -> float:
    from ..lessons.lesson03 import training_flops

    return float(training_flops(70e9, 2e12))


@exercise("03.1", "Training compute of Llama 2 70B (70B parameters, 2T tokens) with C = 6ND, in FLOPs.",
          solution=_solution_1, wrong=2 * 70e9 * 2e12)
def _check_1(answer):
    value, target = _number(answer), LLAMA2_70B_FLOPS
    if close(value, target):
        return True, tr("That is the training compute: a little above Chinchilla's (70B on 1.4T tokens).")
    if close(value, target / 3):
        return False, tr("That counts only the forward pass. Training also runs a backward pass, about twice as costly.")
    if close(value, target / 6):
        return False, tr("That is N x D. How many FLOPs does one parameter cost per training token?")
    return False, tr("Multiply parameters, tokens and the FLOPs per parameter per token (forward and backward).")


def _eq4(C: float, E: float, A: float, B: float, alpha: float, beta: float) -> float:
    """N* of Hoffmann et al.'s Eq. 4, by hand: G (C/6)^(beta/(alpha+beta)), G = (alpha A / (beta B))^(1/(alpha+beta))."""
    G = (alpha * A / (beta * B)) ** (1 / (alpha + beta))
    return G * (C / 6) ** (beta / (alpha + beta))


BESIROGLU_CONSTANTS = dict(E=1.8169, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658)  # arXiv 2404.10102
LLAMA3_8B_NSTAR = _eq4(6 * 8e9 * 15e12, **BESIROGLU_CONSTANTS)  # about 8.1e10


def _solution_2() -> float:
    from ..lessons.lesson03 import BESIROGLU, compute_optimal, training_flops

    return float(compute_optimal(training_flops(8e9, 15e12), BESIROGLU)[0])


@exercise("03.2", "Compute-optimal parameter count (Besiroglu fit) for the training budget of Llama 3 8B "
          "(8B parameters, 15T tokens).", solution=_solution_2, wrong=8e9)
def _check_2(answer):
    value, target = _number(answer), LLAMA3_8B_NSTAR
    if close(value, target):
        return True, tr("Right: for that budget the fit prefers a model about ten times larger, on far fewer tokens.")
    if close(value, 8e9):
        return False, tr("That is the size Meta chose. The question asks what the fit recommends for the same compute.")
    if close(value, _eq4(7.2e23, E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)):
        return False, tr("That uses Hoffmann et al.'s published constants; the question asks for the Besiroglu refit.")
    return False, tr("First the budget with C = 6ND, then compute_optimal(C, BESIROGLU); its first value is N*.")


# Exercise 03.3 by hand, with the Besiroglu constants: the loss target is the optimum's at 1e22 FLOPs; the 3B model
# needs D with A/N^alpha + B/D^beta equal to the optimum's two terms; the break-even volume is the extra training
# compute divided by the 2 (N_opt - 3e9) FLOPs saved per served token.
def _break_even_by_hand() -> tuple[float, float]:
    k = BESIROGLU_CONSTANTS
    n_opt = _eq4(1e22, **k)
    d_opt = 1e22 / (6 * n_opt)
    reducible = k["A"] / n_opt ** k["alpha"] + k["B"] / d_opt ** k["beta"]
    d_small = (k["B"] / (reducible - k["A"] / 3e9 ** k["alpha"])) ** (1 / k["beta"])
    extra = 6 * 3e9 * d_small - 1e22
    return extra / (2 * (n_opt - 3e9)), extra


BREAK_EVEN_TOKENS, EXTRA_TRAINING_FLOPS = _break_even_by_hand()  # about 9.2e11 tokens, 1.1e22 FLOPs


def _solution_3() -> float:
    from ..lessons.lesson03 import BESIROGLU
    from ..scaling import inference_tradeoff, optimal_loss

    return float(inference_tradeoff(3e9, optimal_loss(1e22, BESIROGLU), 1e12, BESIROGLU)["break_even_tokens"])


@exercise("03.3", "Break-even serving volume (tokens) for a 3B model trained to the loss of the compute-optimal "
          "model at 1e22 FLOPs (Besiroglu fit).", solution=_solution_3, wrong=EXTRA_TRAINING_FLOPS)
def _check_3(answer):
    value = _number(answer)
    if close(value, BREAK_EVEN_TOKENS):
        return True, tr("Right: past that many served tokens the smaller, longer-trained model has cost less compute in total.")
    if close(value, EXTRA_TRAINING_FLOPS):
        return False, tr("That is the extra training compute in FLOPs. Divide it by what each served token saves.")
    return False, tr("Use scaling.inference_tradeoff(3e9, target_loss, serving_tokens, BESIROGLU) and read 'break_even_tokens'.")


def _table3_exponent() -> float:
    import numpy as np

    from ..data import read_table

    table = read_table("scaling_chinchilla_table3.csv")
    return float(np.polyfit(np.log(table["FLOPs"]), np.log(table["params"]), 1)[0])


@exercise("03.4", "The exponent a of N* ∝ C^a fitted to the rows of Table 3 (log-log least squares).",
          solution=_table3_exponent, wrong=0.73)
def _check_4(answer):
    value, target = _number(answer), 0.498  # numpy.polyfit on the nine rows of Table 3: 0.4981
    if abs(value - target) <= 0.005:
        return True, tr("Right: just under 0.50, Approach 1's exponent, which is why tokens per parameter creep up in Table 3.")
    if abs(value - 0.73) <= 0.01:
        return False, tr("That is Kaplan et al.'s exponent, not one fitted to Table 3.")
    if abs(value + target) <= 0.005:
        return False, tr("Check the sign: N* grows with C.")
    if abs(value - (1 - target)) <= 0.005:
        return False, tr("That is the exponent of D*, not of N*: which column did you put on the y axis?")
    return False, tr("Fit a straight line to log(params) against log(FLOPs), e.g. with numpy.polyfit; the slope is a.")
