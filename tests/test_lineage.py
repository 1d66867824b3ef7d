"""utils.lineage: walking and checking the family tree, its chart, and the recipe examples (lesson 04)."""
import pandas as pd
import pytest

from utils import lineage


def tiny_tree(**changes):
    rows = [
        dict(model="A", family="f", parent=None, relation=None, date="2023-01-01", date_precision="day"),
        dict(model="B", family="f", parent="A", relation="fine-tuned", date="2023-02-01", date_precision="day"),
        dict(model="C", family="f", parent="B", relation="adapter", date="2023-03", date_precision="month"),
        dict(model="D", family="g", parent="A", relation="next generation", date="2023-04-01", date_precision="day"),
    ]
    df = pd.DataFrame(rows)
    for col in ("params", "recipe", "licence", "source", "retrieved"):
        df[col] = "x"
    for key, value in changes.items():
        row, col = key.split("__")
        df.loc[df["model"] == row, col] = value
    return df


def test_derived_relations_are_all_but_next_generation():
    assert set(lineage.DERIVED) == set(lineage.RELATIONS) - {"next generation"}


def test_descendants_and_relations():
    df = tiny_tree()
    assert lineage.descendants(df, "A") == ["B", "D", "C"]
    assert lineage.descendants(df, "A", relations=lineage.DERIVED) == ["B", "C"]
    assert lineage.children(df, "B") == ["C"]
    with pytest.raises(lineage.LineageError, match="not in the tree"):
        lineage.children(df, "Z")


def test_release_label_keeps_the_known_precision():
    assert list(lineage.release_label(tiny_tree())) == ["2023-01-01", "2023-02-01", "2023-03", "2023-04-01"]


def test_lineage_checks_catch_errors():
    lineage.check_lineage(tiny_tree())
    with pytest.raises(lineage.LineageError, match="not a row"):
        lineage.check_lineage(tiny_tree(B__parent="Z"))
    with pytest.raises(lineage.LineageError, match="cycle"):
        lineage.check_lineage(tiny_tree(A__parent="C", A__relation="fine-tuned", A__date="2023-03-01"))
    with pytest.raises(lineage.LineageError, match="dated before"):
        lineage.check_lineage(tiny_tree(B__date="2022-12-01"))
    with pytest.raises(lineage.LineageError, match="unknown relation"):
        lineage.check_lineage(tiny_tree(B__relation="cloned"))
    with pytest.raises(lineage.LineageError, match="unique"):
        lineage.check_lineage(tiny_tree(C__model="B"))
    with pytest.raises(lineage.LineageError, match="needs a relation"):
        lineage.check_lineage(tiny_tree(B__relation=None))


def test_family_tree_figure():
    fig = lineage.family_tree_figure(tiny_tree())
    names = [t.name for t in fig.data]
    assert names[:2] == ["fine-tuned or derived from", "next generation (trained from scratch)"]
    solid, dashed = fig.data[0], fig.data[1]
    assert len(solid.x) == 6 and len(dashed.x) == 3  # two solid edges, one dashed; None between segments
    nodes = [n for t in fig.data[2:] for n in t.text]
    assert sorted(nodes) == ["A", "B", "C", "D"]
    assert all("source:" in h for t in fig.data[2:] for h in t.hovertext)


def test_recipes_file():
    recipes = lineage.read_recipes()
    assert {"self-instruct", "shared conversations", "distillation dialogues", "Evol-Instruct",
            "explanation traces", "self-chat", "QLoRA", "RLHF", "DPO"} <= set(recipes)
    assert set(recipes["DPO"]["example"]) >= {"prompt", "chosen", "rejected"}
    assert set(recipes["self-instruct"]["example"]) >= {"instruction", "input", "output"}
    with pytest.raises(KeyError, match="Known recipes"):
        lineage.show_recipe(recipes, "nope")


def test_show_recipe_prints_the_record(capsys):
    lineage.show_recipe(lineage.read_recipes(), "DPO")
    out = capsys.readouterr().out
    assert out.startswith("DPO  (used by") and '"chosen"' in out and "source:" in out
