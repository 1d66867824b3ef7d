"""Lesson 06's decision guide: "API or a model we run ourselves?" as weighted yes/no criteria, with reasons.

Slogans ("large company: run your own; startup: use an API") hide their reasons. Here each criterion is a
yes/no question that favours the API or a local (self-run) model with a weight; ``recommend`` adds up the
weights of the "yes" answers on each side and says which side wins, and why. The criteria, weights and example
profiles are data: edit them to match a situation.

    from utils import decision
    print(decision.recommend(decision.PROFILES["startup"]))
    print(decision.recommend({"data_must_stay_inside": True}, weights={"data_must_stay_inside": 2}))
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .i18n import tr

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Criterion:
    """One yes/no question of the guide, the side a "yes" favours, and how much it counts."""

    key: str
    question: str  # answered yes or no
    favours: str  # "api" or "local"
    weight: int  # how much a "yes" counts (1-3); edit it to match your situation
    reason: str  # printed when the criterion counts


def default_criteria() -> list[Criterion]:
    """The guide's criteria, with their questions and reasons in the lesson's language (``utils.i18n``).

    Built at each call, so that the set-up cell's language choice applies; ``decision.CRITERIA`` returns this list.
    """
    return [
        Criterion("data_must_stay_inside", tr("Must the data stay on our own machines (privacy, contracts)?"), "local", 3,
                  tr("the data may not leave your machines, and an API sends every prompt to its provider")),
        Criterion("compliance_audit",
                  tr("Must we pin, inspect and audit the exact model version for years (compliance)?"), "local", 2,
                  tr("open weights can be archived and re-run unchanged; an API model can be retired or changed")),
        Criterion("offline_or_on_device", tr("Must it run without internet, on premises or on a device?"), "local", 3,
                  tr("only a model you run yourself works offline")),
        Criterion("deep_customization", tr("Do we need to fine-tune or change the model itself on our own data?"),
                  "local", 2, tr("open weights can be fine-tuned freely (lesson 07); APIs offer limited tuning")),
        Criterion("high_steady_volume", tr("Is the volume large and steady (billions of tokens a month)?"), "local", 1,
                  tr("a busy, always-used GPU costs less per token than an API above the break-even volume")),
        Criterion("needs_top_quality",
                  tr("Do the tasks need the best quality available (hard reasoning, broad knowledge)?"), "api", 3,
                  tr("the top-rated models are mostly closed, and the largest open ones need several GPUs to run")),
        Criterion("no_ops_team", tr("Do we lack people to run and update GPU servers?"), "api", 2,
                  tr("an API needs no servers, drivers, scaling or on-call duty")),
        Criterion("small_or_spiky_volume", tr("Is the volume small or unpredictable?"), "api", 2,
                  tr("an API bills per token, an idle GPU still costs rent")),
        Criterion("fast_time_to_market", tr("Must a first version ship within weeks?"), "api", 1,
                  tr("an API call is the fastest way to a working prototype")),
    ]


def __getattr__(name: str):
    """``decision.CRITERIA``: the default criteria, in the language the lesson speaks when it is read."""
    if name == "CRITERIA":
        return default_criteria()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


PROFILES = {
    # The decision guide's situations, as yes/no answers to the criteria (edit them).
    "large company (regulated)": {"data_must_stay_inside": True, "compliance_audit": True, "high_steady_volume": True,
                                  "needs_top_quality": True},
    "startup": {"no_ops_team": True, "small_or_spiky_volume": True, "fast_time_to_market": True,
                "needs_top_quality": True},
    "in between": {"deep_customization": True, "high_steady_volume": True, "needs_top_quality": True},
    # Lesson 06, section 5: a self-hosted small model (an "sLLM") for one language or domain, data kept in house.
    "domain sLLM": {"data_must_stay_inside": True, "deep_customization": True, "high_steady_volume": True,
                    "fast_time_to_market": True},
}


@dataclass
class Recommendation:
    """The side that won, both scores, and one line of reasons per criterion that counted."""

    choice: str  # "API", "local model" or "either: start with an API, keep a local option" (English, for code)
    api_score: int
    local_score: int
    reasons: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        choice = {"API": "API", "local model": tr("local model"),
                  "either: start with an API, keep a local option": tr("either: start with an API, keep a local option"),
                  }.get(self.choice, self.choice)
        lines = [tr("Recommendation: {choice} (API {api} : local {local})", choice=choice, api=self.api_score,
                    local=self.local_score)]
        lines += [f"  - {reason}" for reason in self.reasons]
        return "\n".join(lines)


def criteria_table(criteria: list[Criterion] | None = None) -> pd.DataFrame:
    """The criteria as a DataFrame (key, question, favours, weight); the default criteria unless given."""
    import pandas as pd

    criteria = default_criteria() if criteria is None else criteria
    return pd.DataFrame([{"key": c.key, "question": c.question, "favours": c.favours, "weight": c.weight}
                         for c in criteria]).set_index("key")


def recommend(answers: dict[str, bool], criteria: list[Criterion] | None = None,
              weights: dict[str, int] | None = None) -> Recommendation:
    """Score each "yes" answer for its side (API or local model) and say which side wins, with the reasons.

    ``answers`` maps criterion keys to True/False (missing keys count as no); ``weights`` overrides the
    default weight of some criteria.
    """
    criteria = default_criteria() if criteria is None else criteria
    known = {c.key: c for c in criteria}
    unknown = sorted(set(answers) - set(known))
    if unknown:
        raise KeyError(tr("Unknown criteria {unknown}. Known: {known}", unknown=unknown, known=", ".join(known)))
    unknown = sorted(set(weights or {}) - set(known))
    if unknown:
        raise KeyError(tr("Weights for unknown criteria {unknown}. Known: {known}", unknown=unknown,
                          known=", ".join(known)))
    scores = {"api": 0, "local": 0}
    reasons = []
    for c in criteria:
        if answers.get(c.key):
            weight = (weights or {}).get(c.key, c.weight)
            if weight < 0:
                raise ValueError(tr("The weight of {key} must be >= 0, got {weight}.", key=c.key, weight=weight))
            scores[c.favours] += weight
            side = tr("API +{weight}: {reason}", weight=weight, reason=c.reason) if c.favours == "api" else \
                tr("local +{weight}: {reason}", weight=weight, reason=c.reason)
            reasons.append(side)
    if scores["api"] > scores["local"]:
        choice = "API"
    elif scores["local"] > scores["api"]:
        choice = "local model"
    else:
        choice = "either: start with an API, keep a local option"
    return Recommendation(choice, scores["api"], scores["local"], reasons)
