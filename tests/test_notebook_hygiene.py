"""The stored notebooks are what a learner sees before running anything: they must be clean.

nbval checks that the outputs are reproducible; this test checks what nbval does not: the order of
execution, no errors or stderr, no local paths or progress-bar debris, the Colab badge and set-up cell,
slide metadata, and the shape of a lesson (exercises with checks and solutions, a recap). The Korean edition
(notebooks/ko/) is held to the same rules, with its own fixed words (utils.notebook.LESSON_WORDS["ko"]).
"""
import json
import re
from pathlib import Path

import pytest

from utils.notebook import LESSON_WORDS, colab_url, lesson_link, setup_cell

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "notebooks" / "ko").glob("*.ipynb"))
LESSONS = [p for p in NOTEBOOKS if re.match(r"0[1-9]_", p.name)]


def _id(path):
    return str(path.relative_to(ROOT / "notebooks"))


def _language(path):
    return "en" if path.parent.name == "notebooks" else path.parent.name


def _words(path):
    return LESSON_WORDS[_language(path)]
LOCAL_PATH = re.compile(r"(/root/|/home/\w|/tmp/|/Users/\w|[A-Z]:\\\\|site-packages)")
SLIDE_TYPES = {"slide", "subslide", "fragment", "-", "skip", "notes"}


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _text(output):
    if output["output_type"] == "stream":
        return "".join(output["text"])
    data = output.get("data", {})
    return "".join("".join(v) if isinstance(v, list) else str(v) for k, v in data.items() if k.startswith("text/"))


def test_there_are_notebooks():
    assert [p.name for p in NOTEBOOKS[:2]] == ["00_start_here.ipynb", "01_what_an_llm_does.ipynb"]
    assert [p.name for p in NOTEBOOKS if _language(p) == "ko"] == [p.name for p in NOTEBOOKS if _language(p) == "en"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_executed_once_top_to_bottom(path):
    counts = [c["execution_count"] for c in _cells(path) if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    assert counts == list(range(1, len(counts) + 1)), f"execution counts {counts}: re-run the notebook top to bottom"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_no_errors_stderr_debris_or_local_paths(path):
    for index, cell in enumerate(_cells(path)):
        for output in cell.get("outputs", []):
            where = f"{path.name} cell {index}"
            assert output["output_type"] != "error", f"{where} stores a traceback"
            assert not (output["output_type"] == "stream" and output["name"] == "stderr"), f"{where} stores stderr"
            text = _text(output)
            assert "\r" not in text, f"{where} stores progress-bar debris"
            assert not LOCAL_PATH.search(text), f"{where} shows a local path: {LOCAL_PATH.search(text).group(0)}"
            assert "Warning" not in text, f"{where} shows a warning"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_colab_badge_and_set_up_cell(path):
    cells = _cells(path)
    assert colab_url(_id(path)) in "".join(cells[0]["source"]), "the first cell needs this notebook's own Colab badge"
    assert cells[1]["cell_type"] == "code" and "".join(cells[1]["source"]) == setup_cell(_language(path)), \
        "the second cell must be utils.notebook.setup_cell(language), word for word"
    assert not cells[1]["outputs"], "the set-up cell prints nothing outside Colab"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_only_commented_cells_are_excluded_from_comparison(path):
    for index, cell in enumerate(_cells(path)):
        tags = set(cell.get("metadata", {}).get("tags", []))
        assert "nbval-skip" not in tags and "raises-exception" not in tags, f"cell {index}: skipped cells hide breakage"
        if "nbval-ignore-output" in tags:
            first_line = "".join(cell["source"]).splitlines()[0]
            assert first_line.startswith("#"), f"cell {index} ignores its output without a comment saying why"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_every_cell_has_slide_metadata(path):
    for index, cell in enumerate(_cells(path)):
        slide = cell.get("metadata", {}).get("slideshow", {}).get("slide_type")
        assert slide in SLIDE_TYPES, f"{path.name} cell {index} has no slide type"


@pytest.mark.parametrize("path", LESSONS, ids=_id)
def test_lesson_shape(path):
    cells = _cells(path)
    sources = ["".join(c["source"]) for c in cells]
    words = _words(path)
    assert words["goal"] in sources[0], f"the first cell states the lesson's goal ({words['goal']}...)"
    checks = set(re.findall(r'check\("(\d\d\.\d+)"', "\n".join(s for c, s in zip(cells, sources) if c["cell_type"] == "code")))
    assert len(checks) >= 3, f"a lesson has at least three checked exercises, found {sorted(checks)}"
    assert all(key.startswith(path.name[:2] + ".") for key in checks), "exercise keys start with the lesson number"
    solutions = sum(s.count(words["solution"]) for s in sources)
    assert solutions >= len(checks), "every exercise has a collapsible solution"
    assert any(s.lstrip().startswith(words["recap"]) for s in sources), "a lesson ends with a recap"


PRESENTER_FOLD = {language: f'<details class="presenter-notes"><summary>{w["notes"]}</summary>'
                  for language, w in LESSON_WORDS.items()}
CLASSROOM_WORDS = {"en": re.compile(r"\b(Presenter|Ask the room|Live demo|Instructor)\b"),
                   "ko": re.compile(r"(발표자|강사|청중에게|라이브 데모)")}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_presenter_notes_stay_out_of_the_learners_way(path):
    """Presenter notes sit in a closed fold in JupyterLab and Colab, and in the speaker view of the slides."""
    for index, cell in enumerate(_cells(path)):
        source = "".join(cell["source"])
        is_notes = cell.get("metadata", {}).get("slideshow", {}).get("slide_type") == "notes"
        fold = PRESENTER_FOLD[_language(path)]
        if is_notes:
            assert cell["cell_type"] == "markdown" and source.startswith(fold) and \
                source.rstrip().endswith("</details>"), f"{path.name} cell {index}: a notes cell is one presenter fold"
        elif cell["cell_type"] == "markdown":
            assert not CLASSROOM_WORDS[_language(path)].search(source), \
                f"{path.name} cell {index}: classroom instructions belong in a notes cell ({fold}...)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_title_exercise_numbering_and_a_linked_next(path):
    """Every lesson looks the same from outside: '# NN · Title', '### Exercise NN.k' headings, a linked Next."""
    cells, words = _cells(path), _words(path)
    lesson = path.name[:2]
    title = next(line for line in "".join(cells[0]["source"]).splitlines() if line.startswith("# "))
    assert re.match(rf"# {lesson} · \S", title), f"{path.name}: the title reads '# {lesson} · Title', not {title!r}"
    sources = ["".join(c["source"]) for c in cells]
    code = "\n".join(s for c, s in zip(cells, sources) if c["cell_type"] == "code")
    keys = sorted(set(re.findall(r'check\("(\d\d\.\d+)"', code)), key=lambda k: int(k.split(".")[1]))
    headings = re.findall(rf"^{words['exercise']} (\d\d\.\d+)\b", "\n".join(sources), re.M)
    assert headings == keys, f"{path.name}: exercise headings {headings} should be '{words['exercise']} NN.k' for {keys}"
    assert keys == [f"{lesson}.{k}" for k in range(1, len(keys) + 1)], f"{path.name}: exercises numbered {keys}"
    nexts = [s for s in sources if words["next"] in s]
    assert nexts, f"{path.name}: the recap ends with a '{words['next']}' line"
    following = sorted(p.name for p in NOTEBOOKS if p.parent == path.parent and p.name[:2] > lesson)
    if following:
        title = re.search(rf"\[([^\]]+)\]\({re.escape(following[0])}\)", nexts[-1])
        assert title and lesson_link(following[0], title.group(1), _language(path)) in nexts[-1], \
            f"{path.name}: Next links the following lesson of its own edition with utils.notebook.lesson_link"


def unrendered_emphasis(markdown: str) -> list[str]:
    """Text where ``**`` is left as asterisks by CommonMark (JupyterLab, Colab and GitHub follow its flanking rule).

    Korean trips over it: ``**샘플링(sampling)**은`` does not close, because a closing ``**`` after punctuation
    must be followed by a space or punctuation, not by the particle 은. Write ``**샘플링**(sampling)은``.
    """
    from markdown_it import MarkdownIt

    found = []
    for token in MarkdownIt("commonmark").parse(markdown):
        for child in token.children or []:
            if child.type == "text" and "**" in child.content:
                found.append(child.content[max(0, child.content.index("**") - 30):][:70])
    return found


def test_unrendered_emphasis_is_found():
    assert unrendered_emphasis("가중치를 **블록(block)**으로 자릅니다.") and not unrendered_emphasis("**블록**(block)으로")
    assert not unrendered_emphasis("`2**30` bytes, **bold**")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_bold_renders(path):
    problems = [f"cell {i}: {text!r}" for i, cell in enumerate(_cells(path)) if cell["cell_type"] == "markdown"
                for text in unrendered_emphasis("".join(cell["source"]))]
    assert not problems, f"{_id(path)} shows literal ** (see unrendered_emphasis):\n  " + "\n  ".join(problems)

