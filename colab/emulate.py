"""Run the lessons as Google Colab runs them, and compare their outputs with the stored ones.

    python colab/emulate.py                 every lesson, and lesson 02 of the Korean edition (the same as --all)
    python colab/emulate.py --lessons 01 05 --keep
    python colab/emulate.py --lessons ko/02 ko/06     # lessons of the Korean edition (notebooks/ko/)

What is emulated (README.md, "Colab emulation", says it in short):
- Colab's packages at Colab's versions: the kernel runs in .colab-venv/, built from colab/colab-runtime.txt
  by colab/build_env.sh (this script calls it first: it also puts back the pins a previous run's set-up
  cells upgraded), with Colab's IPython 7 / ipykernel 6 / ipywidgets 7;
- ``google.colab``: a stand-in (colab/standin/) imported at kernel start, with Colab's kernel and shell
  class names, so plotly picks its colab renderer and huggingface_hub sees Colab;
- a fresh /content per lesson: the kernel starts in an empty folder and the lesson's own set-up cell
  "clones" the course (colab/bin/git copies this working tree) and runs scripts/colab_setup.sh, whose pip
  installs go into the venv. The venv and the model cache are shared by the lessons of one run to save
  time: only the first lesson's set-up cell really installs, and each model is converted once per run
  (Colab converts in every session).

Each code cell's outputs are compared with the stored ones: stdout and stderr text (stderr must be empty),
the text/plain of results and displays; not HTML, figures (Colab shows plotly figures as HTML), images or
widget views. An error, or an output of a kind the stored cell lacks, fails. Cells tagged
nbval-ignore-output are only checked for errors. tests/nbval_sanitize.cfg applies to both sides, and stdout
lines starting with "[first load] " (the loader's one-time conversion messages) are dropped and counted.
The set-up cell's pip output must hold no error or resolver conflict, and ``pip check`` runs in the venv
after the first lesson. A JSON report goes to test-artifacts/colab-emulation.json; the exit status is 1
on any mismatch.
"""
from __future__ import annotations

import argparse
import configparser
import copy
import difflib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".colab-venv"
PINS = ROOT / "colab" / "colab-runtime.txt"
STANDIN = ROOT / "colab" / "standin"
SHIM_BIN = ROOT / "colab" / "bin"
SANITIZERS = ROOT / "tests" / "nbval_sanitize.cfg"
REPORT = ROOT / "test-artifacts" / "colab-emulation.json"
KERNEL_NAME = "colab-emulation"

FIRST_LOAD = "[first load] "
IGNORE_TAG = "nbval-ignore-output"
WIDGET = "application/vnd.jupyter.widget-view+json"
PLOTLY = "application/vnd.plotly.v1+json"
# This machine's pip configuration names local index folders that lack most packages; pip notes each one it
# skips. Colab has no such folders: the notes are dropped from the set-up cell's output (and counted).
MACHINE_PIP_NOISE = re.compile(r"^WARNING: Location 'file:[^']*' is ignored: it is neither a file nor a directory\.$")
SETUP_PROBLEM = re.compile(r"ERROR|dependency conflicts|dependency resolver|which is incompatible|ResolutionImpossible"
                           r"|Cannot install|conflicting dependencies")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


# --------------------------------------------------------------------------------------------------
# comparing outputs (pure functions: tests/test_colab_emulation.py tests them without a venv)
# --------------------------------------------------------------------------------------------------

def load_sanitizers(path: Path = SANITIZERS) -> list[tuple[re.Pattern, str]]:
    """The regex/replace pairs of an nbval sanitizer file, in order."""
    parser = configparser.ConfigParser()
    parser.read(path, encoding="utf-8")
    return [(re.compile(parser[s]["regex"]), parser[s]["replace"]) for s in parser.sections()]


def sanitize(text: str, sanitizers) -> str:
    for regex, replace in sanitizers:
        text = regex.sub(replace, text)
    return text


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else (value or "")


def _kind(output: dict) -> str:
    """What an output is, for matching stored and fresh outputs: widget, figure, or its output_type."""
    data = output.get("data", {})
    if WIDGET in data:
        return "widget"
    if PLOTLY in data:
        return "figure"
    if set(data) <= {"text/html"} and "Plotly.newPlot" in _text(data.get("text/html")):
        return "figure"  # plotly's colab renderer: the figure as HTML only
    return output["output_type"]


def cell_view(outputs: list, sanitizers, fresh: bool) -> dict:
    """A cell's outputs as the comparison sees them."""
    streams = {"stdout": "", "stderr": ""}
    rich, errors = [], []
    for out in outputs:
        kind = out.get("output_type")
        if kind == "stream":
            streams[out.get("name", "stdout")] = streams.get(out.get("name", "stdout"), "") + _text(out.get("text"))
        elif kind in ("execute_result", "display_data"):
            data = out.get("data", {})
            plain = _text(data["text/plain"]) if "text/plain" in data else None
            rich.append({"kind": _kind(out), "text/plain": plain,
                         "mime": sorted(k for k in data if k not in ("text/html", "text/plain"))})
        elif kind == "error":
            trace = ANSI.sub("", "\n".join(out.get("traceback", [])))
            errors.append(f"{out.get('ename')}: {out.get('evalue')}\n" + "\n".join(trace.splitlines()[-8:]))
    first_load = noise = 0
    if fresh:
        kept = []
        for line in streams["stdout"].splitlines(keepends=True):
            if line.startswith(FIRST_LOAD):
                first_load += 1
            else:
                kept.append(line)
        streams["stdout"] = "".join(kept)
        for name in ("stdout", "stderr"):
            kept = []
            for line in streams[name].splitlines(keepends=True):
                if MACHINE_PIP_NOISE.match(line.rstrip("\n")):
                    noise += 1
                else:
                    kept.append(line)
            streams[name] = "".join(kept)
    return {
        "stdout": sanitize(streams["stdout"], sanitizers),
        "stderr": sanitize(streams["stderr"], sanitizers),
        "rich": [{**r, "text/plain": None if r["text/plain"] is None else sanitize(r["text/plain"], sanitizers)}
                 for r in rich],
        "errors": errors,
        "first_load_lines": first_load,
        "machine_pip_noise_lines": noise,
    }


def _diff(stored: str, fresh: str, limit: int = 24) -> str:
    lines = list(difflib.unified_diff(stored.splitlines(), fresh.splitlines(), "stored", "colab", lineterm="", n=1))
    if len(lines) > limit:
        lines = lines[:limit] + [f"... ({len(lines) - limit} more diff lines)"]
    return "\n".join(lines)


def compare_cell(stored: dict, fresh: dict, sanitizers) -> dict:
    """Compare one code cell's stored outputs with a fresh run's: {problems: [...], ...}."""
    s = cell_view(stored.get("outputs", []), sanitizers, fresh=False)
    f = cell_view(fresh.get("outputs", []), sanitizers, fresh=True)
    ignored = IGNORE_TAG in stored.get("metadata", {}).get("tags", [])
    problems = [f"error: {e}" for e in f["errors"]]
    if not ignored:
        if f["stderr"]:
            problems.append("stderr is not empty:\n" + _diff(s["stderr"], f["stderr"]))
        elif s["stderr"] != f["stderr"]:
            problems.append("stderr differs:\n" + _diff(s["stderr"], f["stderr"]))
        if s["stdout"] != f["stdout"]:
            problems.append("stdout differs:\n" + _diff(s["stdout"], f["stdout"]))
        s_kinds, f_kinds = [r["kind"] for r in s["rich"]], [r["kind"] for r in f["rich"]]
        if s_kinds != f_kinds:
            problems.append(f"outputs differ in kind: stored {s_kinds}, colab {f_kinds}")
        for i, (sr, fr) in enumerate(zip(s["rich"], f["rich"])):
            if sr["kind"] != fr["kind"] or sr["kind"] in ("widget", "figure"):
                continue  # widgets' text differs between ipywidgets 7 and 8; figures are HTML in Colab
            if sr["text/plain"] is None and fr["text/plain"] is None:
                if sr["mime"] != fr["mime"]:
                    problems.append(f"output {i}: mime types differ: stored {sr['mime']}, colab {fr['mime']}")
            elif sr["text/plain"] != fr["text/plain"]:
                problems.append(f"output {i} ({sr['kind']}) text/plain differs:\n"
                                + _diff(sr["text/plain"] or "", fr["text/plain"] or ""))
    return {
        "ignored": ignored,
        "problems": problems,
        "first_load_lines": f["first_load_lines"],
        "machine_pip_noise_lines": f["machine_pip_noise_lines"],
        "stdout": f["stdout"],
        "stderr": f["stderr"],
    }


def setup_cell_index(nb) -> int | None:
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            return i if "google.colab" in _text(cell["source"]) else None
    return None


def setup_pip_problems(view: dict) -> list[str]:
    """Lines of the set-up cell's output that say pip met an error or a conflict."""
    text = view["stdout"] + view["stderr"]
    return [line for line in text.splitlines() if SETUP_PROBLEM.search(line)]


def compare_notebook(stored_nb, fresh_nb, sanitizers) -> dict:
    cells, compared, ignored, first_load, noise = [], 0, 0, 0, 0
    setup = setup_cell_index(stored_nb)
    setup_problems = []
    for i, (s, f) in enumerate(zip(stored_nb["cells"], fresh_nb["cells"])):
        if s["cell_type"] != "code":
            continue
        result = compare_cell(s, f, sanitizers)
        first_load += result["first_load_lines"]
        noise += result["machine_pip_noise_lines"]
        if result["ignored"]:
            ignored += 1
        else:
            compared += 1
        if i == setup:
            setup_problems = setup_pip_problems(result)
            if setup_problems and not any("stderr" in p for p in result["problems"]):
                result["problems"].append("pip reported problems:\n" + "\n".join(setup_problems))
        if result["problems"]:
            source = _text(s["source"]).strip().splitlines()
            cells.append({"cell": i, "first_line": source[0] if source else "", "problems": result["problems"]})
    return {"cells_compared": compared, "cells_ignored": ignored, "mismatches": cells,
            "first_load_lines": first_load, "machine_pip_noise_lines": noise, "setup_pip_problems": setup_problems}


# --------------------------------------------------------------------------------------------------
# running the lessons
# --------------------------------------------------------------------------------------------------

def pinned_names() -> set[str]:
    names = set()
    for line in PINS.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.add(re.sub(r"[-_.]+", "-", line.split("==")[0]).lower())
    return names


def pip_check() -> dict:
    proc = subprocess.run([str(VENV / "bin" / "python"), "-m", "pip", "check"], capture_output=True, text=True)
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
    pinned = pinned_names()
    conflicts = []
    for line in lines:
        if line.startswith("No broken requirements"):
            continue
        names = re.findall(r"^([A-Za-z0-9_.\-]+) \S+ (?:has requirement|requires) ([A-Za-z0-9_.\-]+)", line)
        involved = {re.sub(r"[-_.]+", "-", n).lower() for pair in names for n in pair}
        if not names or involved & pinned:
            conflicts.append(line)
    return {"output": lines, "conflicts_with_pinned": conflicts, "ok": not conflicts}


def write_kernel_spec(jupyter_dir: Path, cache: Path, clone_log: Path, ipython_dir: Path) -> None:
    """A kernelspec like Colab's kernel: Colab's kernel class, google.colab imported at start, the venv first."""
    sys.path.insert(0, str(ROOT))
    from utils import COURSE_REPO

    spec_dir = jupyter_dir / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [str(VENV / "bin" / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}",
                 "--IPKernelApp.kernel_class=google.colab._kernel.Kernel",
                 "--IPKernelApp.exec_lines=import google.colab"],
        "display_name": "Colab runtime emulation",
        "language": "python",
        "env": {
            "PYTHONPATH": str(STANDIN),
            "PATH": os.pathsep.join([str(SHIM_BIN), str(VENV / "bin"), os.environ.get("PATH", "")]),
            "VIRTUAL_ENV": str(VENV),
            "IPYTHONDIR": str(ipython_dir),
            "OPEN_LLM_COURSE_CACHE": str(cache),
            "HF_HUB_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false",
            # debugpy's note about Python 3.11's frozen modules, on the kernel's terminal: noise, not Colab's
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            "COLAB_EMULATION_REPO": COURSE_REPO,
            "COLAB_EMULATION_SOURCE": str(ROOT),
            "COLAB_EMULATION_LOG": str(clone_log),
        },
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")


def execute(nb, content: Path, cell_timeout: int):
    """Run a notebook in the emulation's kernel, started in ``content``; errors are recorded, not raised.

    nbclient starts the kernel (found through JUPYTER_PATH, set in main) and shuts it down afterwards.
    """
    from nbclient import NotebookClient

    client = NotebookClient(nb, kernel_name=KERNEL_NAME, timeout=cell_timeout, allow_errors=True,
                            record_timing=True, resources={"metadata": {"path": str(content)}})
    client.execute()


def _children_cpu() -> float:
    """CPU seconds used so far by this process's finished children (each lesson's kernel, and pip under it)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cell_seconds(cell) -> float | None:
    from datetime import datetime

    timing = cell.get("metadata", {}).get("execution", {})
    try:
        start = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None
    return round((end - start).total_seconds(), 1)


KOREAN_SAMPLE = ("ko/02",)
"""The Korean edition's lessons run by default: their code is the English lessons' (tests/test_editions.py), so one
lesson shows that its set-up cell (language="ko") and the Korean catalog work in Colab's runtime. Lesson 02 prints
the most translated helper sentences (the quiz's claims, the timeline, the exercise feedback)."""


def run_lesson(path: Path, workdir: Path, clone_log: Path, sanitizers, cell_timeout: int) -> dict:
    import nbformat

    lesson = path.name[:2] if path.parent.name == "notebooks" else f"{path.parent.name}/{path.name[:2]}"
    content = workdir / f"content-{lesson.replace('/', '-')}"
    content.mkdir()
    for parent in [content, *content.parents]:
        if (parent / "utils").is_dir():
            raise SystemExit(f"{parent} holds a utils/ folder: the set-up cell would import it instead of the clone")
    stored = nbformat.read(path, as_version=4)
    fresh = copy.deepcopy(stored)
    for cell in fresh.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    log_before = clone_log.read_text(encoding="utf-8") if clone_log.exists() else ""
    started, cpu_before = time.time(), _children_cpu()
    failure = None
    try:
        execute(fresh, content, cell_timeout)
    except Exception as exc:  # a cell timed out or the kernel died: compare what ran
        failure = f"{type(exc).__name__}: {ANSI.sub('', str(exc)).strip().splitlines()[-1] if str(exc).strip() else ''}"
    seconds, cpu = time.time() - started, _children_cpu() - cpu_before
    nbformat.write(fresh, workdir / f"executed-{lesson.replace('/', '-')}-{path.name}")  # kept with --keep
    result = compare_notebook(stored, fresh, sanitizers)
    setup = setup_cell_index(stored)
    log_after = clone_log.read_text(encoding="utf-8") if clone_log.exists() else ""
    result.update({
        "lesson": lesson,
        "notebook": str(path.relative_to(ROOT)),
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),  # the kernel's and its subprocesses' CPU time: less sensitive to a busy machine
        "setup_cell_seconds": cell_seconds(fresh.cells[setup]) if setup is not None else None,
        "slowest_cells": sorted(({"cell": i, "seconds": cell_seconds(c)} for i, c in enumerate(fresh.cells)
                                 if c.cell_type == "code" and cell_seconds(c)), key=lambda d: -d["seconds"])[:3],
        "clone": log_after[len(log_before):].strip() or None,
        "failure": failure,
    })
    if failure:
        result["mismatches"].insert(0, {"cell": None, "first_line": "", "problems": [f"execution stopped: {failure}"]})
    if setup is not None and not result["clone"]:
        result["mismatches"].insert(0, {"cell": setup, "first_line": "", "problems": [
            "the set-up cell did not clone the course (no git clone reached colab/bin/git)"]})
    return result


def print_lesson(result: dict) -> None:
    status = "ok" if not result["mismatches"] else f"{len(result['mismatches'])} cell(s) differ"
    setup = f", set-up cell {result['setup_cell_seconds']} s" if result["setup_cell_seconds"] is not None else ""
    print(f"  {result['notebook']}: {status}; {result['cells_compared']} cells compared, {result['cells_ignored']} "
          f"ignored (timings); {result['first_load_lines']} [first load] lines; {result['seconds']:.0f} s "
          f"({result['cpu_seconds']:.0f} s CPU){setup}",
          flush=True)
    slow = ", ".join(f"cell {c['cell']} {c['seconds']:.0f} s" for c in result.get("slowest_cells", []))
    if slow:
        print(f"    slowest: {slow}")
    for mismatch in result["mismatches"]:
        where = f"cell {mismatch['cell']}" if mismatch["cell"] is not None else "notebook"
        print(f"    {where}: {mismatch['first_line'][:90]}")
        for problem in mismatch["problems"]:
            print("      " + problem.replace("\n", "\n      "))


def hold_venv_lock():
    """Hold .colab-venv.lock for this run: the lessons' set-up cells install into the shared venv, so a second
    run (or colab/build_env.sh restoring the pins) at the same time would mix two states. Waits for it."""
    import fcntl

    handle = open(ROOT / ".colab-venv.lock", "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("== Waiting for another emulation run or build to finish with .colab-venv/ ...", flush=True)
        fcntl.flock(handle, fcntl.LOCK_EX)
    return handle  # released when the process exits


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--lessons", nargs="+", metavar="NN", help="lesson numbers, e.g. 01 05 07, or ko/02 for the Korean edition")
    group.add_argument("--all", action="store_true", help=f"every lesson and {', '.join(KOREAN_SAMPLE)} (the default)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders (/content per lesson, cache)")
    parser.add_argument("--cell-timeout", type=int, default=900, help="seconds for one cell (default 900)")
    parser.add_argument("--report", type=Path, default=REPORT)
    args = parser.parse_args(argv)

    english = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    korean = sorted((ROOT / "notebooks" / "ko").glob("[0-9][0-9]_*.ipynb"))
    named = {p.name[:2]: p for p in english} | {f"ko/{p.name[:2]}": p for p in korean}
    if args.lessons:
        wanted = [n.zfill(2) if "/" not in n else n.split("/")[0] + "/" + n.split("/")[1].zfill(2) for n in args.lessons]
        unknown = [n for n in wanted if n not in named]
        if unknown:
            parser.error(f"no lesson {', '.join(unknown)} in notebooks/ (or notebooks/ko/)")
        notebooks = [named[n] for n in wanted]
    else:
        notebooks = english + [named[n] for n in KOREAN_SAMPLE if n in named]

    if not (VENV / "bin" / "python").exists():
        print(f"{VENV.name}/ is missing: build it with  bash setup.sh --with-colab-emulation  "
              "(or bash colab/build_env.sh)", file=sys.stderr)
        return 2
    lock = hold_venv_lock()  # noqa: F841 (kept open, and so held, until the process exits)
    total_started, load_before = time.time(), os.getloadavg()
    print("== The emulation's venv (colab/build_env.sh)", flush=True)
    subprocess.run(["bash", str(ROOT / "colab" / "build_env.sh")], check=True,
                   env={**os.environ, "COLAB_EMULATION_LOCKED": "1"})
    venv_seconds = round(time.time() - total_started, 1)

    workdir = Path(tempfile.mkdtemp(prefix="colab-emulation-"))
    cache, clone_log, ipython_dir = workdir / "cache", workdir / "git-clone.log", workdir / "ipython"
    cache.mkdir()
    write_kernel_spec(workdir / "jupyter", cache, clone_log, ipython_dir)
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(workdir / "jupyter"), os.environ.get("JUPYTER_PATH")]))
    sanitizers = load_sanitizers()
    print(f"== Running {len(notebooks)} lesson(s) in the Colab emulation (work folder {workdir})", flush=True)
    report = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": platform.python_version(),
        "pins": str(PINS.relative_to(ROOT)),
        "shared_across_lessons": "the venv (so only the first lesson's set-up cell really installs) and the model "
                                 "cache (so each model is converted once per run, not once per lesson as in Colab)",
        "venv_seconds": venv_seconds,
        "lessons": [],
        "pip_check": None,
    }
    try:
        for index, path in enumerate(notebooks):
            result = run_lesson(path, workdir, clone_log, sanitizers, args.cell_timeout)
            report["lessons"].append(result)
            print_lesson(result)
            if index == 0:
                report["pip_check"] = pip_check()
                check = report["pip_check"]
                print(f"  pip check in {VENV.name} after the first lesson: "
                      + ("ok" if check["ok"] else "CONFLICTS WITH PINNED PACKAGES")
                      + "".join(f"\n    {line}" for line in check["output"]), flush=True)
    finally:
        if args.keep:
            print(f"== Kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    report["total_seconds"] = round(time.time() - total_started, 1)
    report["load_average"] = {"start": [round(x, 1) for x in load_before], "end": [round(x, 1) for x in os.getloadavg()],
                              "cpus": os.cpu_count()}
    failed = [r["lesson"] for r in report["lessons"] if r["mismatches"]]
    report["ok"] = not failed and (report["pip_check"] or {"ok": True})["ok"]
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"== {'All lessons match' if report['ok'] else 'Differences in lesson(s) ' + ', '.join(failed) if failed else 'pip check failed'}"
          f" ({report['total_seconds']:.0f} s); report: {args.report}")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
