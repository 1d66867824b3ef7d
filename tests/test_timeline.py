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


def _first_row_says(monkeypatch, column: str, value: str) -> None:
    """Make read_table return the real timeline with one bad cell in its first row."""
    import utils.data

    real = utils.data.read_table

    def fake(name, **kwargs):
        df = real(name, **kwargs)
        df.loc[0, column] = value
        return df

    monkeypatch.setattr(utils.data, "read_table", fake)


def test_unknown_access_is_rejected(monkeypatch):
    _first_row_says(monkeypatch, "access", "leaked")
    with pytest.raises(DataFileError, match="access values"):
        timeline.load_timeline()


# Hosts of primary sources: the companies' own announcements, papers, their code and model cards. A row of the
# closed side must cite one of them (popular timelines are where the wrong dates come from).
PRIMARY = ("arXiv ", "openai.com/", "github.com/openai/", "anthropic.com/news/", "blog.google/",
           "gemini.google.com/", "ai.google/", "ai.google.dev/", "blogs.microsoft.com/", "x.ai/")


def test_every_row_says_what_happened_that_day():
    t = timeline.load_timeline()
    assert set(t["event_type"]) <= set(timeline.EVENT_TYPES)
    assert not t.duplicated(["date", "event"]).any()
    assert not t.duplicated(["event"]).any()


def test_closed_side_2020_2025_from_primary_sources():
    t = timeline.load_timeline()
    closed = t[t["access"] == "closed"]
    assert (closed["date"] >= "2020-01-01").all()
    for row in closed.itertuples():
        assert any(host in row.source for host in PRIMARY), (row.event, row.source)
    events = " ".join(closed["event"])
    for name in ("gpt-3.5-turbo", "Claude", "Bard", "Gemini 1.0", "Gemini 1.5", "o1", "LaMDA", "PaLM"):
        assert name in events, name


def test_dates_that_popular_timelines_get_wrong():
    t = timeline.load_timeline().set_index("event")

    def row(prefix):
        match = t[t.index.str.startswith(prefix)]
        assert len(match) == 1, prefix
        return match.iloc[0]

    # Gemini 1.0 was announced on 2023-12-06; the Bard app kept its name until 2024-02-08 (Google's release notes)
    assert row("Gemini 1.0")["date"] == pd.Timestamp("2023-12-06")
    rename = row("Bard renamed Gemini")
    assert rename["date"] == pd.Timestamp("2024-02-08") and rename["event_type"] == "rename"
    # ChatGPT (a web service, 2022-11-30) and gpt-3.5-turbo in the API (2023-03-01) are different days
    assert row("Chat completions API")["date"] == pd.Timestamp("2023-03-01")
    assert row("Chat completions API")["event_type"] == "API release"
    # only the month of Gemini 1.5 and of PaLM is backed by a primary source
    assert row("Gemini 1.5")["date_precision"] == "month" and row("PaLM paper")["date_precision"] == "month"
    # xAI's own page dates Grok's announcement November 03, 2023 (popular timelines: November 4)
    assert row("Grok announced")["date"] == pd.Timestamp("2023-11-03")
    # o1-preview (September) and o1 in the API (December) are two events
    assert row("o1-preview")["date"] == pd.Timestamp("2024-09-12")
    assert row("o1 in the API")["date"] == pd.Timestamp("2024-12-17")


def test_unknown_event_type_is_rejected(monkeypatch):
    _first_row_says(monkeypatch, "event_type", "launched")
    with pytest.raises(DataFileError, match="event_type"):
        timeline.load_timeline()
