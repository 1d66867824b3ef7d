"""The Colab runtime emulation (colab/): its output comparator, and every lesson run in it (slow).

The slow test needs .colab-venv/ (``bash setup.sh --with-colab-emulation`` builds it; CI builds it always) and
takes about as long as the lessons themselves plus a few minutes (installs, first conversions).
"""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("colab_emulate", ROOT / "colab" / "emulate.py")
emulate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(emulate)

SANITIZERS = emulate.load_sanitizers()


def stream(text, name="stdout"):
    return {"output_type": "stream", "name": name, "text": text}


def result(plain, html=None, kind="execute_result"):
    data = {"text/plain": plain}
    if html:
        data["text/html"] = html
    return {"output_type": kind, "data": data, "metadata": {}, **({"execution_count": 3} if kind == "execute_result" else {})}


def widget(plain="VBox(children=(...))"):
    return {"output_type": "display_data", "metadata": {},
            "data": {"text/plain": plain, emulate.WIDGET: {"model_id": "abc", "version_major": 2, "version_minor": 0}}}


def cell(*outputs, tags=()):
    return {"cell_type": "code", "source": "x = 1", "metadata": {"tags": list(tags)}, "outputs": list(outputs)}


def problems(stored, fresh):
    return emulate.compare_cell(stored, fresh, SANITIZERS)["problems"]


def test_identical_outputs_match():
    stored = cell(stream("hello\n"), result("   a\n0  1", html="<table/>"))
    assert problems(stored, cell(stream("hel"), stream("lo\n"), result("   a\n0  1", html="<table>other</table>"))) == []


def test_a_changed_stdout_line_is_caught_with_a_diff():
    found = problems(cell(stream("tokens: 12\nok\n")), cell(stream("tokens: 13\nok\n")))
    assert len(found) == 1 and "stdout differs" in found[0]
    assert "-tokens: 12" in found[0] and "+tokens: 13" in found[0]


def test_a_changed_text_plain_is_caught_but_not_html():
    assert problems(cell(result("1.5")), cell(result("1.50")))
    assert problems(cell(result("x", html="<b>x</b>")), cell(result("x", html="<i>x</i>"))) == []


def test_an_extra_widget_output_is_caught():
    # e.g. a tqdm progress bar drawn as a widget while a model is converted
    found = problems(cell(stream("loaded\n")), cell(widget("HBox(children=(...))"), stream("loaded\n")))
    assert any("kind" in p and "widget" in p for p in found)


def test_widgets_are_matched_without_their_text():
    # ipywidgets 7 and 8 write different reprs for the same widget
    assert problems(cell(widget("VBox(children=(Dropdown(...),))")), cell(widget("VBox(children=(Dropdown(value='a'),))"))) == []


def test_first_load_lines_are_dropped_and_counted():
    fresh = cell(stream("[first load] converting SmolLM2 (once per runtime)\nanswer: 4\n[first load] done in 40 s\n"))
    compared = emulate.compare_cell(cell(stream("answer: 4\n")), fresh, SANITIZERS)
    assert compared["problems"] == [] and compared["first_load_lines"] == 2


def test_stderr_fails_even_when_stdout_matches():
    found = problems(cell(stream("ok\n")), cell(stream("ok\n"), stream("UserWarning: something\n", "stderr")))
    assert len(found) == 1 and "stderr" in found[0]


def test_errors_fail_even_in_ignored_cells_whose_text_is_not_compared():
    error = {"output_type": "error", "ename": "ImportError", "evalue": "no module", "traceback": ["\x1b[31mImportError\x1b[0m"]}
    assert problems(cell(stream("took 1.2 s\n"), tags=[emulate.IGNORE_TAG]),
                    cell(stream("took 9.9 s\n"), tags=[emulate.IGNORE_TAG])) == []
    found = problems(cell(stream("took 1.2 s\n"), tags=[emulate.IGNORE_TAG]), cell(error))
    assert found == ["error: ImportError: no module\nImportError"]


def test_plotly_figures_may_arrive_as_html():
    stored = cell({"output_type": "display_data", "metadata": {}, "data": {emulate.PLOTLY: {"data": [], "layout": {}}}})
    colab = cell({"output_type": "display_data", "metadata": {},
                  "data": {"text/html": "<div id='x'></div><script>Plotly.newPlot('x', [], {})</script>"}})
    assert problems(stored, colab) == []
    other_html = cell({"output_type": "display_data", "metadata": {}, "data": {"text/html": "<p>hi</p>"}})
    assert problems(stored, other_html)


def test_sanitizers_apply_to_both_sides():
    assert problems(cell(result("<function f at 0x7f3a12345678>")), cell(result("<function f at 0x7f00deadbeef>"))) == []


def test_machine_pip_notes_are_dropped_but_pip_errors_are_reported():
    note = "WARNING: Location 'file:///opt/pypi/simple/gguf/' is ignored: it is neither a file nor a directory.\n"
    assert problems(cell(), cell(stream(note, "stderr"))) == []
    conflict = ("ERROR: pip's dependency resolver does not currently take into account all the packages that are "
                "installed. This behaviour is the source of the following dependency conflicts.\n")
    stored = {"cells": [{"cell_type": "code", "source": 'if "google.colab" in sys.modules: pass', "metadata": {},
                         "outputs": []}]}
    fresh = {"cells": [{**stored["cells"][0], "outputs": [stream(note + conflict, "stderr")]}]}
    compared = emulate.compare_notebook(stored, fresh, SANITIZERS)
    assert compared["setup_pip_problems"] and compared["mismatches"][0]["cell"] == 0


@pytest.mark.slow
def test_every_lesson_in_the_colab_emulation():
    if not (ROOT / ".colab-venv" / "bin" / "python").exists():
        message = ".colab-venv/ is not built: run  bash setup.sh --with-colab-emulation  (or bash colab/build_env.sh)"
        if os.environ.get("CI"):
            pytest.fail(message + "; in CI setup.sh builds it, so its absence is a failure")
        pytest.skip(message)
    # COLAB_EMULATION_LESSONS="01 04" runs only those lessons (a quicker check while working on the emulation)
    lessons = os.environ.get("COLAB_EMULATION_LESSONS", "").split()
    selection = ["--lessons", *lessons] if lessons else ["--all"]
    proc = subprocess.run([sys.executable, str(ROOT / "colab" / "emulate.py"), *selection],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, (
        f"the lessons differ in the Colab emulation (report: test-artifacts/colab-emulation.json):\n"
        f"{proc.stdout[-12000:]}\n{proc.stderr[-3000:]}")
