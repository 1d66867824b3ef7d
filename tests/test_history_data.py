"""Lesson 04's history data: Google's path (assets/google_path.csv) and LLaMA against the closed models
(assets/llama_vs_closed.csv, as printed in the LLaMA paper's Tables 3 and 9 and the Llama 2 paper's Table 4)."""
import pandas as pd

from utils.data import read_table

PRIMARY = ("arXiv ", "github.com/", "huggingface.co/", "blog.google/", "gemini.google.com/", "ai.google/",
           "ai.google.dev/", "Google Developers Blog")


def test_google_path_schema_and_sources():
    g = read_table("google_path.csv")
    assert g["step"].is_unique and g["model"].is_unique
    dates = pd.to_datetime(g["date"], format="mixed")
    assert dates.is_monotonic_increasing
    assert (g["date_precision"] == "month").eq(g["date"].str.len() == 7).all()
    assert set(g["access"].str.split(" ").str[0]) == {"closed", "open"}
    for row in g.itertuples():
        assert any(host in row.source for host in PRIMARY), row.model
        assert row.not_disclosed.strip(), row.model


def test_google_path_facts_as_the_reports_state_them():
    g = read_table("google_path.csv").set_index("model")
    assert "137B" in g.loc["LaMDA", "parameters"] and "1.56T words" in g.loc["LaMDA", "training_data"]
    assert "540B" in g.loc["PaLM", "parameters"] and "780B tokens" in g.loc["PaLM", "training_data"]
    # PaLM 2's report gives no size and no token count (arXiv 2305.10403 §1, §3): never a number here
    palm2 = g.loc["PaLM 2"]
    assert palm2["parameters"].startswith("not disclosed") and "significantly smaller" in palm2["parameters"]
    assert "no token count" in palm2["training_data"]
    assert "340" not in palm2["parameters"] and "540" not in palm2["parameters"]
    open_models = g[g["access"] == "open weights"].index
    assert all(name.startswith("Gemma") for name in open_models) and len(open_models) == 4
    assert all(g.loc[m, "licence"].startswith("Gemma Terms of Use") for m in open_models)


def comparison():
    df = read_table("llama_vs_closed.csv")
    df["score"] = pd.to_numeric(df["score"])
    return df


def test_llama_vs_closed_schema():
    df = comparison()
    assert not df.duplicated(["paper_table", "benchmark", "shots", "model"]).any()
    assert df["source"].str.startswith("arXiv ").all()
    assert df["score"].dropna().between(0, 100).all()
    printed = df["printed_value"].astype(str)
    missing = printed.isin(["–", "-"])
    assert df.loc[missing, "score"].isna().all() and df.loc[~missing, "score"].notna().all()
    assert (df.loc[~missing, "score"] == pd.to_numeric(printed[~missing])).all()


def test_llama2_table4_as_printed():
    t4 = comparison()
    t4 = t4[t4["paper_table"].str.startswith("Llama 2 Table 4")].pivot(index="benchmark", columns="model",
                                                                       values="score")
    assert t4.shape == (6, 5)
    assert t4.loc["MMLU", "Llama 2 70B"] == 68.9 and t4.loc["MMLU", "GPT-3.5"] == 70.0
    assert t4.loc["MMLU", "GPT-4"] == 86.4 and t4.loc["MMLU", "PaLM-2-L"] == 78.3
    assert t4.loc["HumanEval", "Llama 2 70B"] == 29.9 and t4.loc["HumanEval", "GPT-4"] == 67.0
    assert t4.loc["GSM8K", "GPT-3.5"] == 57.1 and t4.loc["GSM8K", "Llama 2 70B"] == 56.8
    assert pd.isna(t4.loc["HumanEval", "PaLM-2-L"]) and pd.isna(t4.loc["TriviaQA", "GPT-4"])
    gap = t4["Llama 2 70B"] - t4["GPT-4"]
    assert gap.idxmin() == "HumanEval"  # code: the open model's widest gap


def test_llama_13b_beats_gpt3_on_most_table3_tasks():
    t3 = comparison()
    t3 = t3[t3["paper_table"].str.startswith("LLaMA Table 3")].pivot(index="benchmark", columns="model",
                                                                     values="score")
    both = t3[["LLaMA 13B", "GPT-3 175B"]].dropna()
    assert len(both) == 7  # GPT-3 has no SIQA number
    wins = both["LLaMA 13B"] > both["GPT-3 175B"]
    assert wins.sum() == 5 and set(both.index[~wins]) == {"PIQA", "OBQA"}
