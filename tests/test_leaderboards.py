"""Lesson 05 section 7 and lesson 06 section 5: the leaderboard, first-Arena and sLLM data files (schema, dates, sources
on the primary hosts, the facts checked by hand), and lesson 05's Elo and Bradley-Terry functions on hand-worked votes."""
import math
import re
from datetime import date

import pandas as pd
import pytest

from utils.data import read_table
from utils.exercises.lesson05 import V2_GENERATED_TASKS, V2_LOGLIKELIHOOD_TASKS
from utils.lessons.lesson05 import bradley_terry, elo_expected, elo_update, online_elo

PRECISIONS = {"day", "month", "about"}
DOMAIN = re.compile(r"\b((?:[a-z0-9-]+\.)+(?:com|org|co|edu|ai|io))\b")


def domains(sources: pd.Series) -> set[str]:
    return {d for s in sources for d in DOMAIN.findall(s.lower())}


def tasks():
    return read_table("leaderboard_tasks.csv", date_columns=("from", "until"))


def test_leaderboard_tasks_schema_dates_and_sources():
    df = tasks()
    assert set(df["version"]) == {"v1", "v2"}
    assert set(df["scored_by"]) == {"log-likelihood", "generated text"}
    assert set(df["from_precision"]) <= PRECISIONS and set(df["until_precision"]) <= PRECISIONS
    assert (df["from"] < df["until"]).all()
    assert (df["from"] >= pd.Timestamp("2023-04-01")).all() and (df["until"] <= pd.Timestamp("2025-03-31")).all()
    assert (df["retrieved"] > df["until"]).all() and (df["retrieved"] <= pd.Timestamp(date.today())).all()
    assert df["shots"].between(0, 25).all()
    # only Hugging Face's own pages and repositories: no blog, timeline or aggregator
    assert domains(df["source"]) <= {"huggingface.co", "github.com"}, domains(df["source"])


def test_leaderboard_task_sets_as_hugging_face_documented_them():
    df = tasks().set_index("task")
    assert set(df.index[df["version"] == "v1"]) == {"ARC-Challenge", "HellaSwag", "MMLU", "TruthfulQA", "Winogrande",
                                                      "GSM8K", "DROP"}
    assert set(df.index[df["version"] == "v2"]) == V2_LOGLIKELIHOOD_TASKS | V2_GENERATED_TASKS
    # the exercise's hard-coded answer agrees with the file
    v2 = df[df["version"] == "v2"]
    assert set(v2.index[v2["scored_by"] == "log-likelihood"]) == V2_LOGLIKELIHOOD_TASKS
    # shots as printed on the leaderboard's cards and documentation
    shots = {"ARC-Challenge": 25, "HellaSwag": 10, "MMLU": 5, "TruthfulQA": 0, "Winogrande": 5, "GSM8K": 5, "DROP": 3,
             "IFEval": 0, "BBH": 3, "MATH Lvl 5": 4, "GPQA": 0, "MuSR": 0, "MMLU-PRO": 5}
    assert df["shots"].to_dict() == shots
    # DROP: added with Winogrande and GSM8K, removed on 2023-12-01 (HF blog "DROP deep dive")
    assert df.loc["DROP", "until"] == pd.Timestamp("2023-12-01") and df.loc["DROP", "until_precision"] == "day"
    assert df.loc["DROP", "from"] == df.loc["GSM8K", "from"] == df.loc["Winogrande", "from"]
    # v2 launched on 2024-06-26, the day v1 ended; the retirement is known to the month only
    assert (df.loc[df["version"] == "v2", "from"] == pd.Timestamp("2024-06-26")).all()
    assert (df.loc[df["version"] == "v1", "until"].drop("DROP") == pd.Timestamp("2024-06-26")).all()
    assert set(df.loc[df["version"] == "v2", "until_precision"]) == {"month"}
    assert df.loc["ARC-Challenge", "metric"] == df.loc["HellaSwag", "metric"] == "acc_norm"


def test_first_arena_table():
    df = read_table("arena_2023_05.csv", date_columns=("snapshot_date",)).set_index("model")
    assert len(df) == 9 and list(df["rank"]) == list(range(1, 10))
    assert df["elo_rating"].is_monotonic_decreasing
    assert df.loc["vicuna-13b", "elo_rating"] == 1169 and df.loc["stablelm-tuned-alpha-7b", "elo_rating"] == 858
    assert set(df.index[df["base_family"] == "LLaMA"]) == {"vicuna-13b", "koala-13b", "alpaca-13b", "llama-13b"}
    assert (df["snapshot_date"] == pd.Timestamp("2023-05-03")).all()
    assert df["source"].str.contains("lmsys.org/blog/2023-05-03-arena").all()
    assert domains(df["source"]) <= {"lmsys.org", "lm-sys.github.io", "github.com", "bair.berkeley.edu"}


def test_sllm_examples():
    df = read_table("sllm_examples.csv").set_index("model")
    assert set(df["korean"]) == {"yes", "no"}
    assert set(df["llama_lineage"]) <= {"yes", "yes (it is Llama)", "no", "not stated"}
    # the newspaper's examples cite the newspaper; sizes come from the models' own papers and cards
    press = df[df["called_sllm_by"].str.contains("전자신문")]
    assert len(press) == 6 and press["source"].str.contains("etnews.com/20240521000272").all()
    assert "3.8B" in df.loc["Phi-3-mini", "parameters"] and "2404.14219" in df.loc["Phi-3-mini", "source"]
    assert df.loc["Gemini Nano", "parameters"] == "1.8B, 3.25B"
    assert "2507.06795" in df.loc["ixi-GEN (익시젠)", "source"]
    assert "mini LLM" in df.loc["Solar Mini", "called_sllm_by"]
    assert domains(df["source"]) <= {"etnews.com", "github.com", "huggingface.co", "en.content.upstage.ai"}


# ---- lesson 05's Elo and Bradley-Terry, by hand ----

def test_elo_expectation_and_one_update():
    assert elo_expected(1000, 1000) == 0.5
    assert elo_expected(1400, 1000) == pytest.approx(10 / 11)  # 400 points: odds of 10 to 1
    assert elo_update(1000, 1000, 1) == (1016, 984)
    a, b = elo_update(1000, 1100, 1)
    assert a == pytest.approx(1000 + 32 * (1 - 1 / (1 + 10 ** 0.25))) and a + b == 2100
    assert elo_update(1000, 1000, 0.5) == (1000, 1000)


def test_online_elo_depends_on_the_order_bradley_terry_does_not():
    votes = [("A", "B", 1), ("B", "C", 1), ("C", "A", 1), ("A", "B", 1), ("A", "C", 0.5), ("B", "A", 1)]
    assert online_elo(votes) != pytest.approx(online_elo(votes[::-1]))
    forward, backward = bradley_terry(votes), bradley_terry(votes[::-1])
    assert forward == pytest.approx(backward)
    assert sum(forward.values()) / 3 == pytest.approx(1000)


def test_bradley_terry_recovers_a_known_win_rate():
    # two models, A wins 2 of 3: the maximum-likelihood strengths are 2 : 1, i.e. 400·log10(2) = 120.4 Elo points
    votes = [("A", "B", 1), ("A", "B", 1), ("B", "A", 1)]
    r = bradley_terry(votes)
    assert r["A"] - r["B"] == pytest.approx(400 * math.log10(2), abs=1e-6)
    assert elo_expected(r["A"], r["B"]) == pytest.approx(2 / 3)
    # a tie counts half: A 1.5 of 2
    r = bradley_terry([("A", "B", 1), ("A", "B", 0.5)])
    assert elo_expected(r["A"], r["B"]) == pytest.approx(0.75)


def test_bradley_terry_refuses_a_model_without_a_loss():
    with pytest.raises(ValueError, match="won all or none"):
        bradley_terry([("A", "B", 1), ("A", "B", 1)])
