"""Closed and open releases on one chart, 2019-2025 (lesson 02): ``assets/timeline_releases.csv``, every row sourced."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .i18n import data_text, tr, tr_data

if TYPE_CHECKING:  # for the type hints only: pandas and plotly load when a function needs them
    import pandas as pd
    import plotly.graph_objects as go

data_text("timeline_releases.csv", "event")  # shown in the chart's labels and hover texts, in the lesson's language

ACCESS = ("closed", "open", "milestone")
"""Kinds of events: a closed release (API only), an open-weights release, a definition (OSI's)."""

EVENT_TYPES = ("announcement", "release", "API release", "paper", "rename", "leak", "definition")
"""What happened on the row's date: popular timelines mix up an announcement, the day the public could use it,
a paper, and a rename (Bard became Gemini on 2024-02-08, months after Gemini 1.0 was announced)."""


def load_timeline() -> "pd.DataFrame":
    """``assets/timeline_releases.csv``: dated releases, each with the precision of its date and its source."""
    from .data import DataFileError, read_table

    df = read_table("timeline_releases.csv", date_columns=("date",),
                    required=("date", "date_precision", "event", "organization", "access", "event_type"))
    bad = sorted(set(df["access"]) - set(ACCESS))
    if bad:
        raise DataFileError(tr("assets/timeline_releases.csv: access values {bad}; use closed, open or milestone.",
                               bad=bad))
    bad = sorted(set(df["event_type"]) - set(EVENT_TYPES))
    if bad:
        raise DataFileError(tr("assets/timeline_releases.csv: event_type values {bad}; use one of {event_types}.",
                               bad=bad, event_types=EVENT_TYPES))
    return df.sort_values("date", kind="stable").reset_index(drop=True)


def plot_timeline(timeline: "pd.DataFrame | None" = None, start: str = "2019-01-01", end: str = "2025-12-31") -> "go.Figure":
    """Closed and open releases on one chart: one lane each, hover shows date, organization and source."""
    import plotly.graph_objects as go

    timeline = load_timeline() if timeline is None else timeline
    lanes = {"closed": (tr("closed (API only)"), "#d7301f", 0), "open": (tr("open weights"), "#1a9850", 1),
             "milestone": (tr("definitions"), "#4575b4", 2)}
    fig = go.Figure()
    for access, (label, colour, lane) in lanes.items():
        part = timeline[timeline["access"] == access]
        if part.empty:
            continue
        dates = part["date"].dt.strftime("%Y-%m-%d").tolist()
        events = part["event"].map(tr_data)  # the event in the lesson's language (the catalog holds every row's text)
        # alternate label positions so that neighbouring releases do not overlap
        positions = ["top center" if i % 2 == 0 else "bottom center" for i in range(len(part))]
        fig.add_trace(
            go.Scatter(
                x=dates, y=[lane] * len(part), mode="markers+text", name=label,
                marker=dict(size=11, color=colour), text=events.str.split(r"[:(;]").str[0].str.strip().tolist(),
                textposition=positions, textfont=dict(size=9),
                customdata=list(zip(dates, part["date_precision"], part["organization"], events, part["source"],
                                    part["event_type"])),
                hovertemplate=tr("<b>%{customdata[3]}</b><br>%{customdata[0]} (%{customdata[1]}): %{customdata[5]}"
                                 "<br>%{customdata[2]}<br>source: %{customdata[4]}<extra></extra>"),
            )
        )
    fig.update_layout(
        title=tr("Closed and open releases, 2019-2025 (hover for date, what happened, source)"), height=520,
        yaxis=dict(tickvals=[0, 1, 2], ticktext=[v[0] for v in lanes.values()], range=[-0.7, 2.7]),
        xaxis=dict(range=[start, end]), showlegend=False, margin=dict(l=10, r=10, t=60, b=10),
    )
    return fig
