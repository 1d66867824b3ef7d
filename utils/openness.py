"""The openness matrix of lesson 02: load it, show it as a table and a heatmap, compare it with the model files.

``assets/openness_matrix.csv`` answers six questions per model (yes / partial / no), each row with its sources.
The rule that turns those answers into a score and a category is the lesson's own code
(``openness_score`` and ``openness_category``, notebooks/02_open_vs_closed.ipynb, exported to
``utils.lessons.lesson02``); the helpers here use the columns the lesson adds with it, or apply the same rule.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from .i18n import tr

if TYPE_CHECKING:  # for the type hints only: pandas and plotly load when a function needs them
    import pandas as pd
    import plotly.graph_objects as go

CRITERIA = {
    "weights": "weights released",
    "training_code": "training code",
    "training_data": "training data",
    "eval_code": "evaluation code",
    "licence_osi_approved": "OSI-approved licence",
    "commercial_use": "commercial use",
}
"""Matrix columns (yes / partial / no) and their labels in tables (the column names stay English: code uses them)."""


def criteria_labels() -> dict[str, str]:
    """The labels of ``CRITERIA`` in the lesson's language, for the heatmap's axis and hover texts."""
    return {
        "weights": tr("weights released"),
        "training_code": tr("training code"),
        "training_data": tr("training data"),
        "eval_code": tr("evaluation code"),
        "licence_osi_approved": tr("OSI-approved licence"),
        "commercial_use": tr("commercial use"),
    }

MATRIX_COLUMNS = ("model", "organization", "release_date", *CRITERIA, "licence", "osi_osaid_1_0", "bundled",
                  "source_artifacts")
LICENCE_ALIASES = {"apache-2.0": "Apache-2.0", "mit": "MIT", "gemma": "Gemma Terms of Use"}
"""GGUF ``general.license`` ids and the licence names the matrix uses."""


def load_matrix() -> "pd.DataFrame":
    """``assets/openness_matrix.csv``, validated (``check_matrix``)."""
    from .data import read_table

    return check_matrix(read_table("openness_matrix.csv", date_columns=("release_date",), required=MATRIX_COLUMNS))


def check_matrix(df: "pd.DataFrame") -> "pd.DataFrame":
    """Raise DataFileError unless every answer is yes, partial or no, every row has its sources and no model repeats."""
    from .data import DataFileError
    from .lessons.lesson02 import LEVELS

    for column in CRITERIA:
        bad = sorted(set(df[column]) - set(LEVELS))
        if bad:
            raise DataFileError(tr("assets/openness_matrix.csv: column {column!r} has {bad}; use yes, partial or no.",
                                   column=column, bad=bad))
    for column in ("source", "source_artifacts"):
        empty = df[column].isna() | (df[column].astype(str).str.strip() == "")
        if empty.any():
            raise DataFileError(tr("assets/openness_matrix.csv: rows {rows} have no {column}.",
                                   rows=list(df.index[empty]), column=column))
    if not df["model"].is_unique:
        raise DataFileError(tr("assets/openness_matrix.csv: a model appears twice."))
    return df


def scored(matrix: "pd.DataFrame | None" = None) -> "pd.DataFrame":
    """The matrix with ``score`` and ``category`` columns: kept when the lesson added them, computed otherwise."""
    from .lessons.lesson02 import openness_category, openness_score

    matrix = load_matrix() if matrix is None else matrix
    if "score" in matrix.columns and "category" in matrix.columns:
        return matrix
    return matrix.assign(score=matrix.apply(openness_score, axis=1),
                         category=matrix.apply(openness_category, axis=1))


def matrix_table(matrix: "pd.DataFrame | None" = None) -> "pd.DataFrame":
    """The matrix as a readable table: one row per model, most open first."""
    matrix = scored(matrix)
    table = matrix.set_index("model")[["organization", "category", "score", *CRITERIA, "licence"]]
    table = table.rename(columns=CRITERIA)
    return table.sort_values(["score", "organization"], ascending=[False, True])


def plot_openness_matrix(matrix: "pd.DataFrame | None" = None) -> "go.Figure":
    """A colour-coded heatmap of the matrix: red no, amber partial, green yes; hover shows the sources."""
    import plotly.graph_objects as go

    from .lessons.lesson02 import LEVELS

    rows = scored(matrix).set_index("model")
    order = rows.sort_values("score", kind="stable").index.tolist()  # most open at the top
    rows = rows.loc[order]
    z = [[LEVELS[rows.loc[m, c]] for c in CRITERIA] for m in order]
    text = [[rows.loc[m, c] for c in CRITERIA] for m in order]
    labels_of = criteria_labels()
    hover = [
        [
            tr("<b>{model}</b><br>{question}: {answer}<br>licence: {licence}<br>source: {source}",
               model=m, question=labels_of[c], answer=rows.loc[m, c], licence=rows.loc[m, "licence"],
               source=rows.loc[m, "source" if c in ("weights", "licence_osi_approved", "commercial_use")
                               else "source_artifacts"])
            for c in CRITERIA
        ]
        for m in order
    ]
    labels = [f"{m} ★" if rows.loc[m, "bundled"] == "yes" else m for m in order]
    fig = go.Figure(
        go.Heatmap(
            z=z, x=list(labels_of.values()), y=labels, text=text, texttemplate="%{text}",
            customdata=hover, hovertemplate="%{customdata}<extra></extra>",
            colorscale=[[0, "#d7301f"], [0.5, "#fdae61"], [1, "#1a9850"]], zmin=0, zmax=1, showscale=False,
            xgap=2, ygap=2,
        )
    )
    fig.update_layout(
        title=tr("How open is each model? (★ = runs in this course; hover for sources)"),
        height=140 + 28 * len(order), margin=dict(l=10, r=10, t=60, b=10),
        xaxis=dict(side="top"),
    )
    return fig


def compare_with_matrix(names: Iterable[str] | None = None, matrix: "pd.DataFrame | None" = None) -> "pd.DataFrame":
    """Does each bundled model's own GGUF file agree with the openness matrix and the course catalog?"""
    import pandas as pd

    from .catalog import CATALOG
    from .gguf_file import gguf_summary

    rows_by_model = scored(matrix).set_index("model")
    names = list(CATALOG) if names is None else list(names)
    rows = []
    for name in names:
        summary = gguf_summary(name)
        file_licence = summary["licence (general.license)"]
        matrix_row = rows_by_model.loc[CATALOG[name].matrix_name]
        rows.append(
            {
                "model": name,
                "licence in the GGUF file": file_licence,
                "licence in the matrix": matrix_row["licence"],
                "licences agree": LICENCE_ALIASES.get(str(file_licence).lower()) == matrix_row["licence"],
                "parameters in the file": summary["parameters"],
                "parameters in the catalog": CATALOG[name].parameters,
                "category in the matrix": matrix_row["category"],
            }
        )
    return pd.DataFrame(rows).set_index("model")
