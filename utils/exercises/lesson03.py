"""Exercises of lesson 03 (scaling laws). Feedback hints at the method, never at the number."""
from __future__ import annotations

from . import close, exercise


def _number(answer) -> float:
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) and not hasattr(answer, "__float__"):
        raise TypeError("the answer should be one number, for example 1.2e23")
    return float(answer)


def _llama2_70b_flops():
    from ..scaling import training_flops

    return float(training_flops(70e9, 2e12))


@exercise("03.1", "Training compute of Llama 2 70B (70B parameters, 2T tokens) with C = 6ND, in FLOPs.",
          solution=_llama2_70b_flops, wrong=2 * 70e9 * 2e12)
def _check_1(answer):
    value, target = _number(answer), _llama2_70b_flops()
    if close(value, target):
        return True, "That is the training compute: a little above Chinchilla's (70B on 1.4T tokens)."
    if close(value, target / 3):
        return False, "That counts only the forward pass. Training also runs a backward pass, about twice as costly."
    if close(value, target / 6):
        return False, "That is N x D. How many FLOPs does one parameter cost per training token?"
    return False, "Multiply parameters, tokens and the FLOPs per parameter per token (forward and backward)."


def _llama3_8b_nstar():
    from ..scaling import compute_optimal, training_flops

    return float(compute_optimal(training_flops(8e9, 15e12), "besiroglu")[0])


@exercise("03.2", "Compute-optimal parameter count (Besiroglu fit) for the training budget of Llama 3 8B "
          "(8B parameters, 15T tokens).", solution=_llama3_8b_nstar, wrong=8e9)
def _check_2(answer):
    value, target = _number(answer), _llama3_8b_nstar()
    if close(value, target):
        return True, "Right: for that budget the fit prefers a model about ten times larger, on far fewer tokens."
    if close(value, 8e9):
        return False, "That is the size Meta chose. The question asks what the fit recommends for the same compute."
    from ..scaling import compute_optimal

    if close(value, float(compute_optimal(7.2e23, "chinchilla")[0])):
        return False, "That uses Hoffmann et al.'s published constants; the question asks for the Besiroglu refit."
    return False, "First the budget with C = 6ND, then scaling.compute_optimal(C, 'besiroglu'); its first value is N*."


def _break_even():
    from ..scaling import inference_tradeoff, optimal_loss

    return float(inference_tradeoff(3e9, optimal_loss(1e22, "besiroglu"), 1e12, "besiroglu")["break_even_tokens"])


def _extra():
    from ..scaling import inference_tradeoff, optimal_loss

    return float(inference_tradeoff(3e9, optimal_loss(1e22, "besiroglu"), 1e12, "besiroglu")["extra_training_flops"])


@exercise("03.3", "Break-even serving volume (tokens) for a 3B model trained to the loss of the compute-optimal "
          "model at 1e22 FLOPs (Besiroglu fit).", solution=_break_even, wrong=_extra)
def _check_3(answer):
    value, target = _number(answer), _break_even()
    if close(value, target):
        return True, "Right: past that many served tokens the smaller, longer-trained model has cost less compute in total."
    if close(value, _extra()):
        return False, "That is the extra training compute in FLOPs. Divide it by what each served token saves."
    return False, "Use scaling.inference_tradeoff(3e9, target_loss, serving_tokens, 'besiroglu') and read 'break_even_tokens'."


def _table3_exponent():
    import numpy as np

    from ..data import read_table

    table = read_table("scaling_chinchilla_table3.csv")
    return float(np.polyfit(np.log(table["FLOPs"]), np.log(table["params"]), 1)[0])


@exercise("03.4", "The exponent a of N* ∝ C^a fitted to the rows of Table 3 (log-log least squares).",
          solution=_table3_exponent, wrong=0.73)
def _check_4(answer):
    value, target = _number(answer), _table3_exponent()
    if abs(value - target) <= 0.005:
        return True, "Right: just under 0.50, Approach 1's exponent, which is why tokens per parameter creep up in Table 3."
    if abs(value - 0.73) <= 0.01:
        return False, "That is Kaplan et al.'s exponent, not one fitted to Table 3."
    if abs(value + target) <= 0.005:
        return False, "Check the sign: N* grows with C."
    if abs(value - (1 - target)) <= 0.005:
        return False, "That is the exponent of D*, not of N*: which column did you put on the y axis?"
    return False, "Fit a straight line to log(params) against log(FLOPs), e.g. with numpy.polyfit; the slope is a."
