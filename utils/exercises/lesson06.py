"""Exercises of lesson 06: price and quality (notebooks/06_price_and_quality.ipynb).

The expected answers are computed here from the data files with plain arithmetic, not with the lesson's own
functions (which the solutions use): a wrong frontier or cost formula in the lesson cannot pass its own check.
"""
from __future__ import annotations

from functools import lru_cache

from ..i18n import tr
from . import close, exercise


@lru_cache(maxsize=1)
def _arena_rows() -> dict[str, tuple[float, float]]:
    """{model: (price blended 3 input : 1 output, Arena rating)} for every model with a price and a rating."""
    import pandas as pd

    from ..paths import asset

    prices = pd.read_csv(asset("prices_api.csv")).set_index("model")
    ratings = pd.read_csv(asset("quality_arena.csv")).set_index("model")["arena_rating"]
    return {m: ((3 * prices.loc[m, "usd_per_1m_input"] + prices.loc[m, "usd_per_1m_output"]) / 4, float(r))
            for m, r in ratings.items() if m in prices.index}


def _dominators_of(target: str) -> set[str]:
    rows = _arena_rows()
    cost, rating = rows[target]
    return {m for m, (c, r) in rows.items() if c <= cost and r >= rating and (c < cost or r > rating)}


def _solution_1() -> str:
    import numpy as np

    from ..lessons.lesson06 import dominators
    from ..pricing import load_prices, load_quality, price_quality_table

    arena = price_quality_table(load_prices(), load_quality("arena"), "arena")
    i = int(np.flatnonzero(arena["model"] == "GPT-4o")[0])
    return str(arena.loc[dominators(arena["blended_usd_per_1m"], arena["quality"], i), "model"].iloc[0])


@exercise("06.1", "On the Arena chart, name a model that dominates GPT-4o (costs no more and is rated at least as high).",
          solution=_solution_1, wrong="GPT-4o mini")
def check_dominates(answer):
    names = {m.lower(): m for m in _arena_rows()}
    if not isinstance(answer, str) or answer.strip().lower() not in names:
        return False, tr("Give one model name exactly as it appears in the Arena table's `model` column (a string).")
    model = names[answer.strip().lower()]
    if model == "GPT-4o":
        return False, tr("A model cannot dominate itself: look for a point no further right that is at least as high.")
    if model in _dominators_of("GPT-4o"):
        return True, tr("{model} costs no more and is rated at least as high, in the same snapshot: GPT-4o is off the "
                        "frontier.", model=model)
    cost, rating = _arena_rows()[model]
    if cost <= _arena_rows()["GPT-4o"][0]:
        return False, tr("{model} is cheaper but rated lower than GPT-4o: that is a trade-off, not dominance. "
                         "Look for a point that is both no further right than GPT-4o and at least as high.", model=model)
    return False, tr("{model} costs more than GPT-4o. Look left of GPT-4o on the chart, at least as high.", model=model)


def _gpt4o_mini_cost() -> float:
    import pandas as pd

    from ..paths import asset

    row = pd.read_csv(asset("prices_api.csv")).set_index("model").loc["GPT-4o mini"]
    return 30 * float(row["usd_per_1m_input"]) + 10 * float(row["usd_per_1m_output"])


def _solution_2() -> float:
    from ..lessons.lesson06 import api_monthly_cost
    from ..pricing import load_prices

    row = load_prices().set_index("model").loc["GPT-4o mini"]
    return float(api_monthly_cost(30, 10, row["usd_per_1m_input"], row["usd_per_1m_output"]))


@exercise("06.2", "Monthly cost in USD of 30M input and 10M output tokens with GPT-4o mini.",
          solution=_solution_2, wrong=lambda: 30 * 0.6 + 10 * 0.15)
def check_monthly_cost(answer):
    value, target = float(answer), _gpt4o_mini_cost()
    if close(value, target, rel=0.01):
        return True, tr("Input and output tokens are billed at their own prices, per million tokens.")
    if close(value, target / 1e6, rel=0.01) or close(value, target * 1e6, rel=0.01):
        return False, tr("Off by a factor of a million: the prices are per 1M tokens and the volumes are in millions.")
    if close(value, 30 * 0.6 + 10 * 0.15, rel=0.01):
        return False, tr("Check which price goes with which volume: input and output are priced differently.")
    return False, tr("Not that. Multiply each volume (in millions) by its own price: input with input, output with "
                     "output.")


BREAK_EVEN = 2.5 * 730 / 0.4  # 4,562.5 million tokens: a month of rent (730 h x USD 2.50) / USD 0.40 per million


def _solution_3() -> float:
    from ..lessons.lesson06 import SelfHosting, break_even_tokens_m

    return float(break_even_tokens_m(SelfHosting("gpu", 2.5, 1500.0, 15000.0), 0.4))


@exercise("06.3", "Break-even volume (million tokens per month) of an always-on USD 2.50/hour GPU "
          "against an API at USD 0.40 per 1M tokens.", solution=_solution_3, wrong=2.5 / 0.4)
def check_break_even(answer):
    value = float(answer)
    if close(value, BREAK_EVEN, rel=0.02):
        return True, tr("Below that volume the API is cheaper; above it the GPU wins, if it is fast enough to keep up.")
    if close(value, 2.5 / 0.4, rel=0.02) or close(value, 2.5 * 24 / 0.4, rel=0.02):
        return False, tr("An always-on GPU is billed for every hour of the month, not for one hour or one day.")
    return False, tr("Not that. Compare the GPU's monthly rent with the API's price per million tokens.")


def _in_between_flips(key: str) -> bool:
    """Adds the weights by hand: the profile's "yes" answers per side, plus the answered criterion."""
    from ..decision import CRITERIA, PROFILES

    on = {k for k, v in PROFILES["in between"].items() if v} | {key}
    score = {"api": 0, "local": 0}
    for c in CRITERIA:
        if c.key in on:
            score[c.favours] += c.weight
    return score["local"] > score["api"]


@exercise("06.4", "Which single criterion, switched on in the 'in between' profile, turns the recommendation "
          "into a local model?", solution="data_must_stay_inside", wrong="no_ops_team")
def check_flip(answer):
    from ..decision import CRITERIA, PROFILES

    keys = {c.key for c in CRITERIA}
    if not isinstance(answer, str) or answer not in keys:
        return False, tr("Give one criterion key as a string, as listed in the criteria table's index.")
    if PROFILES["in between"].get(answer):
        return False, tr("That criterion is already switched on in this profile: pick one that is off.")
    if _in_between_flips(answer):
        return True, tr("One heavy 'local' criterion breaks the tie: that is why weights matter.")
    return False, tr("With that one switched on the recommendation does not become a local model. Check which side "
                     "it favours.")


# 06.5: 70e9 weights × 2 bytes = 140 GB; 140 / 80 = 1.75 -> 2 GPUs (weights only). Written out, not computed with
# the lesson's cell, so that a wrong formula in the lesson cannot pass its own check.
GPUS_FOR_70B_16BIT = 2


@exercise("06.5", "A 70B sLLM in 16-bit: how many 80 GB GPUs does it need just to hold its weights?",
          solution=GPUS_FOR_70B_16BIT, wrong=1)
def check_gpus_for_70b(answer):
    value = float(answer)
    if value != int(value):
        return False, tr("Give a whole number of GPUs: a model cannot run on 1.75 GPUs, so round up.")
    if int(value) == GPUS_FOR_70B_16BIT:
        return True, tr("140 GB of weights: two 80 GB GPUs, before the KV cache. At 4 bits (35 GB) it fits one: that is "
                        "what quantization (lesson 05) buys.")
    if int(value) == 1:
        return False, tr("70 GB would fit one GPU, but 16-bit means 2 bytes per weight. How many GB is that?")
    if int(value) >= 4:
        return False, tr("Too many: 16 bits are 2 bytes (not 4 or 16). Weights = parameters × bytes per parameter.")
    return False, tr("Weights in GB = 70 × 2; divide by 80 GB and round up.")
