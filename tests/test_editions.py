"""The Korean edition stays in step with the English one.

- Each English lesson has a Korean copy in notebooks/ko/ with the same cells in the same order (types, slide
  types, tags), the same code except in cells tagged ``language-specific`` in both, and no markdown left in English
  (scripts/sync_editions.py, which also fixes the code).
- Every sentence the helpers show through ``utils.i18n.tr`` has a Korean entry in utils/locale/ko/, with the
  same ``{fields}``; so has every cell of the data columns listed in ``utils.i18n.DATA_TEXT``; and the catalog
  holds nothing that is no longer used.
"""
from __future__ import annotations

import ast
import csv
import importlib
import importlib.util
import json
import pkgutil
import string
from pathlib import Path

import pytest

import utils
from utils import i18n
from utils.notebook import LANGUAGE_SPECIFIC, setup_cell

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("sync_editions", ROOT / "scripts" / "sync_editions.py")
sync = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sync)

LESSONS = sync.lessons()
LANGUAGES = [language for language in i18n.LANGUAGES if language != "en"]


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------------------------- notebooks
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_lesson_has_a_translation(language):
    folder = sync.EDITIONS[language]
    assert sorted(p.name for p in folder.glob("*.ipynb")) == [p.name for p in LESSONS], \
        f"notebooks/{language}/ must hold exactly the English lessons (scripts/sync_editions.py --init NAME)"


@pytest.mark.parametrize("english", LESSONS, ids=lambda p: p.name)
@pytest.mark.parametrize("language", LANGUAGES)
def test_cells_code_and_order_match_english(language, english):
    translated = sync.EDITIONS[language] / english.name
    problems = sync.differences(_read(english), _read(translated))
    assert not problems, f"notebooks/{language}/{english.name} is out of step:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("english", LESSONS, ids=lambda p: p.name)
@pytest.mark.parametrize("language", LANGUAGES)
def test_markdown_is_translated_and_setup_cell_sets_the_language(language, english):
    translated = _read(sync.EDITIONS[language] / english.name)
    left = sync.untranslated(translated)
    assert not left, f"{language}/{english.name}: markdown cells {left} are still in English"
    setup = translated["cells"][1]
    assert "".join(setup["source"]) == setup_cell(language)
    assert LANGUAGE_SPECIFIC in setup["metadata"].get("tags", [])


def test_the_comparison_catches_a_changed_code_cell():
    english = _read(LESSONS[1])
    translated = _read(sync.EDITIONS["ko"] / LESSONS[1].name)
    index = next(i for i, c in enumerate(english["cells"]) if c["cell_type"] == "code"
                 and LANGUAGE_SPECIFIC not in c["metadata"].get("tags", []))
    translated["cells"][index]["source"] = ["print('changed')\n"]
    assert any(f"cell {index}: the code differs" in p for p in sync.differences(english, translated))
    assert sync.copy_code(english, translated) == 1 and not sync.differences(english, translated)
    translated["cells"][index], translated["cells"][index + 1] = translated["cells"][index + 1], translated["cells"][index]
    assert sync.differences(english, translated), "swapped cells must be reported"
    del translated["cells"][index]
    assert "must match one to one" in sync.differences(english, translated)[0]


def test_the_korean_readme_lists_every_korean_lesson_with_its_colab_badge():
    from utils.notebook import colab_url

    readme = (ROOT / "README.ko.md").read_text(encoding="utf-8")
    for english in LESSONS:
        assert f"](notebooks/ko/{english.name})" in readme, f"README.ko.md does not link notebooks/ko/{english.name}"
        assert f"]({colab_url('ko/' + english.name)})" in readme, f"README.ko.md has no Colab badge for ko/{english.name}"
    assert "bash setup.sh" in readme and "bash run_tests.sh" in readme, "README.ko.md gives the two commands"


# ------------------------------------------------------------------------------------------------- catalog
def tr_calls() -> dict[str, list[str]]:
    """Every ``tr("...")`` text in utils/, with where it is; a call whose text is not a literal is an error."""
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "utils").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "tr":
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                if path.name == "i18n.py" and not node.args:
                    continue
                arg = node.args[0] if node.args else None
                key = arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None
                found.setdefault(key if key is not None else f"<not a literal string at {where}>", []).append(where)
    return found


def data_texts() -> dict[str, str]:
    """Every text of the columns in utils.i18n.DATA_TEXT (after importing every helper module), with its file."""
    for module in pkgutil.walk_packages(utils.__path__, "utils."):
        importlib.import_module(module.name)
    texts = {}
    for file, columns in i18n.DATA_TEXT.items():
        with (ROOT / "assets" / file).open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                for column in columns:
                    if row[column].strip():
                        texts[row[column]] = f"assets/{file} column {column}"
    return texts


def _fields(text: str) -> list[str]:
    return sorted(f"{name}!{conv}:{spec}" for _, name, spec, conv in string.Formatter().parse(text) if name is not None)


def test_tr_is_called_with_literal_english_text():
    bad = [k for k in tr_calls() if k.startswith("<not a literal")]
    assert not bad, "tr() needs the English text itself (fields as tr('... {x}', x=...)):\n  " + "\n  ".join(bad)
    assert len(tr_calls()) > 50, "the helpers' sentences go through utils.i18n.tr"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_sentence_has_a_translation_with_the_same_fields(language):
    entries = i18n.catalog(language)
    needed = {**{k: ", ".join(v) for k, v in tr_calls().items()}, **data_texts()}
    missing = [f"{where}: {text!r}" for text, where in needed.items() if text not in entries]
    assert not missing, f"{len(missing)} texts have no entry in utils/locale/{language}/:\n  " + "\n  ".join(missing[:40])
    fields = [f"{k!r}: {_fields(k)} vs {_fields(entries[k])}" for k in needed if _fields(k) != _fields(entries[k])]
    assert not fields, "translations must keep the English text's {fields}:\n  " + "\n  ".join(fields)
    assert all(entries[k].strip() for k in needed), "an empty translation"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalog_holds_nothing_unused(language):
    needed = set(tr_calls()) | set(data_texts())
    unused = sorted(set(i18n.catalog(language)) - needed)
    assert not unused, f"utils/locale/{language}/ has entries no helper uses (English changed?):\n  " + \
        "\n  ".join(map(repr, unused[:40]))


def test_tr_speaks_the_chosen_language():
    try:
        i18n.set_language("ko")
        assert i18n.tr("✅ Correct. ") == i18n.catalog("ko")["✅ Correct. "]
        assert i18n.tr("That answer could not be checked ({kind}: {error}).", kind="TypeError", error="x").count("x") == 1
        i18n.set_language("en")
        assert i18n.tr("✅ Correct. ") == "✅ Correct. "
        with pytest.raises(ValueError, match="Choose one of en, ko"):
            i18n.set_language("kr")
    finally:
        i18n.set_language("en")


KOREAN_DOCS = sorted((ROOT / "docs" / "ko").glob("*.md")) + [ROOT / "README.ko.md"]


@pytest.mark.parametrize("path", KOREAN_DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_korean_documents_render_their_bold(path):
    """``**용어(term)**은`` leaves its asterisks on GitHub (CommonMark's flanking rule; test_notebook_hygiene)."""
    from markdown_it import MarkdownIt

    left = [child.content[:60] for token in MarkdownIt("commonmark").parse(path.read_text(encoding="utf-8"))
            for child in token.children or [] if child.type == "text" and "**" in child.content]
    assert not left, f"{path.name} shows literal **: {left[:5]}"
