"""Myth or fact (lesson 02): claims about open and closed models, each with a sourced verdict.

``myth_quiz()`` is the clickable version for a live kernel; ``score_myths(answers)`` gives the same feedback
as a table, so that a stored notebook can show it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for the type hints only: pandas and ipywidgets load when a function needs them
    import ipywidgets as widgets
    import pandas as pd

VERDICTS = ("myth", "fact")


def load_myths() -> "pd.DataFrame":
    """``assets/myths_claims.csv``: claims, the verdict, why, and the source; indexed by claim id."""
    from .data import DataFileError, read_table

    df = read_table("myths_claims.csv", required=("id", "claim", "verdict", "explanation"))
    bad = sorted(set(df["verdict"]) - set(VERDICTS))
    if bad:
        raise DataFileError(f"assets/myths_claims.csv: verdicts {bad}; use myth or fact.")
    return df.set_index("id")


def _normalise_verdict(value) -> str:
    text = str(value).strip().lower()
    if text not in VERDICTS:
        raise ValueError(f"Answer 'myth' or 'fact', not {value!r}.")
    return text


def score_myths(answers: dict, myths: "pd.DataFrame | None" = None) -> "pd.DataFrame":
    """Your verdicts next to the sourced ones: a table with one row per claim you answered."""
    import pandas as pd

    myths = load_myths() if myths is None else myths
    if not isinstance(answers, dict) or not answers:
        raise ValueError("Give your answers as a dict {claim id: 'myth' or 'fact'}, e.g. {1: 'myth'}.")
    rows = []
    for key, value in answers.items():
        if key not in myths.index:
            raise ValueError(f"There is no claim {key!r}; the claims are numbered {myths.index.min()}-{myths.index.max()}.")
        verdict = _normalise_verdict(value)
        row = myths.loc[key]
        rows.append({"id": key, "claim": row["claim"], "your answer": verdict, "verdict": row["verdict"],
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

        def on_click(button, row=row, feedback=feedback):
            guess = button.description.lower()
            mark = "✅ Right" if guess == row["verdict"] else "❌ Not quite"
            feedback.value = (f"{mark}: it is a <b>{row['verdict']}</b>. {html.escape(row['explanation'])}"
                              f"<br><i>Source: {html.escape(row['source'])}</i>")

        buttons = [widgets.Button(description=v.capitalize(), layout=widgets.Layout(width="80px")) for v in VERDICTS]
        for button in buttons:
            button.on_click(on_click)
        items.append(widgets.VBox([widgets.HTML(value=f"<b>{key}.</b> {html.escape(row['claim'])}"),
                                   widgets.HBox(buttons), feedback]))
    return widgets.VBox(items)
