"""Read the course's data files (assets/*.csv) and check that every row says where it comes from.

Every CSV in assets/ has a ``source`` column (a URL, or a paper's arXiv id with table or section) and a
``retrieved`` column (ISO date the value was read from that source). ``read_table`` refuses a file that
breaks this, so a lesson never plots an unsourced number; tests/test_assets.py runs the same check on
every file.
"""
from __future__ import annotations

from .i18n import tr
from .paths import asset

REQUIRED_COLUMNS = ("source", "retrieved")


class DataFileError(ValueError):
    """A data file in assets/ that does not follow the course's rules."""


def validate(df, name: str, date_columns=(), required=()):
    """Raise DataFileError unless ``df`` has non-empty sources, parseable dates and the ``required`` columns."""
    import pandas as pd

    missing = [c for c in (*REQUIRED_COLUMNS, *required) if c not in df.columns]
    if missing:
        raise DataFileError(tr("assets/{name} lacks the column(s) {missing}.", name=name, missing=missing))
    if df.empty:
        raise DataFileError(tr("assets/{name} has no rows.", name=name))
    empty = df["source"].isna() | (df["source"].astype(str).str.strip() == "")
    if empty.any():
        raise DataFileError(tr("assets/{name}: rows {rows} have no source.", name=name, rows=list(df.index[empty])))
    for column in ("retrieved", *date_columns):
        parsed = pd.to_datetime(df[column], errors="coerce", format="mixed")
        if parsed.isna().any():
            bad = df.loc[parsed.isna(), column].tolist()
            raise DataFileError(tr("assets/{name}: column {column!r} has values that are not dates: {bad}", name=name,
                                   column=column, bad=bad[:5]))
    return df


def read_table(name: str, date_columns=(), required=()):
    """Load ``assets/<name>`` (CSV) as a DataFrame, validated; date columns are parsed."""
    import pandas as pd

    df = pd.read_csv(asset(name))
    validate(df, name, date_columns=date_columns, required=required)
    for column in ("retrieved", *date_columns):
        df[column] = pd.to_datetime(df[column], format="mixed")
    return df
