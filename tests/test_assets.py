"""Every data file in assets/ says where its numbers come from (utils.data's rules) and is documented."""
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from utils.data import read_table

ASSETS = Path(__file__).resolve().parent.parent / "assets"
CSV_FILES = sorted(ASSETS.glob("*.csv"))


@pytest.mark.parametrize("path", CSV_FILES, ids=lambda p: p.name)
def test_every_row_has_a_source_and_a_retrieval_date(path):
    df = read_table(path.name)
    assert (df["retrieved"] <= pd.Timestamp(date.today())).all(), "retrieval dates cannot be in the future"
    assert (df["retrieved"] >= pd.Timestamp("2019-01-01")).all()


def test_every_asset_is_listed_in_sources_md():
    listed = (ASSETS / "SOURCES.md").read_text(encoding="utf-8")
    for path in ASSETS.iterdir():
        if path.name != "SOURCES.md" and path.is_file():
            assert f"`{path.name}`" in listed, f"assets/{path.name} is not described in assets/SOURCES.md"
