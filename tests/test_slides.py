"""scripts/export_slides.py on the real lessons, without a browser (tests/test_browser.py measures the slides).

- Presenter notes are a closed ``<details class="presenter-notes">`` fold in the notebooks (out of learners'
  way); ``unfold_notes`` strips the fold, so the speaker view shows the notes themselves.
- An exported lesson keeps each notes cell as reveal.js speaker notes (``<aside class="notes">``) with the
  notes' text and no fold, and nowhere else on the slides.
- The slides' own style keeps code and tables inside the slide, and the pinned JavaScript libraries carry
  the sha512 the npm registry publishes.
"""
import html
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import export_slides  # noqa: E402

LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) + sorted((ROOT / "notebooks").glob("ko/[0-9][0-9]_*.ipynb"))
ASIDE = re.compile(r'<aside class="notes">(.*?)</aside>', re.S)


def _notes_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c.get("metadata", {}).get("slideshow", {}).get("slide_type") == "notes"]


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", html.unescape(re.sub(r"<[^>]+>|[*_`]", " ", text)))


def test_unfold_notes_strips_the_fold_only():
    folded = '<details class="presenter-notes"><summary>Presenter notes</summary>\n\nAsk the room: *why*?\n\n</details>'
    assert export_slides.unfold_notes(folded) == "Ask the room: *why*?"
    assert export_slides.unfold_notes("Plain notes.") == "Plain notes."


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: str(p.relative_to(ROOT / "notebooks")))
def test_prepare_unfolds_every_notes_cell(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    prepared, counts = export_slides.prepare(nb)
    notes = _notes_cells(prepared)
    assert counts["notes"] == len(notes) == len(_notes_cells(nb))
    for before, after in zip(_notes_cells(nb), notes):
        text = after["source"]
        assert "<details" not in text and "<summary" not in text and "</details>" not in text, text[:120]
        assert text.strip() and text.strip() in "".join(before["source"])


@pytest.mark.slow
def test_export_keeps_notes_as_speaker_notes(tmp_path):
    lesson = ROOT / "notebooks" / "01_what_an_llm_does.ipynb"
    (slides,) = export_slides.export([lesson], tmp_path)
    page = slides.read_text(encoding="utf-8")
    asides = ASIDE.findall(page)
    notes = [export_slides.unfold_notes("".join(c["source"])) for c in _notes_cells(json.loads(lesson.read_text()))]
    assert len(asides) == len(notes) > 0
    for note, aside in zip(notes, asides):
        assert "<details" not in aside and "Presenter notes" not in aside, aside[:200]
        assert _words(note)[:12] == _words(aside)[:12]
    # The notes appear nowhere but in their asides (reveal.js shows those only in the speaker view).
    outside = ASIDE.sub("", page)
    for note in notes:
        assert " ".join(_words(note)[:8]) not in " ".join(_words(outside))
    assert ".reveal aside.notes, aside.notes { display: none !important; }" in page
    assert (tmp_path / "plotly.min.js").is_file()


@pytest.mark.slow
def test_korean_slides_go_to_their_own_folder_in_korean(tmp_path):
    lesson = ROOT / "notebooks" / "ko" / "01_what_an_llm_does.ipynb"
    (slides,) = export_slides.export([lesson], tmp_path)
    assert slides == tmp_path / "ko" / "01_what_an_llm_does.slides.html" and (tmp_path / "ko" / "plotly.min.js").is_file()
    page = slides.read_text(encoding="utf-8")
    assert '<html lang="ko"' in page
    assert export_slides.WIDGET_NOTES["ko"] in page and export_slides.WIDGET_NOTES["en"] not in page
    assert len(re.findall(r"[\uac00-\ud7a3]", ASIDE.sub("", page))) > 500, "the slides carry the Korean lesson's text"


def test_slide_style_keeps_code_and_tables_inside_the_slide():
    css = export_slides.TEMPLATE
    assert "white-space: pre-wrap" in css                      # long code lines wrap
    assert "overflow-x: auto" in css                           # wide tables scroll within their output
    assert export_slides.FIGURE_WIDTH <= 960 - 72              # figures fit beside the prompt


def test_vendored_libraries_are_pinned():
    for name, (spec, needed, integrity) in export_slides.VENDOR.items():
        assert re.fullmatch(r"[\w.-]+@\d+\.\d+\.\d+", spec), spec
        assert needed and len(integrity) == 88 and integrity.endswith("=="), (name, integrity)
