#!/usr/bin/env python3
"""Keep the Korean edition (notebooks/ko/) in step with the English lessons (notebooks/).

    python scripts/sync_editions.py                 # report what differs; exit 1 if anything does
    python scripts/sync_editions.py --copy-code     # copy every shared code cell from English into Korean
    python scripts/sync_editions.py --init 09_new_lesson.ipynb    # start the Korean copy of a new lesson

The two editions have the same cells in the same order: cell types, slide types and tags match one to one, so a
Korean markdown cell is the translation of the English cell at the same place, and the slides line up. Code cells
are identical, except those tagged ``language-specific`` in both editions (the set-up cell, which sets
``language="ko"``, and a few cells with a Korean prompt). After changing an English code cell, run
``--copy-code``, then regenerate the Korean lesson's outputs with scripts/execute_notebooks.py.
``tests/test_editions.py`` runs the same comparison.
"""
from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from utils.notebook import LANGUAGE_SPECIFIC, colab_badge, setup_cell  # noqa: E402

ENGLISH = ROOT / "notebooks"
EDITIONS = {"ko": ENGLISH / "ko"}
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def lessons() -> list[Path]:
    return sorted(ENGLISH.glob("[0-9][0-9]_*.ipynb"))


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def write(path: Path, nb: dict) -> None:
    path.write_text(json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def _tags(cell: dict) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _slide(cell: dict):
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type")


def differences(english: dict, translated: dict) -> list[str]:
    """Everything that keeps two editions of a lesson from being in step, in words (empty when they are)."""
    a, b = english["cells"], translated["cells"]
    if len(a) != len(b):
        return [f"{len(a)} cells in English, {len(b)} in the translation: the cells must match one to one"]
    problems = []
    for i, (x, y) in enumerate(zip(a, b)):
        if x["cell_type"] != y["cell_type"]:
            problems.append(f"cell {i}: {x['cell_type']} in English, {y['cell_type']} in the translation")
            continue
        if _slide(x) != _slide(y):
            problems.append(f"cell {i}: slide type {_slide(x)!r} in English, {_slide(y)!r} in the translation")
        if sorted(_tags(x)) != sorted(_tags(y)):
            problems.append(f"cell {i}: tags {_tags(x)} in English, {_tags(y)} in the translation")
        if x["cell_type"] == "code" and LANGUAGE_SPECIFIC not in _tags(x) and _source(x) != _source(y):
            first = next((n for n, (p, q) in enumerate(zip(_source(x).splitlines(), _source(y).splitlines()), 1)
                          if p != q), min(len(_source(x).splitlines()), len(_source(y).splitlines())) + 1)
            problems.append(f"cell {i}: the code differs from English (first at line {first}); it is not tagged "
                            f"{LANGUAGE_SPECIFIC!r} in both editions (run scripts/sync_editions.py --copy-code)")
    return problems


def untranslated(translated: dict, pattern: re.Pattern = HANGUL) -> list[int]:
    """Markdown cells with words but no letter of the edition's script (still in English)."""
    return [i for i, c in enumerate(translated["cells"]) if c["cell_type"] == "markdown"
            and len(re.findall(r"[A-Za-z]", re.sub(r"\(https?://[^)]*\)|<[^>]+>", "", _source(c)))) > 20
            and not pattern.search(_source(c))]


def init(name: str, language: str = "ko") -> Path:
    """A first Korean copy of an English lesson: its cells and outputs, the set-up cell and badge for Korean."""
    src, dst = ENGLISH / name, EDITIONS[language] / name
    if dst.exists():
        raise SystemExit(f"{dst.relative_to(ROOT)} exists already; edit it, or delete it first")
    english = read(src)
    setup = english["cells"][1]
    if LANGUAGE_SPECIFIC not in _tags(setup):
        setup.setdefault("metadata", {}).setdefault("tags", []).append(LANGUAGE_SPECIFIC)
        write(src, english)
    nb = copy.deepcopy(english)
    nb["cells"][1]["source"] = setup_cell(language).splitlines(keepends=True)
    first = _source(nb["cells"][0]).replace(colab_badge(name), colab_badge(f"{language}/{name}"))
    nb["cells"][0]["source"] = first.splitlines(keepends=True)
    dst.parent.mkdir(parents=True, exist_ok=True)
    write(dst, nb)
    return dst


def copy_code(english: dict, translated: dict) -> int:
    """Copy each shared code cell's source from English; returns how many changed. Needs matching structure."""
    changed = 0
    for x, y in zip(english["cells"], translated["cells"]):
        if x["cell_type"] == y["cell_type"] == "code" and LANGUAGE_SPECIFIC not in _tags(x) and _source(x) != _source(y):
            y["source"] = copy.deepcopy(x["source"])
            changed += 1
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--init", metavar="NOTEBOOK", help="start notebooks/ko/NOTEBOOK from the English lesson")
    parser.add_argument("--copy-code", action="store_true", help="copy shared code cells from English")
    args = parser.parse_args(argv)
    if args.init:
        print(f"created {init(Path(args.init).name).relative_to(ROOT)}: translate its markdown cells")
        return 0
    status = 0
    for src in lessons():
        for language, folder in EDITIONS.items():
            dst = folder / src.name
            if not dst.exists():
                print(f"{language}/{src.name}: missing (python scripts/sync_editions.py --init {src.name})")
                status = 1
                continue
            english, translated = read(src), read(dst)
            if args.copy_code and (n := copy_code(english, translated)):
                write(dst, translated)
                print(f"{language}/{src.name}: copied {n} code cells; regenerate its outputs "
                      f"(python scripts/execute_notebooks.py notebooks/{language}/{src.name})")
            for problem in differences(english, translated) + [
                    f"cell {i}: markdown still untranslated" for i in untranslated(translated)]:
                print(f"{language}/{src.name}: {problem}")
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
