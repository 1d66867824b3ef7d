"""utils.data: the one place that refuses a data file without sources or with unreadable dates."""
import pandas as pd
import pytest

from utils.data import DataFileError, read_table, validate


def _frame(**overrides):
    row = {"model": "X", "source": "arXiv 2302.13971 Table 2", "retrieved": "2026-11-22", "date": "2023-02-24"}
    row.update(overrides)
    return pd.DataFrame([row])


def test_a_good_table_passes_and_dates_are_parsed():
    assert validate(_frame(), "x.csv", date_columns=("date",)) is not None
    table = read_table("scaling_chinchilla_table3.csv")
    assert str(table["retrieved"].dtype).startswith("datetime64")


@pytest.mark.parametrize("bad, message", [
    ({"source": ""}, "rows [0] have no source"),
    ({"source": None}, "rows [0] have no source"),
    ({"retrieved": "last week"}, "column 'retrieved' has values that are not dates: ['last week']"),
    ({"date": "2023-13-45"}, "column 'date' has values that are not dates"),
])
def test_a_row_without_a_source_or_with_a_bad_date_is_refused(bad, message):
    with pytest.raises(DataFileError, match=message.replace("[", r"\[").replace("]", r"\]")):
        validate(_frame(**bad), "x.csv", date_columns=("date",))


def test_missing_columns_and_empty_files_are_named():
    with pytest.raises(DataFileError, match=r"assets/x.csv lacks the column\(s\) \['retrieved'\]"):
        validate(_frame().drop(columns="retrieved"), "x.csv")
    with pytest.raises(DataFileError, match="has no rows"):
        validate(_frame().iloc[0:0], "x.csv")


def test_a_missing_file_says_the_checkout_is_incomplete():
    with pytest.raises(FileNotFoundError, match="assets/no_such_file.csv is missing"):
        read_table("no_such_file.csv")
