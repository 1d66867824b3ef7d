"""The course in a real browser: every lesson in JupyterLab started the README's way, driven by headless Chromium.

scripts/browser_check.py does the work, once per test session (about 3 minutes on an idle 2-core machine):

- starts JupyterLab exactly as ``bash setup.sh`` does, ``python -m jupyterlab notebooks/00_start_here.ipynb``
  from the course folder (so ``notebooks/`` is the server's root), adding only --no-browser, a loopback port, a
  token, --allow-root as root and throw-away settings, workspace, runtime and checkpoint folders; autosave off;
- opens each stored lesson 00-08 and checks: cells render, stored plotly figures and formulas draw, no error
  output, no widget error, **not marked modified** once its kernel is idle, glossary links at the course's
  GitHub address, Korean text and emoji drawn with **real glyphs** (not .notdef boxes); one screenshot each;
- clicks a glossary link in lesson 01 and sees the term. **GitHub is stood in for**: the machine is offline and
  the repository unpublished, so requests for the glossary's GitHub address are answered with a local rendering
  of docs/glossary.md whose heading ids follow GitHub's slug rule (``github_slug`` in tests/test_links.py);
  the test asserts the new tab's URL carries the anchor and the heading with that id is scrolled into view;
- runs lesson 01 in the browser (outputs cleared, *Run All Cells*) and presses its widget's Generate button;
- presents lesson 01 with RISE (*View* -> *Render as Reveal Slideshow*, on a throw-away copy, because RISE
  saves the notebook first): slides are drawn and presenter notes stay off them;
- exports lesson 01 to reveal.js slides and measures every slide: nothing wider than the slide, nothing cut
  off; presenter notes are speaker notes. Screenshots of slides 2 and 3.
- opens lesson 01 of the Korean edition (notebooks/ko/) like the others, and exports it to slides: its Korean
  text is drawn with real glyphs in JupyterLab and on the slides, and the slides fit and keep their notes.

Screenshots go to test-artifacts/. Needs /usr/bin/chromium, the playwright package and Korean and emoji fonts
(bash scripts/install_browser_test.sh). In CI (CI=true) their absence fails the tests; elsewhere they skip
with the reason. The tests at the end of this file need no browser.
"""
import importlib.util
import json
import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module   # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


browser_check = _load("browser_check", ROOT / "scripts" / "browser_check.py")
LESSONS = browser_check.lesson_files()


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _skip_or_fail(reason: str) -> None:
    if _in_ci():
        pytest.fail(f"The browser test must run in CI, but {reason}")
    pytest.skip(f"Browser test skipped: {reason}")


@pytest.fixture(scope="module")
def course():
    """Every browser check, run once: a browser_check.CourseReport."""
    reason = browser_check.missing_reason()
    if reason:
        _skip_or_fail(reason)
    report = browser_check.check_course()
    print(f"\n[browser]\n{report.summary()}")
    return report


def _lesson(course, name: str):
    found = [r for r in course.lessons if r.notebook == name]
    assert found, f"{name} was not opened"
    return found[0]


@pytest.mark.slow
def test_jupyterlab_started_the_readme_way(course):
    command = course.jupyterlab_command
    assert command[1:4] == ["-m", "jupyterlab", "notebooks/00_start_here.ipynb"], command
    # The README's way makes notebooks/ the server's root: ../docs is out of reach, hence GitHub addresses.
    top = {name.split("/", 1)[0] for name in LESSONS}       # the English lessons and the Korean edition's folder
    assert top <= set(course.server_root) and "ko" in top and "docs" not in course.server_root, course.server_root
    assert not course.writes, f"the browser wrote through the contents API: {course.writes}"


@pytest.mark.slow
@pytest.mark.parametrize("name", LESSONS)
def test_lesson_opens_and_draws(course, name):
    lesson = _lesson(course, name)
    assert not lesson.problems(), f"{name}: " + "; ".join(lesson.problems())
    assert lesson.glossary_links > 0, f"{name} has no glossary link"
    assert (ROOT / lesson.screenshot).is_file(), lesson.screenshot


@pytest.mark.slow
@pytest.mark.parametrize("name", LESSONS)
def test_lesson_not_marked_modified_on_open(course, name):
    """Autosave would rewrite a tracked lesson that JupyterLab marks modified before anything runs.

    The course's own cause (a kernelspec display name JupyterLab rewrites) is fixed. One cause remains outside the
    course: JupyterLab's plotly renderer (jupyterlab-plotly, plotly 7.1) adds a PNG snapshot to every chart it
    draws, which marks a lesson with charts modified. That cause, and only that one, is tolerated here; it is
    reported in the test's output and in the instructor guide until stored PNG snapshots make it go away.
    """
    lesson = _lesson(course, name)
    other = [c for c in lesson.dirty_causes if "jupyterlab-plotly's renderer" not in c]
    assert not other, f"{name} is marked modified on open: " + "; ".join(other)
    if lesson.dirty:
        print(f"\n[browser] {name}: modified on open only by the plotly renderer's PNG snapshots")


@pytest.mark.slow
def test_korean_and_emoji_are_drawn_with_real_glyphs(course):
    fonts = browser_check.missing_fonts()
    if fonts:
        _skip_or_fail(fonts)
    lesson_01 = _lesson(course, "01_what_an_llm_does.ipynb")
    hangul = [g for g in lesson_01.glyphs_checked if re.match(r"U\+(AC|AD|AE|AF|B[0-9A-F]|C[0-9A-F]|D[0-7])", g)]
    assert len(hangul) > 10, f"lesson 01's Korean text was not found: {lesson_01.glyphs_checked[:5]}"
    assert any(g.startswith("U+274C") for r in course.lessons for g in r.glyphs_checked), "no ❌ found to check"
    for lesson in course.lessons:
        assert not lesson.glyph_method_problem, lesson.glyph_method_problem
        assert not lesson.box_glyphs, f"{lesson.notebook}: drawn as boxes: {lesson.box_glyphs}"


@pytest.mark.slow
def test_the_korean_edition_shows_real_korean_glyphs_in_jupyterlab_and_on_its_slides(course):
    fonts = browser_check.missing_fonts()
    if fonts:
        _skip_or_fail(fonts)
    lesson = _lesson(course, browser_check.KOREAN_LESSON)
    hangul = [g for g in lesson.glyphs_checked if re.match(r"U\+(AC|AD|AE|AF|B[0-9A-F]|C[0-9A-F]|D[0-7])", g)]
    assert len(hangul) > 200, f"the Korean lesson shows too few Korean characters: {len(hangul)}"
    assert not lesson.box_glyphs, f"drawn as boxes: {lesson.box_glyphs[:8]}"
    assert lesson.glossary_links > 0 and not lesson.bad_glossary_links, lesson.bad_glossary_links
    s = course.korean_slides
    assert s is not None, "the Korean lesson's slides were not exported"
    if s.unavailable:
        _skip_or_fail(f"reveal.js could not be fetched for the slides: {s.unavailable}")
    assert not s.failure, s.failure
    assert len(s.slides) > 10 and not s.overflowing, s.overflowing
    assert s.notes_asides == s.notes_cells > 0 and not s.notes_with_fold and not s.notes_visible, s
    assert s.speaker_view_notes and "발표자 노트" not in s.speaker_view_notes, s.speaker_view_notes[:80]
    slide_hangul = [g for g in s.glyphs_checked if re.match(r"U\+(AC|AD|AE|AF|B[0-9A-F]|C[0-9A-F]|D[0-7])", g)]
    assert len(slide_hangul) > 200 and not s.box_glyphs, (len(slide_hangul), s.box_glyphs[:8])


@pytest.mark.slow
def test_glossary_link_opens_the_term(course):
    g = course.glossary
    assert g is not None and not g.failure, g
    assert g.opened_url == g.href and g.opened_url.endswith(f"#{g.anchor}"), g
    assert g.stand_in_requests >= 1, "the GitHub stand-in was never asked: the link did not open"
    assert g.scroll_y > 0 and g.in_view, f"the heading #{g.anchor} is not scrolled into view: {g.heading_box}"
    assert (ROOT / g.screenshot).is_file()


@pytest.mark.slow
def test_rise_presents_lesson_01(course):
    r = course.rise
    assert r is not None and not r.failure, r
    assert r.slides == r.slide_cells and r.subslides > 0, r
    assert r.notes_asides == r.notes_cells > 0, r      # each notes cell is an <aside class="notes">...
    assert not r.notes_visible, f"presenter notes shown on a slide: {r.notes_visible}"   # ...never on a slide
    assert not r.skip_visible, "the set-up cell (skip) is shown on a slide"
    assert len(r.screenshots) == 2, r.screenshots


@pytest.mark.slow
def test_lesson_01_runs_and_its_widget_answers(course):
    r = course.run
    assert r is not None and not r.failure, r
    assert r.executed_cells == r.code_cells > 0
    assert r.plotly_charts >= 3                 # token counts, next-token probabilities, temperature
    assert r.widget_views > 0
    assert r.widget_answer, "the widget's Generate button printed nothing"
    assert not r.error_outputs, r.error_outputs


@pytest.mark.slow
def test_exported_slides_fit_and_keep_notes_for_the_speaker(course):
    s = course.slides
    assert s is not None
    if s.unavailable:
        _skip_or_fail(f"reveal.js could not be fetched for the slides: {s.unavailable}")
    assert not s.failure, s.failure
    assert len(s.slides) > 10, s.slides
    assert not s.overflowing, f"slides run off: {s.overflowing}"
    assert s.notes_asides == s.notes_cells > 0 and not s.notes_with_fold and not s.notes_visible, s
    # The speaker view (S) shows the notes themselves, not the learners' "Presenter notes" fold.
    words = re.findall(r"\w+", s.expected_notes)[:10]
    assert words and re.findall(r"\w+", s.speaker_view_notes)[:10] == words, (s.speaker_view_notes, s.expected_notes)
    assert "Presenter notes" not in s.speaker_view_notes
    assert len(s.screenshots) == 3, s.screenshots       # slides 2 and 3, the speaker view


@pytest.mark.slow
def test_within_budget(course):
    # The budget: about 3 minutes on an idle 2-core machine. Wall time depends on what else the machine does,
    # so the budget is kept in CPU time (about 200 s measured, servers, kernels and Chromium included); the
    # wall-time limit only catches a hang.
    assert course.cpu_seconds < 300, f"{course.cpu_seconds:.0f} s of CPU time; {course.seconds}"
    assert course.seconds["total"] < 900, course.seconds


# ------------------------------------------------------------------------------------------ without a browser
def test_glossary_stand_in_has_githubs_anchors():
    """The stand-in's heading ids are GitHub's, and every glossary term the lessons link to is one of them."""
    test_links = _load("_test_links_for_browser", ROOT / "tests" / "test_links.py")
    page, ids, heading_ids = browser_check.glossary_page()
    headings = test_links.HEADING.findall(test_links.without_code((ROOT / "docs" / "glossary.md").read_text()))
    assert heading_ids == [test_links.github_slug(text) for _, text in headings]
    for anchor in ids:
        assert f'id="{anchor}"' in page
    from utils.notebook import glossary_url

    linked = {m.group(1) for name in LESSONS
              for m in re.finditer(re.escape(glossary_url()) + r"#([\w-]+)", (ROOT / "notebooks" / name).read_text())}
    assert linked and linked <= set(ids), sorted(linked - set(ids))


def test_dirty_causes_name_what_changed():
    stored = {"nbformat": 4, "nbformat_minor": 5,
              "metadata": {"kernelspec": {"display_name": "Python 3", "name": "python3", "language": "python"}},
              "cells": [{"cell_type": "code", "source": ["x = 1\n", "x"], "metadata": {}, "execution_count": 1,
                         "outputs": [{"output_type": "display_data", "metadata": {},
                                      "data": {"application/vnd.plotly.v1+json": {"data": []}}}]}]}
    live = json.loads(json.dumps(stored))
    live["cells"][0]["source"] = "x = 1\nx"                 # the live model holds strings: not a change
    live["cells"][0]["metadata"]["trusted"] = False          # never written: not a change
    assert browser_check.dirty_causes(stored, live) == []
    live["metadata"]["kernelspec"]["display_name"] = "Python 3 (ipykernel)"
    live["cells"][0]["outputs"][0]["data"]["image/png"] = "iVBOR"
    causes = browser_check.dirty_causes(stored, live)
    assert causes[0] == 'metadata.kernelspec.display_name: "Python 3" -> "Python 3 (ipykernel)"'
    assert causes[1].startswith("cells 0: output gained image/png (jupyterlab-plotly's renderer")
