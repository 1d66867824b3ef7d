"""Exercises of lesson 06: price and quality (notebooks/06_price_and_quality.ipynb)."""
from __future__ import annotations

from . import close, exercise


def _mmlu_table():
    from ..pricing import price_quality_table

    return price_quality_table("mmlu")


def _dominators_of_gpt4():
    from ..pricing import dominated_by

    return set(dominated_by(_mmlu_table(), "GPT-4"))


@exercise("06.1", "On the MMLU chart, name a model that dominates GPT-4 (costs less and scores at least as high).",
          solution="Llama 3.1 405B Instruct", wrong="GPT-3.5 Turbo")
def check_dominates(answer):
    names = {m.lower(): m for m in _mmlu_table()["model"]}
    if not isinstance(answer, str) or answer.strip().lower() not in names:
        return False, "Give one model name exactly as it appears in the table's `model` column (a string)."
    model = names[answer.strip().lower()]
    if model == "GPT-4":
        return False, "A model cannot dominate itself: look for a cheaper point that is at least as high."
    if model in _dominators_of_gpt4():
        return True, f"{model} is cheaper and scores at least as high, so GPT-4 is off the frontier."
    return False, (f"{model} is cheaper but scores lower than GPT-4 on MMLU: that is a trade-off, not domination. "
                   "Look for a point that is both to the left of GPT-4 and at least as high.")


def _gpt4o_mini_cost():
    from ..pricing import api_monthly_cost, load_prices

    row = load_prices().set_index("model").loc["GPT-4o mini"]
    return api_monthly_cost(30, 10, row["usd_per_1m_input"], row["usd_per_1m_output"])


@exercise("06.2", "Monthly cost in USD of 30M input and 10M output tokens with GPT-4o mini.",
          solution=_gpt4o_mini_cost, wrong=lambda: 30 * 0.6 + 10 * 0.15)
def check_monthly_cost(answer):
    value = float(answer)
    if close(value, _gpt4o_mini_cost(), rel=0.01):
        return True, "Input and output tokens are billed at their own prices, per million tokens."
    if close(value, _gpt4o_mini_cost() / 1e6, rel=0.01) or close(value, _gpt4o_mini_cost() * 1e6, rel=0.01):
        return False, "Off by a factor of a million: the prices are per 1M tokens and the volumes are in millions."
    if close(value, 30 * 0.6 + 10 * 0.15, rel=0.01):
        return False, "Check which price goes with which volume: input and output are priced differently."
    return False, "Not that. Multiply each volume (in millions) by its own price: input with input, output with output."


def _break_even():
    from ..pricing import HOURS_PER_MONTH

    return 2.5 * HOURS_PER_MONTH / 0.4


@exercise("06.3", "Break-even volume (million tokens per month) of an always-on USD 2.50/hour GPU "
          "against an API at USD 0.40 per 1M tokens.", solution=_break_even, wrong=2.5 / 0.4)
def check_break_even(answer):
    value = float(answer)
    if close(value, _break_even(), rel=0.02):
        return True, "Below that volume the API is cheaper; above it the GPU wins, if it is fast enough to keep up."
    if close(value, 2.5 / 0.4, rel=0.02) or close(value, 2.5 * 24 / 0.4, rel=0.02):
        return False, "An always-on GPU is billed for every hour of the month, not for one hour or one day."
    return False, "Not that. Compare the GPU's monthly rent with the API's price per million tokens."


def _in_between_flips(key):
    from ..pricing import PROFILES, recommend

    return recommend({**PROFILES["in between"], key: True}).choice == "local model"


@exercise("06.4", "Which single criterion, switched on in the 'in between' profile, turns the recommendation "
          "into a local model?", solution="data_must_stay_inside", wrong="no_ops_team")
def check_flip(answer):
    from ..pricing import CRITERIA, PROFILES

    keys = {c.key for c in CRITERIA}
    if not isinstance(answer, str) or answer not in keys:
        return False, "Give one criterion key as a string, as listed in the criteria table's index."
    if PROFILES["in between"].get(answer):
        return False, "That criterion is already switched on in this profile: pick one that is off."
    if _in_between_flips(answer):
        return True, "One heavy 'local' criterion breaks the tie: that is why weights matter."
    return False, "With that one switched on the recommendation does not become a local model. Check which side it favours."
