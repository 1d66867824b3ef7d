"""Lesson 04 data files (assets/lineage_*): schema, dates, sources, value ranges, and a valid family tree."""
import json

import pandas as pd

from utils import architecture as arch
from utils.data import read_table
from utils.paths import asset

ISSUE_NODES = {  # the nodes issue 5 asks the family tree to show
    "LLaMA", "Alpaca", "Vicuna", "Koala", "WizardLM", "Baize", "Guanaco (QLoRA)", "Orca", "Llama 2", "Llama-2-Chat",
    "Code Llama", "Stable Beluga 2 (FreeWilly2)", "LLaMA Pro", "ELYZA-japanese-Llama-2-7b", "Orca 2", "Falcon",
    "Mistral 7B", "BioMistral", "OpenMath-Mistral-7B", "Mixtral 8x7B", "Gemma", "phi-1", "OLMo", "SmolLM2",
    "Llama 3", "Llama 3.1", "Llama 3.2",
}


def lineage():
    return read_table("lineage_models.csv", date_columns=["date"], required=arch.LINEAGE_COLUMNS)


def test_lineage_schema_and_tree():
    df = lineage()
    arch.check_lineage(df)
    assert ISSUE_NODES <= set(df["model"])
    assert df["source"].str.len().min() > 10
    assert df["date"].between("2023-01-01", "2025-12-31").all()
    assert (df["retrieved"] >= df["date"]).all()
    for col in ("family", "params", "recipe", "licence"):
        assert df[col].notna().all() and df[col].str.strip().ne("").all(), col
    assert df["params"].str.contains(r"\d+(?:\.\d+)?[MB]").all()


def test_lineage_edges_the_issue_names():
    df = lineage().set_index("model")
    for child in ("Alpaca", "Vicuna", "Koala", "WizardLM", "Baize", "Guanaco (QLoRA)", "Orca"):
        assert df.loc[child, "parent"] == "LLaMA", child
    for child in ("Llama-2-Chat", "Code Llama", "Stable Beluga 2 (FreeWilly2)", "LLaMA Pro",
                  "ELYZA-japanese-Llama-2-7b", "Orca 2"):
        assert df.loc[child, "parent"] == "Llama 2", child
    assert df.loc["BioMistral", "parent"] == df.loc["OpenMath-Mistral-7B", "parent"] == "Mistral 7B"
    assert df.loc["Llama 3.1", "parent"] == "Llama 3" and df.loc["Llama 3.2", "parent"] == "Llama 3.1"
    assert df.loc["Llama 3.2", "relation"] == "pruned and distilled"
    # trained from scratch: never drawn as "derived from"
    for model in ("Llama 2", "Llama 3", "Llama 3.1"):
        assert df.loc[model, "relation"] == "next generation", model
    # fact-sheet traps: Gemma 3 270M is not Apache; the Llama 3.2 date is the September one
    assert df.loc["Gemma 3 270M", "licence"].startswith("Gemma Terms of Use")
    assert df.loc["Llama 3.2", "date"] == pd.Timestamp("2024-09-25")


def test_generations_table():
    df = read_table("lineage_generations.csv").set_index("attribute")
    assert list(df.columns[:3]) == ["LLaMA", "Llama 2", "Llama 3"]
    for attribute in ("pretraining tokens", "context length", "grouped-query attention", "licence", "chat tuning",
                      "vocabulary"):
        assert attribute in df.index
    assert df.loc["context length", "LLaMA"] == "2048" and df.loc["context length", "Llama 2"] == "4096"
    assert "PPO" in df.loc["chat tuning", "Llama 2"] and "DPO" in df.loc["chat tuning", "Llama 3"]


def test_dimensions_table():
    df = read_table("lineage_dimensions.csv").set_index("model")
    assert {"LLaMA 7B", "Llama 2 70B"} <= set(df.index)
    assert (df["dim"] % df["n_heads"] == 0).all()
    assert (df["n_heads"] % df["n_kv_heads"] == 0).all()
    assert df["n_layers"].between(1, 200).all()


def test_recipes_json_has_sources_and_dates():
    entries = json.loads(asset("lineage_recipes.json").read_text(encoding="utf-8"))
    for entry in entries:
        assert entry["source"].strip() and pd.Timestamp(entry["retrieved"]) <= pd.Timestamp.now()
        assert isinstance(entry["example"], dict) and entry["example"]
        assert "illustrative" in entry["example"]["_note"]  # examples are written for the course, not quoted data
