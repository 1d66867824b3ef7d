"""The LLaMA family tree and the recipes of its branches (lesson 04).

- ``load_lineage()``: ``assets/lineage_models.csv`` (one row per model: parent, how it was made from the
  parent, release date and its precision, sizes, recipe, licence, source), checked to be a family tree.
- ``children`` / ``descendants``: walk the tree, optionally only through some kinds of edges (``DERIVED``:
  built from the parent's weights).
- ``family_tree_figure``: the tree as an interactive plotly chart.
- ``read_recipes`` / ``show_recipe``: one tiny example of each fine-tuning data format
  (``assets/lineage_recipes.json``).
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Iterable

from .i18n import data_text, tr, tr_data

if TYPE_CHECKING:  # for the type hints only: pandas and plotly load when a function needs them
    import pandas as pd
    import plotly.graph_objects as go

LINEAGE_COLUMNS = ("model", "family", "parent", "relation", "date", "date_precision", "params", "recipe",
                   "licence", "source", "retrieved")
RELATIONS = ("fine-tuned", "adapter", "continued pretraining", "pruned and distilled", "next generation")
"""Kinds of edges. "next generation" links a lab's successor model, trained from scratch, to its predecessor
(drawn dashed); every other kind means the child was built from the parent's weights."""
DERIVED = tuple(r for r in RELATIONS if r != "next generation")
"""The edges that mean "built from the parent's weights"."""

data_text("lineage_models.csv", "relation", "licence")  # shown in the tree's hover texts, in the lesson's language


class LineageError(ValueError):
    """A lineage table that does not form a valid family tree."""


def load_lineage() -> "pd.DataFrame":
    """``assets/lineage_models.csv``, validated (sources, dates) and checked to be a family tree."""
    from .data import read_table

    return check_lineage(read_table("lineage_models.csv", date_columns=["date"], required=LINEAGE_COLUMNS))


def check_lineage(df: "pd.DataFrame") -> "pd.DataFrame":
    """Raise LineageError unless the table forms a family tree: unique names, known parents, no cycles."""
    import pandas as pd

    missing = [c for c in LINEAGE_COLUMNS if c not in df.columns]
    if missing:
        raise LineageError(tr("The lineage table lacks the column(s) {missing}.", missing=missing))
    duplicated = df["model"][df["model"].duplicated()].tolist()
    if duplicated:
        raise LineageError(tr("Model names must be unique; repeated: {duplicated}.", duplicated=duplicated))
    names = set(df["model"])
    for row in df.itertuples():
        has_parent = isinstance(row.parent, str) and row.parent.strip() != ""
        if has_parent and row.parent not in names:
            raise LineageError(tr("{model!r} names the parent {parent!r}, which is not a row of the table.",
                                     model=row.model, parent=row.parent))
        if has_parent != (isinstance(row.relation, str) and row.relation.strip() != ""):
            raise LineageError(tr("{model!r}: a parent needs a relation and a relation needs a parent.",
                                     model=row.model))
        if has_parent and row.relation not in RELATIONS:
            raise LineageError(tr("{model!r}: unknown relation {relation!r}; use one of {relations}.",
                                     model=row.model, relation=row.relation, relations=RELATIONS))
        if row.date_precision not in ("day", "month"):
            raise LineageError(tr("{model!r}: date_precision must be 'day' or 'month'.", model=row.model))
    parents = dict(zip(df["model"], df["parent"]))
    for start in names:  # follow parents upwards: a cycle would come back to a model already seen
        seen, node = set(), start
        while isinstance(node, str) and node in parents:
            if node in seen:
                raise LineageError(tr("The parent links form a cycle through {model!r}.", model=node))
            seen.add(node)
            node = parents[node]
    dates = pd.to_datetime(df["date"], format="mixed")
    by_name = dict(zip(df["model"], dates))
    for row in df.itertuples():  # a date known only to the month is compared by month
        if isinstance(row.parent, str):
            child, parent = by_name[row.model], by_name[row.parent]
            if row.date_precision == "month":
                child, parent = child.to_period("M"), parent.to_period("M")
            if child < parent:
                raise LineageError(tr("{model!r} is dated before its parent {parent!r}.", model=row.model, parent=row.parent))
    return df


def children(df: "pd.DataFrame", name: str, relations: Iterable[str] | None = None) -> list[str]:
    """Direct children of ``name`` (optionally only through the given edge ``relations``), by date."""
    if name not in set(df["model"]):
        raise LineageError(tr("{model!r} is not in the tree. Known models: {known}.",
                              model=name, known=", ".join(df["model"])))
    mask = df["parent"] == name
    if relations is not None:
        mask &= df["relation"].isin(list(relations))
    return df[mask].sort_values(["date", "model"])["model"].tolist()


def descendants(df: "pd.DataFrame", name: str, relations: Iterable[str] | None = None) -> list[str]:
    """Every model below ``name`` in the tree (children, grandchildren, ...), in breadth-first order."""
    found, queue = [], [name]
    while queue:
        for child in children(df, queue.pop(0), relations):
            found.append(child)
            queue.append(child)
    return found


def release_label(df: "pd.DataFrame") -> "pd.Series":
    """The release dates as text, to the precision they are known: 2023-03-13, or 2023-04 for a month."""
    import pandas as pd

    dates = pd.to_datetime(df["date"], format="mixed")
    return dates.dt.strftime("%Y-%m-%d").where(df["date_precision"] == "day", dates.dt.strftime("%Y-%m"))


def _hover(row) -> str:
    date = row.date.strftime("%Y-%m-%d" if row.date_precision == "day" else "%Y-%m")
    has_parent = isinstance(row.parent, str) and row.parent
    parent = (tr("{relation} from {parent}", relation=tr_data(row.relation), parent=row.parent) if has_parent
              else tr("no parent"))
    return tr("<b>{model}</b><br>date: {date}<br>parameters: {params}<br>recipe: {recipe}"
              "<br>licence: {licence}<br>{parent}<br>source: {source}",
              model=row.model, date=date, params=row.params, recipe=row.recipe, licence=tr_data(row.licence),
              parent=parent, source=row.source)


def family_tree_figure(df: "pd.DataFrame", title: str | None = None) -> "go.Figure":
    """An interactive plotly graph of the lineage table.

    One row per model (grouped by family, oldest first), x = release date; nodes coloured by recipe,
    with date, parameters, recipe, licence and source on hover. Solid edges: fine-tuned or derived from
    the parent's weights; dashed edges: the next generation of the same lab, trained from scratch.
    """
    import pandas as pd
    import plotly.graph_objects as go
    from plotly.colors import qualitative

    check_lineage(df)
    title = tr("The LLaMA family and the open models beside it") if title is None else title
    df = df.copy()
    df["date"] = pd.to_datetime(df["date"], format="mixed")
    # families of one line (LLaMA -> Llama 2 -> Llama 3) stay together: order by the date of the oldest
    # ancestor, then by the family's first release
    parents, dates = dict(zip(df["model"], df["parent"])), dict(zip(df["model"], df["date"]))

    def root(name):
        while isinstance(parents[name], str) and parents[name]:
            name = parents[name]
        return name

    df["root_date"] = df["model"].map(lambda m: dates[root(m)])
    first = df.groupby("family").agg(root_date=("root_date", "min"), first=("date", "min"))
    family_order = first.sort_values(["root_date", "first"]).index.tolist()
    df["family_rank"] = df["family"].map({f: i for i, f in enumerate(family_order)})
    df = df.sort_values(["family_rank", "date", "model"]).reset_index(drop=True)
    df["y"] = range(len(df))
    pos = {row.model: (row.date.strftime("%Y-%m-%d"), row.y) for row in df.itertuples()}

    fig = go.Figure()
    for dashed in (False, True):
        xs, ys = [], []
        for row in df.itertuples():
            if isinstance(row.parent, str) and row.parent and (row.relation == "next generation") == dashed:
                (x0, y0), (x1, y1) = pos[row.parent], pos[row.model]
                xs += [x0, x1, None]
                ys += [y0, y1, None]
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="lines", hoverinfo="skip",
            line=dict(color="#9e9e9e", width=1.5, dash="dash" if dashed else "solid"),
            name=tr("next generation (trained from scratch)") if dashed else tr("fine-tuned or derived from"),
        ))
    palette = qualitative.Dark24
    recipes = list(dict.fromkeys(df.sort_values(["date", "model"])["recipe"]))
    for i, recipe in enumerate(recipes):
        part = df[df["recipe"] == recipe]
        fig.add_trace(go.Scatter(
            x=[pos[m][0] for m in part["model"]], y=part["y"].tolist(), mode="markers+text",
            marker=dict(size=12, color=palette[i % len(palette)], line=dict(width=1, color="white")),
            text=part["model"].tolist(), textposition="middle right", textfont=dict(size=10),
            hovertext=[_hover(r) for r in part.itertuples()], hoverinfo="text", name=recipe,
        ))
    # family labels on the left, one per block of rows
    tick_vals = [int(part["y"].mean() * 2) / 2 for _, part in df.groupby("family_rank")]
    fig.update_layout(
        title=title, height=28 * len(df) + 160, hovermode="closest",
        legend=dict(title=tr("recipe / edge"), font=dict(size=10)),
        margin=dict(l=10, r=10, t=60, b=40),
        yaxis=dict(tickvals=tick_vals, ticktext=family_order, autorange="reversed", zeroline=False,
                   showgrid=False, title=None),
        xaxis=dict(title=tr("release date"), range=["2022-08-01", "2025-12-31"]),
    )
    return fig


# --------------------------------------------------------------------------------------------------
# recipes: tiny examples of each data format
# --------------------------------------------------------------------------------------------------
RECIPE_KEYS = ("recipe", "used_by", "what", "example", "source", "retrieved")


def read_recipes(name: str = "lineage_recipes.json") -> dict[str, dict]:
    """The recipe examples of assets/<name>, keyed by recipe, each checked for a source and a date."""
    from datetime import date

    from .paths import asset

    entries = json.loads(asset(name).read_text(encoding="utf-8"))
    recipes = {}
    for i, entry in enumerate(entries):
        missing = [k for k in RECIPE_KEYS if not entry.get(k)]
        if missing:
            raise LineageError(tr("assets/{file}: entry {i} lacks {missing}.", file=name, i=i, missing=missing))
        date.fromisoformat(entry["retrieved"])  # raises ValueError for a malformed date
        if entry["recipe"] in recipes:
            raise LineageError(tr("assets/{file}: recipe {recipe!r} appears twice.", file=name, recipe=entry["recipe"]))
        recipes[entry["recipe"]] = entry
    return recipes


def show_recipe(recipes: dict, recipe: str) -> None:
    """Print one recipe: who used it, what it does, and its example record as JSON."""
    if recipe not in recipes:
        raise KeyError(tr("No recipe {recipe!r}. Known recipes: {known}.", recipe=recipe, known=", ".join(recipes)))
    entry = recipes[recipe]
    print(tr("{recipe}  (used by {used_by})", recipe=entry["recipe"], used_by=entry["used_by"]))
    print(entry["what"])
    print(json.dumps(entry["example"], indent=2, ensure_ascii=False))
    print(tr("source: {source}", source=entry["source"]))
