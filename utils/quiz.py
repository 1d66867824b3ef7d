"""Myth or fact (lesson 02): claims about open and closed models, each with a sourced verdict.

``myth_quiz()`` is the clickable version for a live kernel; ``score_myths(answers)`` gives the same feedback
as a table, so that a stored notebook can show it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .i18n import data_text, tr, tr_data

if TYPE_CHECKING:  # for the type hints only: pandas and ipywidgets load when a function needs them
    import ipywidgets as widgets
    import pandas as pd

VERDICTS = ("myth", "fact")
data_text("myths_claims.csv", "claim", "explanation")  # shown in the quiz and in score_myths, in the lesson's language


def load_myths() -> "pd.DataFrame":
    """``assets/myths_claims.csv``: claims, the verdict, why, and the source; indexed by claim id."""
    from .data import DataFileError, read_table

    df = read_table("myths_claims.csv", required=("id", "claim", "verdict", "explanation"))
    bad = sorted(set(df["verdict"]) - set(VERDICTS))
    if bad:
        raise DataFileError(tr("assets/myths_claims.csv: verdicts {bad}; use myth or fact.", bad=bad))
    return df.set_index("id")


def _normalise_verdict(value) -> str:
    text = str(value).strip().lower()
    if text not in VERDICTS:
        raise ValueError(tr("Answer 'myth' or 'fact', not {value!r}.", value=value))
    return text


def score_myths(answers: dict, myths: "pd.DataFrame | None" = None) -> "pd.DataFrame":
    """Your verdicts next to the sourced ones: a table with one row per claim you answered."""
    import pandas as pd

    myths = load_myths() if myths is None else myths
    if not isinstance(answers, dict) or not answers:
        raise ValueError(tr("Give your answers as a dict {claim id: 'myth' or 'fact'}, e.g. {1: 'myth'}."))
    rows = []
    for key, value in answers.items():
        if key not in myths.index:
            raise ValueError(tr("There is no claim {key!r}; the claims are numbered {first}-{last}.",
                                key=key, first=myths.index.min(), last=myths.index.max()))
        verdict = _normalise_verdict(value)
        row = myths.loc[key]
        rows.append({"id": key, "claim": tr_data(row["claim"]), "your answer": verdict, "verdict": row["verdict"],
                     "right": verdict == row["verdict"], "source": row["source"]})
    return pd.DataFrame(rows).set_index("id")


def myth_quiz(myths: "pd.DataFrame | None" = None) -> "widgets.VBox":
    """Buttons for every claim; a click shows at once whether you were right, why, and the source.

    For exploring: what a click shows is not part of the stored notebook (``score_myths`` is).
    """
    import html

    import ipywidgets as widgets

    myths = load_myths() if myths is None else myths
    items = []
    for key, row in myths.iterrows():
        feedback = widgets.HTML(value="")

        def on_click(guess, row=row, feedback=feedback):
            mark = tr("✅ Right") if guess == row["verdict"] else tr("❌ Not quite")
            explanation, source = html.escape(tr_data(row["explanation"])), html.escape(row["source"])
            if row["verdict"] == "myth":
                text = tr("{mark}: it is a <b>myth</b>. {explanation}<br><i>Source: {source}</i>",
                          mark=mark, explanation=explanation, source=source)
            else:
                text = tr("{mark}: it is a <b>fact</b>. {explanation}<br><i>Source: {source}</i>",
                          mark=mark, explanation=explanation, source=source)
            feedback.value = text

        buttons = [widgets.Button(description=tr("Myth"), layout=widgets.Layout(width="80px")),
                   widgets.Button(description=tr("Fact"), layout=widgets.Layout(width="80px"))]
        for button, verdict in zip(buttons, VERDICTS):
            button.on_click(lambda _button, verdict=verdict, on_click=on_click: on_click(verdict))
        items.append(widgets.VBox([widgets.HTML(value=f"<b>{key}.</b> {html.escape(tr_data(row['claim']))}"),
                                   widgets.HBox(buttons), feedback]))
    return widgets.VBox(items)
