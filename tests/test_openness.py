"""Lesson 02's openness matrix: the data file, the lesson's rule (utils.lessons.lesson02) and the helpers
that show it (utils.openness)."""
from datetime import date

import pandas as pd
import pytest

from utils import openness as o
from utils.data import DataFileError
from utils.lessons.lesson02 import LEVELS, openness_category, openness_score

ALL_YES = dict(weights="yes", training_code="yes", training_data="yes", eval_code="yes",
               licence_osi_approved="yes", commercial_use="yes")


def answers(**changes):
    return {**ALL_YES, **changes}


# ---------------------------------------------------------------------------- the rule, by hand

def test_score_hand_computed():
    assert openness_score(ALL_YES) == 1.0
    assert openness_score(answers(commercial_use="no")) == 1.0  # commercial use is not scored
    assert openness_score(answers(training_code="no", training_data="partial", eval_code="no")) == 0.5  # (1+0+.5+0+1)/5
    nothing = {key: "no" for key in ALL_YES}
    assert openness_score(nothing) == 0.0
    assert openness_score({**nothing, "training_data": "partial"}) == 0.1  # rounded: not 0.1000000000000001


def test_category_from_the_most_restrictive_condition_down():
    assert openness_category(ALL_YES) == "fully open"
    assert openness_category(answers(commercial_use="no")) == "research only"  # before anything else
    assert openness_category(answers(commercial_use="no", weights="no")) == "research only"
    assert openness_category(answers(weights="no")) == "closed (API only)"
    assert openness_category(answers(licence_osi_approved="partial")) == "open weights (restrictive terms)"
    assert openness_category(answers(training_data="partial")) == "open weights (OSI licence)"
    assert openness_category(answers(eval_code="no")) == "fully open"  # evaluation code is not required


def test_unknown_answers_fail():
    with pytest.raises(KeyError):
        openness_score(answers(weights="maybe"))


# ---------------------------------------------------------------------------- the data file

def test_matrix_schema_values_and_sources():
    m = o.load_matrix()
    assert len(m) >= 15 and m["model"].is_unique
    for column in o.CRITERIA:
        assert set(m[column]) <= set(LEVELS), column
    for column in ("source", "source_artifacts"):
        assert m[column].astype(str).str.strip().str.len().gt(5).all(), column
    assert m["release_date"].between("2019-01-01", "2025-12-31").all()
    assert (m["retrieved"] <= pd.Timestamp(date.today())).all()
    assert (m["retrieved"] >= m["release_date"]).all()
    assert set(m.loc[m.bundled == "yes", "model"]) == {"SmolLM2-135M-Instruct", "Gemma 3 270M"}
    assert "category" not in m.columns, "the category follows from the answers by the lesson's rule, not from the file"


def test_the_rule_on_the_real_matrix():
    s = o.scored().set_index("model")
    assert (s["category"] == "closed (API only)").sum() >= 4, "closed models belong in the matrix too"
    expected = {  # checked by hand against each row's sources
        "GPT-4": ("closed (API only)", 0.0),
        "LLaMA (65B)": ("research only", 0.2),  # weights by request 0.5 + data described 0.5
        "Stanford Alpaca (7B)": ("research only", 0.5),  # weight diff 0.5 + code 1 + data 1
        "Llama 2 (70B)": ("open weights (restrictive terms)", 0.3),
        "Gemma 3 270M": ("open weights (restrictive terms)", 0.3),  # weights 1 + data described 0.5
        "Mistral 7B": ("open weights (OSI licence)", 0.4),  # weights 1 + licence 1
        "gpt-oss-120b": ("open weights (OSI licence)", 0.7),  # weights 1 + data 0.5 + evals 1 + licence 1
        "OLMo 7B": ("fully open", 1.0),
        "Pythia (6.9B)": ("fully open", 1.0),
        "SmolLM2-135M-Instruct": ("fully open", 1.0),
    }
    for model, (category, score) in expected.items():
        assert (s.loc[model, "category"], s.loc[model, "score"]) == (category, score), model


def test_facts_checked_against_sources():
    m = o.load_matrix().set_index("model")
    assert m.loc["GPT-3 (175B)", "weights"] == "no"  # GPT-3 was never open-sourced
    assert m.loc["Llama 2 (70B)", "commercial_use"] == "partial"  # 700M MAU clause
    assert m.loc["Mixtral 8x7B", "osi_osaid_1_0"] == "did not meet"
    assert m.loc["gpt-oss-120b", "eval_code"] == "yes" and "gpt_oss/evals" in m.loc["gpt-oss-120b", "source_artifacts"]
    assert m.loc["Stanford Alpaca (7B)", "weights"] == "partial" and "weight diff" in m.loc["Stanford Alpaca (7B)", "source"]
    assert m.loc["Gemma 3 270M", "licence"] == "Gemma Terms of Use"


def test_the_fully_open_exercise_agrees_with_the_matrix():
    from utils.exercises.lesson02 import FULLY_OPEN, _fully_open_from_matrix

    assert set(_fully_open_from_matrix()) == FULLY_OPEN


def test_validation_rejects_bad_rows():
    good = o.load_matrix()
    bad = good.copy()
    bad.loc[0, "weights"] = "maybe"
    with pytest.raises(DataFileError, match="yes, partial or no"):
        o.check_matrix(bad)
    bad = good.copy()
    bad.loc[1, "source_artifacts"] = " "
    with pytest.raises(DataFileError, match="no source_artifacts"):
        o.check_matrix(bad)
    with pytest.raises(DataFileError, match="twice"):
        o.check_matrix(pd.concat([good, good.iloc[:1]], ignore_index=True))


# ---------------------------------------------------------------------------- helpers

def test_helpers_use_the_columns_the_lesson_computed():
    m = o.load_matrix()
    m["score"] = 0.5
    m["category"] = "my own category"
    table = o.matrix_table(m)
    assert set(table["category"]) == {"my own category"} and set(table["score"]) == {0.5}
    assert list(o.matrix_table().index[:3]) == ["OLMo 7B", "Pythia (6.9B)", "SmolLM2-135M-Instruct"]  # most open first


def test_heatmap_is_built_from_rounded_data():
    fig = o.plot_openness_matrix()
    z = fig.data[0].z
    assert len(z) == len(o.load_matrix()) and all(v in (0.0, 0.5, 1.0) for row in z for v in row)
    assert fig.data[0].y[-1].startswith(("OLMo", "Pythia", "SmolLM2"))  # most open on top
    assert sum(label.endswith("★") for label in fig.data[0].y) == 2


def test_bundled_models_files_agree_with_the_matrix_and_the_catalog():
    table = o.compare_with_matrix()
    assert table["licences agree"].all()
    assert (table["parameters in the file"] == table["parameters in the catalog"]).all()
    assert table.loc["smollm2-135m-instruct", "category in the matrix"] == "fully open"
    assert table.loc["gemma-3-270m", "category in the matrix"] == "open weights (restrictive terms)"


def test_palm2_row_quotes_the_report_not_a_paraphrase():
    # issue 15: the PaLM 2 report never says "withheld"; it says PaLM 2-L is "significantly smaller" than PaLM
    row = o.load_matrix().set_index("model").loc["PaLM 2"]
    assert "withheld" not in row["source"] and "significantly smaller" in row["source"]
