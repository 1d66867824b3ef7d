"""utils.timeline: the dated releases of lesson 02 and their chart."""
import pandas as pd
import pytest

from utils import timeline
from utils.data import DataFileError


def test_timeline_schema_and_range():
    t = timeline.load_timeline()
    assert t["date"].between("2019-01-01", "2025-12-31").all()
    assert {"closed", "open"} <= set(t["access"])
    assert t["source"].astype(str).str.strip().str.len().gt(5).all()
    assert set(t["date_precision"]) <= {"day", "month", "about"}
    assert t["date"].is_monotonic_increasing
    events = " ".join(t["event"])
    for name in ("GPT-2", "GPT-3", "ChatGPT", "LLaMA", "leak", "Llama 2", "Mistral 7B", "Mixtral", "Gemma", "OLMo", "Llama 3"):
        assert name in events, name
    assert pd.Timestamp("2022-11-30") in set(t.loc[t.event.str.startswith("ChatGPT"), "date"])


def test_chart_has_every_event_with_day_dates():
    t = timeline.load_timeline()
    fig = timeline.plot_timeline(t)
    assert sum(len(trace.x) for trace in fig.data) == len(t)
    assert all(len(x) == 10 for trace in fig.data for x in trace.x)  # YYYY-MM-DD text, stable in stored JSON


def test_unknown_access_is_rejected(monkeypatch):
    import utils.data

    real = utils.data.read_table

    def fake(name, **kwargs):
        df = real(name, **kwargs)
        df.loc[0, "access"] = "leaked"
        return df

    monkeypatch.setattr(utils.data, "read_table", fake)
    with pytest.raises(DataFileError, match="access values"):
        timeline.load_timeline()
