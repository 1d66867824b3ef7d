#!/usr/bin/env python3
"""The course in a real browser: JupyterLab started the README's way, driven by headless Chromium (Playwright).

    python scripts/browser_check.py                      # every check below; screenshots in test-artifacts/
    python scripts/browser_check.py --lessons 00 01 --no-run --no-rise --no-slides

JupyterLab starts exactly as ``bash setup.sh`` starts it: from the course folder,
``python -m jupyterlab notebooks/00_start_here.ipynb``, so the server's root is ``notebooks/``. A test adds only
what it must: ``--no-browser``, a loopback address and free port, a random token, ``--allow-root`` as root,
throw-away settings, workspace, runtime and checkpoint folders (so nothing is written into the course), and
``--LabApp.expose_app_in_browser`` so that a notebook found modified on open can be compared with its file.
Autosave is off: the stored notebooks are opened, never saved; every request the pages send is watched and a
write to the contents API fails the check.

Checks, in one JupyterLab and one Debian Chromium (never a downloaded browser: ``executable_path``):

* **each lesson** 00-08, opened as stored one after the other in one JupyterLab page (each closed unsaved and
  its kernel shut down before the next), kernel started and idle: every cell renders, the stored plotly figures
  and the formulas draw, no cell shows error or stderr output, no widget shows "Error displaying widget" or "Model not
  found", the notebook is **not marked modified** (the tab has no ``jp-mod-dirty``; when it has, the live model
  is compared with the file and the difference is reported), every glossary link points to the course's GitHub
  address (``utils.notebook.glossary_url``), and Korean text and emoji are drawn with **real glyphs**: each
  character is drawn on a canvas in its element's computed font and compared with U+E000 and U+10FFFD, code
  points no font has (identical pixels mean a .notdef box). One screenshot per lesson.
* **a glossary link** in lesson 01 is clicked. It opens a new tab at the course's GitHub address. The machine
  is offline and the repository not published, so **GitHub is stood in for**: requests for that address are
  answered with a local rendering of docs/glossary.md whose heading ids follow GitHub's slug rule
  (``github_slug`` in tests/test_links.py). The new tab's URL must carry the term's anchor and the heading with
  that id must be scrolled into view.
* **a run of lesson 01**, in the page that opened it: clear every stored output, *Run All Cells*, wait until
  every cell ran and the kernel is idle, check the charts and widgets are drawn, press the panel's Generate
  button and wait for its answer.
* **RISE**: lesson 01 presented as docs/presenting.md says, *View* -> *Render as Reveal Slideshow*. RISE saves
  the notebook first, so this runs on a throw-away copy of the course in a second JupyterLab. Slides are drawn
  (one per ``slide`` cell) and presenter-notes cells (``slide_type: notes``) are not shown on them. Reported,
  not checked: what RISE's speaker-notes window (T) shows, and whether its page could load the widget manager.
* **exported slides**: lesson 01 exported by scripts/export_slides.py (with its JavaScript libraries, so it
  works offline) is opened; no slide is wider than reveal.js's slide, and nothing in it is cut off (an element
  whose content is wider than its box must scroll, not clip); presenter notes are speaker notes, never on the
  slides, and the speaker view (S) shows them without the learners' fold. Screenshots of slides 2 and 3 and
  of the speaker view.
* **the Korean edition**: lesson 01 of notebooks/ko/ is opened like the English lessons (its glossary links go to
  docs/ko/glossary.md) and its Korean text must be drawn with real glyphs; its exported slides (a ``lang="ko"``
  page in exports/slides/ko/) are measured like lesson 01's, and the Korean text on them is drawn with real
  glyphs too.

``tests/test_browser.py`` runs this; ``bash scripts/install_browser_test.sh`` installs what it needs.
Exit status: 0 when every check passed, 1 when one failed, 2 when Chromium or Playwright is missing.
"""
from __future__ import annotations

import argparse
import functools
import html
import http.server
import importlib.util
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
ARTIFACTS = ROOT / "test-artifacts"
NOTEBOOKS = ROOT / "notebooks"
START_NOTEBOOK = "notebooks/00_start_here.ipynb"    # what setup.sh opens, and so the server's root folder
RUN_LESSON = "01_what_an_llm_does.ipynb"            # run in the browser, its widget pressed, shown with RISE
GLOSSARY_LESSON = "01_what_an_llm_does.ipynb"       # a glossary link clicked
SLIDES_LESSON = "01_what_an_llm_does.ipynb"         # exported to reveal.js slides and measured
KOREAN_LESSON = "ko/01_what_an_llm_does.ipynb"      # the Korean edition: opened like the others, and its slides
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
# The machine may have no network: without these, Chromium keeps trying to reach Google's services.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Fonts the course needs on Linux (README): Korean (lesson 01's centrepiece) and colour emoji (exercise feedback).
FONT_CHECKS = {"a Korean font (fonts-nanum or fonts-noto-cjk)": "ac00",
               "an emoji font (fonts-noto-color-emoji)": "274c"}
PLOTLY_MIME = "application/vnd.plotly.v1+json"
FIGURES_DRAWN_JS = "[...document.querySelectorAll('.jp-NotebookPanel .js-plotly-plot')].filter(p => p.querySelector('.main-svg')).length"
MATH = re.compile(r"\$[^$\n]+\$")
WIDGET_ERRORS = ("Error displaying widget", "Model not found")
WRITE_METHODS = ("PUT", "PATCH", "POST", "DELETE")


class Missing(RuntimeError):
    """Chromium or Playwright is not installed."""


# --------------------------------------------------------------------------------------------------- reports
@dataclass
class LessonReport:
    notebook: str
    seconds: float = 0.0
    cells: int = 0
    cells_rendered: int = 0
    plotly_stored: int = 0
    plotly_drawn: int = 0
    math_stored: int = 0          # markdown cells with $...$
    math_drawn: int = 0           # MathJax formulas drawn
    widget_views: int = 0
    error_outputs: list = field(default_factory=list)
    widget_errors: list = field(default_factory=list)
    dirty: bool | None = None
    dirty_causes: list = field(default_factory=list)
    glossary_links: int = 0
    bad_glossary_links: list = field(default_factory=list)
    glyphs_checked: list = field(default_factory=list)     # "U+AC00 in <font>" for each character drawn
    box_glyphs: list = field(default_factory=list)         # the same, for characters drawn as .notdef boxes
    glyph_method_problem: str = ""
    screenshot: str = ""
    failure: str = ""                                      # the check could not finish: why

    def problems(self) -> list[str]:
        out = [self.failure] if self.failure else []
        if self.cells_rendered != self.cells:
            out.append(f"{self.cells_rendered} of {self.cells} cells rendered")
        if self.plotly_drawn < self.plotly_stored:
            out.append(f"{self.plotly_drawn} of {self.plotly_stored} stored plotly figures drawn")
        if self.math_stored and not self.math_drawn:
            out.append(f"{self.math_stored} markdown cells hold $...$ math but MathJax drew none")
        if self.error_outputs:
            out.append("error/stderr output: " + " | ".join(self.error_outputs))
        if self.widget_errors:
            out.append("widget errors: " + " | ".join(self.widget_errors))
        if self.bad_glossary_links:
            out.append("glossary links not at the course's GitHub address: " + ", ".join(self.bad_glossary_links))
        return out


@dataclass
class GlossaryReport:
    lesson: str = ""
    link_text: str = ""
    href: str = ""
    opened_url: str = ""
    anchor: str = ""
    heading: str = ""
    heading_box: dict = field(default_factory=dict)
    viewport: dict = field(default_factory=dict)
    scroll_y: float = 0.0
    in_view: bool = False
    stand_in_requests: int = 0
    screenshot: str = ""
    failure: str = ""


@dataclass
class RiseReport:
    lesson: str = ""
    url: str = ""
    seconds: float = 0.0
    slides: int = 0
    subslides: int = 0
    slide_cells: int = 0
    notes_cells: int = 0
    notes_asides: int = 0
    notes_visible: list = field(default_factory=list)
    skip_visible: int = 0
    speaker_view: str = ""        # what RISE's speaker-notes window (T) shows on that slide: reported, not checked
    widgets_unavailable: str = ""  # RISE's page could not load the ipywidgets manager: reported, not checked
    screenshots: list = field(default_factory=list)
    failure: str = ""


@dataclass
class RunReport:
    notebook: str = ""
    seconds: dict = field(default_factory=dict)
    code_cells: int = 0
    executed_cells: int = 0
    plotly_charts: int = 0
    widget_views: int = 0
    widget_answer: str = ""
    error_outputs: list = field(default_factory=list)
    screenshots: list = field(default_factory=list)
    failure: str = ""


@dataclass
class SlidesReport:
    lesson: str = ""
    seconds: float = 0.0
    slides: list = field(default_factory=list)      # {"h", "v", "scroll_width", "client_width", "cut": [...]}
    overflowing: list = field(default_factory=list)
    notes_asides: int = 0
    notes_cells: int = 0
    notes_with_fold: int = 0
    notes_visible: int = 0
    speaker_view_notes: str = ""                     # what the speaker view (S) shows on the first notes slide
    expected_notes: str = ""                         # the notes cell there, unfolded
    screenshots: list = field(default_factory=list)
    glyphs_checked: list = field(default_factory=list)   # as in LessonReport, for the slides' text
    box_glyphs: list = field(default_factory=list)
    unavailable: str = ""                            # reveal.js could not be fetched (no network): why
    failure: str = ""


@dataclass
class CourseReport:
    jupyterlab_command: list = field(default_factory=list)
    server_root: list = field(default_factory=list)   # names at the server's root (README's way: notebooks/)
    chromium: str = ""
    versions: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)
    cpu_seconds: float = 0.0      # CPU time of this process and everything it started (servers, kernels, Chromium)
    lessons: list = field(default_factory=list)
    glossary: GlossaryReport | None = None
    rise: RiseReport | None = None
    run: RunReport | None = None
    slides: SlidesReport | None = None
    korean_slides: SlidesReport | None = None
    writes: list = field(default_factory=list)        # requests that would have changed a file
    blocked: list = field(default_factory=list)       # requests to the outside world, refused
    console_errors: list = field(default_factory=list)
    screenshots: list = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"JupyterLab: {' '.join(self.jupyterlab_command)}", f"server root holds: {', '.join(self.server_root)}",
                 f"{self.chromium}; " + ", ".join(f"{k} {v}" for k, v in self.versions.items()),
                 "times: " + ", ".join(f"{k} {v:.1f} s" for k, v in self.seconds.items())
                 + f"; CPU time {self.cpu_seconds:.0f} s"]
        for r in self.lessons:
            lines.append(f"  {r.notebook}: {r.cells_rendered}/{r.cells} cells, {r.plotly_drawn}/{r.plotly_stored} figures,"
                         f" {r.math_drawn} formulas,"
                         f" {r.widget_views} widget views, {len(r.error_outputs)} error outputs, dirty={r.dirty},"
                         f" {r.glossary_links} glossary links, {len(r.glyphs_checked)} glyphs checked,"
                         f" {len(r.box_glyphs)} boxes, {r.seconds:.1f} s" + (f"; FAILED: {r.failure}" if r.failure else ""))
            for cause in r.dirty_causes:
                lines.append(f"      modified on open: {cause}")
        if self.glossary:
            g = self.glossary
            lines.append(f"  glossary: {g.link_text!r} -> {g.opened_url} heading {g.heading!r} box {g.heading_box}"
                         f" in view={g.in_view}" + (f"; FAILED: {g.failure}" if g.failure else ""))
        if self.rise:
            r = self.rise
            lines.append(f"  RISE {r.url}: {r.slides} slides, {r.subslides} subslides, {r.notes_asides} notes asides,"
                         f" visible notes {r.notes_visible}, speaker view (T): {r.speaker_view}, {r.seconds:.1f} s"
                         + (f"; widgets unavailable on slides: {r.widgets_unavailable}" if r.widgets_unavailable else "")
                         + (f"; FAILED: {r.failure}" if r.failure else ""))
        if self.run:
            r = self.run
            lines.append(f"  run {r.notebook}: {r.executed_cells}/{r.code_cells} cells, {r.plotly_charts} charts,"
                         f" {r.widget_views} widget views, answer {r.widget_answer[:50]!r}, {len(r.error_outputs)} errors, "
                         + ", ".join(f"{k} {v:.1f} s" for k, v in r.seconds.items())
                         + (f"; FAILED: {r.failure}" if r.failure else ""))
        for s in (x for x in (self.slides, self.korean_slides) if x):
            lines.append(f"  slides {s.lesson}: {len(s.slides)} slides measured, overflowing {s.overflowing},"
                         f" {s.notes_asides} speaker-notes asides, speaker view (S): {s.speaker_view_notes[:60]!r},"
                         f" {len(s.glyphs_checked)} glyphs checked, {len(s.box_glyphs)} boxes, {s.seconds:.1f} s"
                         + (f"; unavailable: {s.unavailable}" if s.unavailable else "")
                         + (f"; FAILED: {s.failure}" if s.failure else ""))
        lines.append(f"  writes: {self.writes or 'none'}; blocked outside requests: {len(self.blocked)}")
        if self.console_errors:
            lines.append(f"  browser console errors: {len(self.console_errors)} (first: {self.console_errors[0][:160]})")
        lines.append(f"  screenshots: {', '.join(self.screenshots)}")
        return "\n".join(lines)


# ----------------------------------------------------------------------------------------- what is installed
def find_chromium() -> str | None:
    env = os.environ.get("CHROMIUM")
    for candidate in ([env] if env else []) + list(CHROMIUM_CANDIDATES):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def missing_reason() -> str | None:
    """Why the browser check cannot run here, or None when it can."""
    problems = []
    if find_chromium() is None:
        problems.append("no Chromium at /usr/bin/chromium (set CHROMIUM=/path to use another)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("the Python package playwright is not installed")
    if problems:
        return "; ".join(problems) + ". Install both with: bash scripts/install_browser_test.sh"
    return None


def missing_fonts() -> str | None:
    """Which fonts the lessons need are not installed (fontconfig), or None. None too when fc-list is absent."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    missing = [name for name, codepoint in FONT_CHECKS.items()
               if not subprocess.run([fc_list, f":charset={codepoint}", "family"], capture_output=True,
                                     text=True).stdout.strip()]
    if missing:
        return ("no " + " and no ".join(missing) + " installed: Korean text and emoji show as boxes. Install them with"
                " bash scripts/install_browser_test.sh (as root) or: apt-get install fonts-nanum fonts-noto-color-emoji")
    return None


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("jupyterlab", "jupyterlab-rise", "playwright", "plotly", "ipywidgets"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


# ------------------------------------------------------------------------------------------- the processes
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _descendants(pid: int) -> list[int]:
    """Every process below pid (Linux /proc; kernels run in their own session, so a group kill misses them)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            ppid = int(text.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _kill(pids: list[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


@dataclass
class Lab:
    base: str
    token: str
    command: list
    log: Path

    def api(self, path: str, method: str = "GET"):
        req = urllib.request.Request(f"{self.base}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self) -> None:
        for session in self.api("/api/sessions"):
            self.api(f"/api/sessions/{session['id']}", method="DELETE")


@contextmanager
def jupyterlab(course: Path = ROOT, notebook: str = START_NOTEBOOK, timeout: float = 90):
    """Start JupyterLab the README's way from ``course``; yield a Lab; always shut it and its kernels down."""
    port, token = _free_port(), secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="course-lab-") as tmp:
        tmp = Path(tmp)
        settings = tmp / "settings" / "@jupyterlab"
        for name, values in {
            # Keep every cell in the DOM (the checks see all outputs, not only those on screen), and start the
            # notebook's kernel without asking.
            "notebook-extension/tracker": {"windowingMode": "none", "autoStartDefaultKernel": True},
            # No news or update checks (no network, no toast over the cells).
            "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
            # Never write a notebook back: the stored lessons are opened as they are.
            "docmanager-extension/plugin": {"autosave": False},
        }.items():
            path = settings / f"{name}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
                   JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"), JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
                   HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false", PYTHONUNBUFFERED="1")
        # setup.sh: `python -m jupyterlab [--allow-root] notebooks/00_start_here.ipynb`, from the course folder.
        cmd = [sys.executable, "-m", "jupyterlab", notebook,
               "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={token}",
               # JupyterLab copies each notebook it opens into .ipynb_checkpoints/ next to it: not in the course.
               f"--FileCheckpoints.checkpoint_dir={tmp / 'checkpoints'}",
               # window.jupyterapp: lets the check say *what* changed when a notebook is marked modified.
               "--LabApp.expose_app_in_browser=True"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")  # as setup.sh does: containers and CI often run as root
        log_path = tmp / "jupyterlab.log"
        log = open(log_path, "w+")
        server = subprocess.Popen(cmd, cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        lab = Lab(f"http://127.0.0.1:{port}", token, [Path(sys.executable).name, *cmd[1:]], log_path)
        lab.command = [c.replace(token, "<token>").replace(str(tmp), "<tmp>") for c in lab.command]
        try:
            deadline = time.monotonic() + timeout
            while True:
                if server.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"JupyterLab exited with {server.returncode}:\n{log.read()[-3000:]}")
                try:
                    lab.api("/api/status")
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"JupyterLab did not answer on {lab.base} within {timeout:.0f} s")
                    time.sleep(0.3)
            yield lab
        finally:
            family = _descendants(server.pid)
            try:  # graceful: the server shuts its kernels down, then itself
                lab.api("/api/shutdown", method="POST")
                server.wait(timeout=20)
            except Exception:
                pass
            family = sorted(set(family + _descendants(server.pid)))
            if server.poll() is None:
                try:
                    os.killpg(server.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                try:
                    server.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
                    server.wait(timeout=10)
            _kill(family, signal.SIGTERM)
            time.sleep(0.5)
            _kill([p for p in family if Path(f"/proc/{p}").exists()], signal.SIGKILL)
            log.close()


@contextmanager
def chromium(viewport=(1400, 1000)):
    """Headless Debian Chromium with a fresh profile; the page may reach only 127.0.0.1. Always closed.

    Yields (context, blocked): ``blocked`` lists the outside addresses the pages asked for (each refused).
    """
    executable = find_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise Missing(missing_reason()) from exc
    if executable is None:
        raise Missing(missing_reason())
    blocked: list[str] = []

    def refuse(route):
        blocked.append(route.request.url[:200])
        route.abort()

    with tempfile.TemporaryDirectory(prefix="course-chromium-") as profile, sync_playwright() as pw:
        # launch_persistent_context passes --user-data-dir=<fresh folder>; the flags keep it off the network.
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=executable, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": viewport[0], "height": viewport[1]})
        try:
            context.route(re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)[:/]|data:|blob:|about:).*"), refuse)
            yield context, blocked
        finally:
            context.close()


@contextmanager
def static_server(folder: Path):
    """Serve a folder on 127.0.0.1 (a thread); yield its base URL."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# ------------------------------------------------------------------------------------------- GitHub stand-in
def _github_slug():
    """GitHub's heading-anchor rule, from tests/test_links.py (one definition for the link test and this one)."""
    spec = importlib.util.spec_from_file_location("_course_test_links", ROOT / "tests" / "test_links.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.github_slug


def glossary_page() -> tuple[str, list[str], list[str]]:
    """docs/glossary.md as HTML, each heading with the id GitHub gives it; every id in the page, in order (the
    headings' and the explicit ``<a id=...>`` anchors the glossary adds for other names of a term); and the
    headings' ids alone.

    GitHub itself prefixes ids with ``user-content-`` and scrolls with a script; a plain id makes the browser do
    the same scroll, which is what a learner sees.
    """
    import mistune

    slug = _github_slug()
    seen: dict[str, int] = {}
    ids: list[str] = []

    class Renderer(mistune.HTMLRenderer):
        def heading(self, text, level, **attrs):
            base = slug(html.unescape(re.sub(r"<[^>]+>", "", text)))
            n = seen.get(base, 0)
            seen[base] = n + 1
            anchor = base if n == 0 else f"{base}-{n}"   # GitHub numbers repeated headings
            ids.append(anchor)
            return f'<h{level} id="{html.escape(anchor)}">{text}</h{level}>\n'

    body = mistune.create_markdown(renderer=Renderer(escape=False), plugins=["table", "strikethrough"])(
        (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8"))
    every_id = re.findall(r"""\bid=["']([^"']+)["']""", body)
    page = ("<!doctype html><html><head><meta charset='utf-8'><title>glossary.md (stand-in for GitHub)</title>"
            "<style>body{font-family:sans-serif;max-width:900px;margin:2em auto;line-height:1.5}</style></head>"
            f"<body><p><em>Local stand-in for the course's GitHub page (tests only).</em></p>{body}</body></html>")
    return page, every_id, ids


# ------------------------------------------------------------------------------------------- in-page helpers
GLYPH_CHECK_JS = r"""
(selector) => {
  const root = document.querySelector(selector) || document.body;
  // Hangul (jamo, compatibility jamo, syllables) and characters drawn as emoji by default.
  const pattern = /[\u1100-\u11FF\u3130-\u318F\uA960-\uA97F\uAC00-\uD7AF\uD7B0-\uD7FF]|\p{Emoji_Presentation}/gu;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const groups = new Map();
  let node;
  while ((node = walker.nextNode())) {
    const found = node.nodeValue.match(pattern);
    if (!found) continue;
    const cs = getComputedStyle(node.parentElement);
    const font = `${cs.fontStyle} ${cs.fontWeight} 32px ${cs.fontFamily}`;
    if (!groups.has(font)) groups.set(font, new Set());
    found.forEach(c => groups.get(font).add(c));
  }
  const canvas = document.createElement('canvas');
  canvas.width = 56; canvas.height = 56;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const draw = (ch, font) => {
    ctx.clearRect(0, 0, 56, 56);
    ctx.font = font; ctx.textBaseline = 'middle'; ctx.fillStyle = '#000';
    ctx.fillText(ch, 4, 28);
    const d = ctx.getImageData(0, 0, 56, 56).data;
    let s = '', ink = 0;
    for (let i = 3; i < d.length; i += 4) { s += String.fromCharCode(d[i]); if (d[i]) ink++; }
    return {s, ink};
  };
  const results = [];
  let method = '';
  for (const [font, chars] of groups) {
    // U+E000 and U+10FFFD: private-use code points no installed font draws. Both give the font's .notdef box.
    const refs = ['\uE000', '\u{10FFFD}'].map(c => draw(c, font));
    if (refs[0].s !== refs[1].s) method = `the two missing-glyph references differ in ${font}`;
    for (const ch of chars) {
      const p = draw(ch, font);
      results.push({font, ch, cp: 'U+' + ch.codePointAt(0).toString(16).toUpperCase().padStart(4, '0'),
                    box: p.ink === 0 || refs.some(r => r.s === p.s)});
    }
  }
  return {results, method};
}
"""

DIRTY_JS = r"""
() => {
  const app = window.jupyterapp;
  const widget = app && app.shell.currentWidget;
  const tab = document.querySelector('.lm-DockPanel-tabBar .lm-TabBar-tab.jp-mod-current');
  return {
    tab: tab ? tab.classList.contains('jp-mod-dirty') : null,
    model: widget && widget.context ? widget.context.model.dirty : null,
    json: widget && widget.context ? JSON.stringify(widget.context.model.toJSON()) : null,
  };
}
"""


def _norm(value):
    """Notebook JSON with multi-line strings joined (the file stores lists of lines, the live model strings)."""
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    if isinstance(value, list):
        if value and all(isinstance(v, str) for v in value):
            return "".join(value)
        return [_norm(v) for v in value]
    return value


def _short(value, n: int = 90) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= n else text[:n] + "..."


def dirty_causes(stored: dict, live: dict) -> list[str]:
    """What the live notebook model has that the file does not, in words."""
    stored, live = _norm(stored), _norm(live)
    causes = []
    for key in ("nbformat", "nbformat_minor"):
        if stored.get(key) != live.get(key):
            causes.append(f"{key}: {stored.get(key)} -> {live.get(key)}")
    meta_a, meta_b = stored.get("metadata", {}), live.get("metadata", {})
    for key in sorted(set(meta_a) | set(meta_b)):
        a, b = meta_a.get(key), meta_b.get(key)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict) and key != "widgets":
            for sub in sorted(set(a) | set(b)):
                if a.get(sub) != b.get(sub):
                    causes.append(f"metadata.{key}.{sub}: {_short(a.get(sub))} -> {_short(b.get(sub))}")
        else:
            causes.append(f"metadata.{key}: {_short(a)} -> {_short(b)}")
    cells_a, cells_b = stored.get("cells", []), live.get("cells", [])
    if len(cells_a) != len(cells_b):
        causes.append(f"{len(cells_a)} cells in the file, {len(cells_b)} in JupyterLab")
        return causes
    grouped: dict[str, list[int]] = {}
    for i, (a, b) in enumerate(zip(cells_a, cells_b)):
        # JupyterLab's model carries a "trusted" flag that it never writes: not a change.
        ma = {k: v for k, v in a.get("metadata", {}).items() if k != "trusted"}
        mb = {k: v for k, v in b.get("metadata", {}).items() if k != "trusted"}
        if ma != mb:
            grouped.setdefault(f"cell metadata {_short(ma, 60)} -> {_short(mb, 60)}", []).append(i)
        for key in ("source", "cell_type", "execution_count"):
            if a.get(key) != b.get(key):
                grouped.setdefault(f"{key} changed", []).append(i)
        outs_a, outs_b = a.get("outputs", []), b.get("outputs", [])
        if len(outs_a) != len(outs_b):
            grouped.setdefault(f"{len(outs_a)} outputs -> {len(outs_b)}", []).append(i)
            continue
        for oa, ob in zip(outs_a, outs_b):
            da, db = oa.get("data", {}), ob.get("data", {})
            for mime in sorted(set(db) - set(da)):
                origin = (" (jupyterlab-plotly's renderer stores a PNG snapshot of each figure it draws)"
                          if mime == "image/png" and PLOTLY_MIME in da else "")
                grouped.setdefault(f"output gained {mime}{origin}", []).append(i)
            for mime in sorted(set(da) - set(db)):
                grouped.setdefault(f"output lost {mime}", []).append(i)
            for mime in sorted(set(da) & set(db)):
                if da[mime] != db[mime]:
                    grouped.setdefault(f"output {mime} changed", []).append(i)
            if oa.get("metadata", {}) != ob.get("metadata", {}):
                grouped.setdefault("output metadata changed", []).append(i)
    for what, cells in grouped.items():
        causes.append(f"cells {', '.join(map(str, sorted(set(cells))))}: {what}")
    return causes


def _record_writes(page, writes: list) -> None:
    """Every request that would change a file through the contents API (save, rename, delete, new file)."""
    def on_request(request):
        if "/api/contents" in request.url and request.method in WRITE_METHODS:
            path = request.url.split("/api/contents", 1)[1].split("?", 1)[0]
            if request.method == "POST" and path.endswith("/checkpoints"):
                return   # JupyterLab's first checkpoint on open: it goes to the throw-away checkpoint folder
            writes.append(f"{request.method} {path}")
    page.on("request", on_request)


def _record_console(page, errors: list, where: str) -> None:
    def on_console(message):
        if message.type == "error" and "net::ERR_FAILED" not in message.text:   # refused outside requests
            errors.append(f"{where}: {message.text[:300]}")
    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"{where}: uncaught {exc}"[:300]))


def _menu(page, menu: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(menu)}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).click()


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _shot(page, path: Path, shots: list) -> str:
    page.screenshot(path=str(path))
    shots.append(_rel(path))
    return _rel(path)


# Close every document without saving (dispose skips the "save changes?" question).
CLOSE_ALL_JS = "() => { for (const w of [...window.jupyterapp.shell.widgets('main')]) w.dispose(); }"
KERNEL_IDLE_JS = r"""
(name) => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const kernel = w && w.context && w.context.path === name && w.sessionContext.session
                 && w.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle' && kernel.connectionStatus === 'connected';
}
"""


def _shot_name(name: str) -> str:
    """A screenshot's name for a lesson: ko/01_x.ipynb -> ko_01_x (the two editions' pictures side by side)."""
    return name.removesuffix(".ipynb").replace("/", "_")


def _language(name: str) -> str:
    """"ko" for a lesson of the Korean edition (ko/NN_x.ipynb), else "en"."""
    return name.split("/", 1)[0] if "/" in name else "en"


def _check_glyphs(page, root: str, report) -> str:
    """Draw every Korean and emoji character under ``root`` (GLYPH_CHECK_JS); record them and the boxes."""
    glyphs = page.evaluate(GLYPH_CHECK_JS, root)
    for r in glyphs["results"]:
        label = f"{r['cp']} {r['ch']} in {r['font'].split(' 32px ', 1)[-1][:60]}"
        report.glyphs_checked.append(label)
        if r["box"]:
            report.box_glyphs.append(label)
    return glyphs["method"]


def _open_lesson(context, lab: Lab, name: str, page, writes: list, console: list):
    """Open a stored lesson in JupyterLab: in a new page the first time, then in the same page (the lesson
    before is closed, never saved: a JupyterLab start per lesson would cost seconds each)."""
    if page is None:
        page = context.new_page()
        page.set_default_timeout(30_000)
        _record_writes(page, writes)
        _record_console(page, console, "JupyterLab")
        # ?reset: a fresh workspace, so only this lesson opens.
        page.goto(f"{lab.base}/lab/tree/{name}?reset&token={lab.token}")
    else:
        page.evaluate(CLOSE_ALL_JS)
        page.evaluate("(name) => window.jupyterapp.commands.execute('docmanager:open', {path: name, factory: 'Notebook'})",
                      name)
    page.wait_for_function("(name) => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
                           " return !!w && !!w.context && w.context.path === name; }", arg=name, timeout=60_000)
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
    return page


def _wait_lesson_kernel_idle(page, name: str, timeout: float) -> None:
    """Wait until the lesson's own kernel is connected and idle, accepting a kernel-choice dialog if one appears."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(KERNEL_IDLE_JS, name):
        dialog = page.locator(".jp-Dialog .jp-mod-accept")
        if dialog.count():
            dialog.first.click()
        if time.monotonic() > deadline:
            raise AssertionError(f"the kernel of {name} was not idle within {timeout:.0f} s")
        page.wait_for_timeout(200)


# ------------------------------------------------------------------------------------------------ the checks
def check_lesson(context, lab: Lab, name: str, page, artifacts: Path, writes: list, console: list,
                 shots: list) -> tuple[LessonReport, object]:
    """Open a stored lesson (in ``page`` if given), let its kernel start, and look at it; return the report
    and the page, left open for the caller."""
    from utils.notebook import glossary_url

    stored = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    report = LessonReport(notebook=name, cells=len(stored["cells"]))
    report.plotly_stored = sum(PLOTLY_MIME in out.get("data", {}) for c in stored["cells"] for out in c.get("outputs", []))
    report.math_stored = sum(bool(MATH.search("".join(c["source"]))) for c in stored["cells"] if c["cell_type"] == "markdown")
    t0 = time.monotonic()
    page = _open_lesson(context, lab, name, page, writes, console)
    try:
        _wait_lesson_kernel_idle(page, name, 90)
        page.wait_for_function(f"document.querySelectorAll('.jp-NotebookPanel .jp-Cell').length >= {report.cells}",
                               timeout=30_000)
        if report.plotly_stored:
            page.wait_for_function(f"{FIGURES_DRAWN_JS} >= {report.plotly_stored}", timeout=30_000)
        if report.math_stored:
            page.wait_for_function("document.querySelectorAll('.jp-NotebookPanel .jp-RenderedMarkdown mjx-container').length > 0",
                                   timeout=15_000)
        # What marks a notebook modified happens just after: kernel info (kernelspec, language_info), widget
        # state, a renderer writing to its output. Watch for a moment before deciding.
        state = page.evaluate(DIRTY_JS)
        for _ in range(8):
            if state["tab"] or state["model"]:
                break
            page.wait_for_timeout(250)
            state = page.evaluate(DIRTY_JS)
        report.dirty = bool(state["tab"] or state["model"])
        if report.dirty:
            report.dirty_causes = dirty_causes(stored, json.loads(state["json"])) if state["json"] else [
                "window.jupyterapp is not available: cannot compare with the file"]
        panel = page.locator(".jp-NotebookPanel").first
        report.cells_rendered = page.locator(".jp-NotebookPanel .jp-Cell").count()
        report.plotly_drawn = page.evaluate(FIGURES_DRAWN_JS)
        report.math_drawn = page.locator(".jp-NotebookPanel .jp-RenderedMarkdown mjx-container").count()
        report.widget_views = page.locator(".jp-NotebookPanel .jp-OutputArea-output .jupyter-widgets").count()
        errors = page.locator(".jp-NotebookPanel [data-mime-type='application/vnd.jupyter.stderr']")
        report.error_outputs = [e.inner_text()[:300] for e in errors.all()]
        text = panel.inner_text()
        report.widget_errors = [w for w in WIDGET_ERRORS if w in text]
        hrefs = page.eval_on_selector_all(".jp-NotebookPanel .jp-RenderedMarkdown a[href]",
                                          "els => els.map(a => a.getAttribute('href'))")
        glossary = [h for h in hrefs if "glossary" in h]
        own = glossary_url(language=_language(name))     # the Korean edition links docs/ko/glossary.md
        report.glossary_links = sum(h.startswith(own) for h in glossary)
        report.bad_glossary_links = [h for h in glossary if not h.startswith(own)]
        report.glyph_method_problem = _check_glyphs(page, ".jp-NotebookPanel", report)
        # The screenshot shows what the lesson is about: its Korean text, else its first chart, else its top.
        target = page.locator(".jp-NotebookPanel .jp-Cell", has_text=re.compile("[\uac00-\ud7a3]"))
        if not target.count():
            target = page.locator(".jp-NotebookPanel .js-plotly-plot")
        if target.count():
            target.first.scroll_into_view_if_needed()
            page.wait_for_timeout(200)
        report.screenshot = _shot(page, artifacts / f"browser_{_shot_name(name)}.png", shots)
    except Exception as exc:
        report.failure = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        try:
            _shot(page, artifacts / f"browser_{_shot_name(name)}_failure.png", shots)
        except Exception:
            pass
    report.seconds = time.monotonic() - t0
    return report, page


def click_glossary_link(context, page, name: str, anchors: list[str], artifacts: Path, shots: list) -> GlossaryReport:
    """Click the lesson's glossary link to the term furthest down the glossary; check the term shows."""
    from utils.notebook import glossary_url

    report = GlossaryReport(lesson=name)
    try:
        links = page.locator(f".jp-NotebookPanel .jp-RenderedMarkdown a[href^='{glossary_url('')}#']")
        candidates = [(anchors.index(h.split("#", 1)[1]) if h.split("#", 1)[1] in anchors else -1, i, h)
                      for i, h in enumerate(links.evaluate_all("els => els.map(a => a.getAttribute('href'))"))]
        if not candidates:
            raise AssertionError(f"{name} has no link to a glossary term")
        _, index, report.href = max(candidates)
        link = links.nth(index)
        report.link_text = link.inner_text()
        report.anchor = report.href.split("#", 1)[1]
        link.scroll_into_view_if_needed()
        with context.expect_page(timeout=15_000) as new_page:
            link.click()
        term = new_page.value
        term.wait_for_load_state("load")
        term.wait_for_timeout(300)
        report.opened_url = term.url
        found = term.evaluate("""(id) => {
            const el = document.getElementById(id);
            if (!el) return null;
            const r = el.getBoundingClientRect();
            return {heading: el.textContent.trim(), box: {top: r.top, bottom: r.bottom, left: r.left, right: r.right},
                    viewport: {width: innerWidth, height: innerHeight}, scrollY: scrollY};
        }""", report.anchor)
        if found is None:
            raise AssertionError(f"the page opened for {report.href} has no element with id {report.anchor!r}")
        report.heading, report.heading_box = found["heading"], found["box"]
        report.viewport, report.scroll_y = found["viewport"], found["scrollY"]
        box, view = report.heading_box, report.viewport
        # The browser scrolls the heading to the top edge (sub-pixel positions: allow a pixel).
        report.in_view = (-1 <= box["top"] and box["bottom"] <= view["height"] + 1
                          and -1 <= box["left"] and box["right"] <= view["width"] + 1)
        report.screenshot = _shot(term, artifacts / "browser_glossary_link.png", shots)
        term.close()
    except Exception as exc:
        report.failure = f"{type(exc).__name__}: {exc}"[:500]
    return report


@contextmanager
def course_copy(notebook: str):
    """A throw-away course folder: a copy of one lesson in notebooks/, links to utils/, assets/ and docs/."""
    with tempfile.TemporaryDirectory(prefix="course-copy-") as tmp:
        tmp = Path(tmp)
        for name in ("utils", "assets", "docs"):
            if (ROOT / name).exists():
                (tmp / name).symlink_to(ROOT / name, target_is_directory=True)
        (tmp / "notebooks").mkdir()
        shutil.copyfile(NOTEBOOKS / notebook, tmp / "notebooks" / notebook)
        yield tmp


RISE_SLIDES_JS = r"""
() => {
  const slides = [...document.querySelectorAll('.reveal .slides > section')];
  const asides = [...document.querySelectorAll('.reveal aside.notes')];
  const visible = el => { const r = el.getBoundingClientRect(); const cs = getComputedStyle(el);
                          return r.width > 0 && r.height > 0 && cs.display !== 'none' && cs.visibility !== 'hidden'; };
  return {slides: slides.length,
          subslides: slides.reduce((n, s) => n + s.querySelectorAll(':scope > section').length, 0),
          asides: asides.length,
          notes_visible: asides.filter(visible).map(a => a.innerText.trim().slice(0, 60)),
          skip_visible: [...document.querySelectorAll('.reveal .reveal-skip')].filter(visible).length,
          ready: document.querySelector('.reveal.ready') !== null};
}
"""


def _rise_speaker_view(context, page) -> str:
    """Press T (RISE's speaker notes) and say what the window shows. jupyterlab-rise 0.43.1's window opens with
    a timer but, here, neither the notes nor the slide previews: docs/presenting.md says so."""
    try:
        with context.expect_page(timeout=8_000) as popup:
            page.keyboard.press("t")
        window = popup.value
        window.wait_for_timeout(2_500)
        text = window.evaluate("() => { const n = document.querySelector('.speaker-controls-notes');"
                               " return n ? n.innerText : null; }")
        window.close()
        if text is None:
            return "a window without a notes area"
        text = re.sub(r"^\s*notes\s*", "", text, flags=re.I).strip()
        return f"notes: {text[:80]!r}" if text else "a window with an empty notes area"
    except Exception as exc:
        return f"no window ({type(exc).__name__})"


def check_rise(context, name: str, artifacts: Path, console: list, shots: list) -> RiseReport:
    """Present a lesson with RISE the way docs/presenting.md says: *View* -> *Render as Reveal Slideshow*.

    RISE saves the notebook before it draws the slideshow (and draws nothing while the notebook is marked
    modified), so this runs on a throw-away copy of the lesson in its own JupyterLab: never on the course.
    """
    stored = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    types = [c.get("metadata", {}).get("slideshow", {}).get("slide_type") for c in stored["cells"]]
    report = RiseReport(lesson=name, slide_cells=types.count("slide"), notes_cells=types.count("notes"))
    t0 = time.monotonic()
    with course_copy(name) as copy, jupyterlab(copy, f"notebooks/{name}") as lab:
        page = context.new_page()
        page.set_default_timeout(30_000)
        errors: list[str] = []
        _record_console(page, errors, f"RISE {name}")
        try:
            page.goto(f"{lab.base}/lab/tree/{name}?reset&token={lab.token}")
            page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
            page.locator(".jp-NotebookPanel .jp-Cell").first.click()    # RISE starts at the selected cell
            _menu(page, "View", "Render as Reveal Slideshow")
            frame_element = page.wait_for_selector("iframe[src*='/rise/']", timeout=30_000)
            report.url = frame_element.get_attribute("src").split("?", 1)[0]
            frame = frame_element.content_frame()
            frame.wait_for_selector(".reveal .slides > section", timeout=60_000)
            frame.wait_for_function("document.querySelector('.reveal.ready') !== null", timeout=30_000)
            page.wait_for_timeout(500)
            info = frame.evaluate(RISE_SLIDES_JS)
            report.slides, report.subslides = info["slides"], info["subslides"]
            report.notes_asides, report.skip_visible = info["asides"], info["skip_visible"]
            report.notes_visible = info["notes_visible"]
            _shot(page, artifacts / f"browser_rise_{_shot_name(name)}_1.png", report.screenshots)
            # Walk the deck in reading order to the first slide that holds notes: they must stay off it.
            frame.locator(".reveal").first.click(position={"x": 5, "y": 5})
            for _ in range(80):
                frame.page.keyboard.press("Space")
                page.wait_for_timeout(100)
                seen = frame.evaluate("""() => {
                    const s = [...document.querySelectorAll('.reveal .slides section.present')].pop();
                    if (!s) return null;
                    const a = [...s.querySelectorAll(':scope > aside.notes, :scope > * aside.notes')];
                    return {notes: a.length, shown: a.filter(e => e.getBoundingClientRect().height > 0).length}; }""")
                if seen and seen["notes"]:
                    if seen["shown"]:
                        report.notes_visible.append("a notes cell is drawn on its slide")
                    page.wait_for_timeout(600)   # the slide transition
                    _shot(page, artifacts / f"browser_rise_{_shot_name(name)}_notes_slide.png", report.screenshots)
                    report.speaker_view = _rise_speaker_view(context, page)
                    break
        except Exception as exc:
            report.failure = f"{type(exc).__name__}: {exc}"[:500]
            try:
                _shot(page, artifacts / f"browser_rise_{_shot_name(name)}_failure.png", report.screenshots)
            except Exception:
                pass
        finally:
            shots.extend(report.screenshots)
            page.close(run_before_unload=False)
    console.extend(errors)
    # jupyterlab-rise's page is its own small JupyterLab (4.3 here), which cannot load ipywidgets 8's manager
    # (jupyterlab-contrib/rise#119): a widget on a slide shows as text. Said in docs/presenting.md.
    found = [e for e in errors if "jupyterlab-manager" in e or "@jupyterlab/console" in e]
    report.widgets_unavailable = found[0].split("\n")[0][:160] if found else ""
    report.seconds = time.monotonic() - t0
    return report


def run_lesson(page, name: str, artifacts: Path, shots: list, min_plots: int = 3,
               run_timeout: float = 240) -> RunReport:
    """In a lesson open in ``page`` (kernel idle): clear the stored outputs, run all cells, check what they
    draw, press the widget panel's button and wait for its answer. The page is left modified, never saved."""
    report = RunReport(notebook=name)
    stem = _shot_name(name)
    t1 = time.monotonic()
    try:
        _menu(page, "Edit", "Clear Outputs of All Cells")
        # Nothing checked below may come from the stored run: no output, no execution count left.
        page.wait_for_function(
            """() => document.querySelectorAll('.jp-NotebookPanel .jp-OutputArea-output').length === 0
                && ![...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt')]
                      .some(p => /\\[\\d+\\]/.test(p.textContent))""")
        report.code_cells = page.locator(".jp-NotebookPanel .jp-CodeCell").count()
        t2 = time.monotonic()
        _menu(page, "Run", "Run All Cells")
        # Done when every code cell shows an execution count and the kernel is idle again.
        page.wait_for_function(
            """() => {
                const prompts = [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt')];
                const done = prompts.filter(p => /\\[\\d+\\]/.test(p.textContent)).length;
                const idle = [...document.querySelectorAll('.jp-StatusBar-TextItem')]
                               .some(t => /\\| Idle$/.test(t.textContent.trim()));
                return prompts.length > 0 && done === prompts.length && idle;
            }""", timeout=run_timeout * 1000, polling=500)
        report.seconds["run all cells"] = time.monotonic() - t2
        report.executed_cells = page.locator(
            ".jp-NotebookPanel .jp-CodeCell .jp-InputPrompt", has_text=re.compile(r"\[\d+\]")).count()
        page.wait_for_function(f"{FIGURES_DRAWN_JS} >= {min_plots}")
        report.plotly_charts = page.evaluate(FIGURES_DRAWN_JS)
        report.widget_views = page.locator(".jp-NotebookPanel .jp-OutputArea-output .jupyter-widgets").count()
        chart = page.locator(".jp-NotebookPanel .js-plotly-plot").first
        chart.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        _shot(page, artifacts / f"browser_{stem}_run.png", report.screenshots)
        button = page.locator(".jp-NotebookPanel button.widget-button").first
        button.scroll_into_view_if_needed()
        t3 = time.monotonic()
        button.click()
        output = page.locator(".jp-NotebookPanel .widget-output .jp-OutputArea-output").first
        output.wait_for(state="visible", timeout=60_000)
        page.wait_for_function("el => el.innerText.trim().length > 0", arg=output.element_handle())
        report.widget_answer = output.inner_text().strip()
        report.seconds["widget answer"] = time.monotonic() - t3
        _shot(page, artifacts / f"browser_{stem}_widget.png", report.screenshots)
        errors = page.locator(".jp-NotebookPanel [data-mime-type='application/vnd.jupyter.stderr']")
        report.error_outputs = [e.inner_text()[:500] for e in errors.all()]
    except Exception as exc:
        report.failure = f"{type(exc).__name__}: {exc}"[:500]
        try:
            _shot(page, artifacts / f"browser_{stem}_run_failure.png", report.screenshots)
        except Exception:
            pass
    finally:
        shots.extend(report.screenshots)
    report.seconds["total"] = time.monotonic() - t1
    return report


SLIDE_MEASURE_JS = r"""
() => {
  const s = Reveal.getCurrentSlide();
  const cut = [];
  for (const el of s.querySelectorAll('*')) {
    if (!(el instanceof HTMLElement) || el.closest('aside.notes')) continue;
    if (el.scrollWidth <= el.clientWidth + 1 || el.clientWidth === 0) continue;
    const ox = getComputedStyle(el).overflowX;
    if (ox === 'auto' || ox === 'scroll') continue;          // it scrolls sideways within the slide: fine
    if (ox === 'visible') {                                  // spills into its parent: fine inside a scroller
      let up = el.parentElement, held = false;
      while (up && up !== s && !held) {
        held = ['auto', 'scroll'].includes(getComputedStyle(up).overflowX);
        up = up.parentElement;
      }
      if (held) continue;
    }
    // Content wider than its box and not scrollable: clipped ('hidden', 'clip') or spilling ('visible').
    cut.push(`${el.tagName.toLowerCase()}.${[...el.classList].slice(0, 2).join('.')} ${el.scrollWidth}>${el.clientWidth} (${ox})`);
  }
  const box = s.getBoundingClientRect();
  const beyond = [...s.querySelectorAll('.jp-Cell')].filter(c => !c.closest('aside.notes'))
      .filter(c => c.getBoundingClientRect().right > box.right + 1).length;
  return {scroll_width: s.scrollWidth, client_width: s.clientWidth, cut: cut.slice(0, 5), beyond};
}
"""


def check_slides(context, name: str, artifacts: Path, console: list, shots: list) -> SlidesReport:
    """Export a lesson to reveal.js slides (offline libraries) and measure every slide in Chromium."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import export_slides

    report = SlidesReport(lesson=name)
    stored = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    notes = [export_slides.unfold_notes("".join(c["source"])) for c in stored["cells"]
             if c.get("metadata", {}).get("slideshow", {}).get("slide_type") == "notes"]
    report.notes_cells = len(notes)
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="course-slides-") as tmp:
        out = Path(tmp)
        # reveal.js and friends, fetched once from the npm registry into the export's usual place (git-ignored).
        cache = ROOT / "exports" / "slides" / "vendor"
        cache.mkdir(parents=True, exist_ok=True)
        (out / "vendor").symlink_to(cache, target_is_directory=True)
        if _language(name) != "en":      # a Korean lesson's slides go to out/ko/, beside their own vendor/
            (out / _language(name)).mkdir()
            (out / _language(name) / "vendor").symlink_to(cache, target_is_directory=True)
        try:
            (html_path,) = export_slides.export([NOTEBOOKS / name], out, offline=True)
        except export_slides.VendorUnavailable as exc:
            report.unavailable = str(exc)
            return report
        page = context.new_page()
        page.set_default_timeout(30_000)
        _record_console(page, console, f"slides {name}")
        try:
            with static_server(out) as base:
                page.goto(f"{base}/{html_path.relative_to(out)}")
                page.wait_for_selector(".reveal.ready", timeout=30_000)
                # The template loads reveal.js through require.js: fetch the module to drive it.
                page.evaluate("() => new Promise(ok => require(['vendor/reveal.js/dist/reveal.js'], R => { window.Reveal = R; ok(); }))")
                positions = page.evaluate("""() => Reveal.getHorizontalSlides().flatMap((s, h) => {
                    const subs = s.querySelectorAll(':scope > section');
                    return subs.length ? [...subs].map((_, v) => [h, v]) : [[h, 0]]; })""")
                for h, v in positions:
                    page.evaluate(f"Reveal.slide({h}, {v})")
                    page.wait_for_timeout(60)
                    m = page.evaluate(SLIDE_MEASURE_JS)
                    m.update(h=h, v=v)
                    report.slides.append(m)
                    if m["scroll_width"] > m["client_width"] + 1 or m["cut"] or m["beyond"]:
                        report.overflowing.append(f"slide {h + 1}.{v + 1}: {m['scroll_width']}/{m['client_width']} px"
                                                  + (f", cut off: {'; '.join(m['cut'])}" if m["cut"] else "")
                                                  + (f", {m['beyond']} cells past the right edge" if m["beyond"] else ""))
                    if v == 0 and h in (1, 2):          # slides 2 and 3: where code and a wide table ran off
                        page.wait_for_timeout(800)      # the slide transition
                        _shot(page, artifacts / f"slides_{_shot_name(name)}_slide{h + 1}.png", report.screenshots)
                method = _check_glyphs(page, ".reveal .slides", report)   # Korean and emoji text: real glyphs?
                if method:
                    report.failure = f"glyph check: {method}"
                asides = page.evaluate("""() => [...document.querySelectorAll('.reveal aside.notes')].map(a => ({
                    html: a.innerHTML, text: a.textContent, shown: a.getBoundingClientRect().height > 0 }))""")
                report.notes_asides = len(asides)
                report.notes_with_fold = sum("<details" in a["html"] or "<summary" in a["html"] for a in asides)
                report.notes_visible = sum(a["shown"] for a in asides)
                missing = [n[:40] for n in notes if not any(_words(n)[:6] == _words(a["text"])[:6] for a in asides)]
                if missing:
                    report.failure = f"presenter notes missing from the speaker notes: {missing}"
                # The speaker view (S) on the first slide with notes: a pop-up that shows them.
                if asides:
                    h, v = page.evaluate("""() => { const i = Reveal.getIndices(
                        document.querySelector('.reveal aside.notes').closest('section')); return [i.h, i.v || 0]; }""")
                    page.evaluate(f"Reveal.slide({h}, {v})")
                    report.expected_notes = asides[0]["text"].strip()
                    with context.expect_page(timeout=15_000) as popup:
                        page.keyboard.press("s")
                    speaker = popup.value
                    speaker.wait_for_function("() => { const n = document.querySelector('.speaker-controls-notes');"
                                              " return n && n.innerText.replace(/^\\s*notes\\s*/i, '').trim().length > 0; }",
                                              timeout=15_000)
                    report.speaker_view_notes = re.sub(r"^\s*notes\s*", "", speaker.evaluate(
                        "() => document.querySelector('.speaker-controls-notes').innerText"), flags=re.I).strip()
                    _shot(speaker, artifacts / f"slides_{_shot_name(name)}_speaker_view.png", report.screenshots)
                    speaker.close()
        except Exception as exc:
            report.failure = f"{type(exc).__name__}: {exc}"[:500]
        finally:
            shots.extend(report.screenshots)
            page.close()
    report.seconds = time.monotonic() - t0
    return report


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", re.sub(r"<[^>]+>|[*_`]", " ", text))


# --------------------------------------------------------------------------------------------------- driver
def lesson_files() -> list[str]:
    """Every English lesson, then one lesson of the Korean edition (the others share its code and set-up)."""
    return sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) + [KOREAN_LESSON]


def check_course(lessons: list[str] | None = None, *, run: bool = True, rise: bool = True, slides: bool = True,
                 artifacts: Path = ARTIFACTS) -> CourseReport:
    """Every check of the module docstring in one JupyterLab and one Chromium; failures are recorded, not raised."""
    lessons = lesson_files() if lessons is None else lessons
    artifacts.mkdir(parents=True, exist_ok=True)
    for old in [*artifacts.glob("browser_*.png"), *artifacts.glob("slides_*.png")]:   # only this run's pictures
        old.unlink()
    report = CourseReport(versions=_versions())
    page_html, anchors, _ = glossary_page()
    stand_in_hits: list[str] = []

    def github(route):
        stand_in_hits.append(route.request.url)
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=page_html)

    t0, cpu0 = time.monotonic(), _cpu_seconds()
    with jupyterlab() as lab, chromium() as (context, blocked):
        report.seconds["JupyterLab start"] = time.monotonic() - t0
        report.jupyterlab_command = lab.command
        report.server_root = sorted(item["name"] for item in lab.api("/api/contents")["content"])
        report.chromium = f"Chromium {context.browser.version}" if context.browser else "Chromium"
        from utils.notebook import glossary_url
        # Registered after the catch-all refusal, so it wins (Playwright tries the newest route first).
        context.route(re.compile("^" + re.escape(glossary_url()) + "(#.*)?$"), github)
        t1 = time.monotonic()
        page = None
        for name in lessons:
            try:
                lesson, page = check_lesson(context, lab, name, page, artifacts, report.writes,
                                            report.console_errors, report.screenshots)
            except Exception as exc:   # the page itself failed: record it, start the next lesson afresh
                lesson = LessonReport(notebook=name, failure=f"{type(exc).__name__}: {exc}"[:500])
                if page is not None:
                    page.close(run_before_unload=False)
                page = None
            report.lessons.append(lesson)
            if name == GLOSSARY_LESSON and not lesson.failure:
                report.glossary = click_glossary_link(context, page, name, anchors, artifacts, report.screenshots)
                report.glossary.stand_in_requests = len(stand_in_hits)
            if name == RUN_LESSON and run and not lesson.failure:   # in the same page: its kernel is ready
                report.run = run_lesson(page, name, artifacts, report.screenshots)
                report.seconds["run lesson 01"] = report.run.seconds["total"]
            if page is not None:
                page.evaluate(CLOSE_ALL_JS)
            lab.shut_down_kernels()
        if page is not None:
            page.close(run_before_unload=False)   # never saved (a run leaves lesson 01 modified)
        report.seconds["open every lesson"] = time.monotonic() - t1 - report.seconds.get("run lesson 01", 0)
        if rise:
            report.rise = check_rise(context, RUN_LESSON, artifacts, report.console_errors, report.screenshots)
            report.seconds["RISE (copy)"] = report.rise.seconds
        if slides:
            report.slides = check_slides(context, SLIDES_LESSON, artifacts, report.console_errors, report.screenshots)
            report.seconds["exported slides"] = report.slides.seconds
            if KOREAN_LESSON in lessons:
                report.korean_slides = check_slides(context, KOREAN_LESSON, artifacts, report.console_errors,
                                                    report.screenshots)
                report.seconds["exported Korean slides"] = report.korean_slides.seconds
        report.blocked = sorted(set(blocked))
    report.seconds["total"] = time.monotonic() - t0
    report.cpu_seconds = _cpu_seconds() - cpu0
    return report


def _cpu_seconds() -> float:
    """User and system time of this process and of its finished children (and theirs, once reaped)."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def problems(report: CourseReport, fonts: bool = True) -> list[str]:
    """Every failed check, in words."""
    out = []
    for r in report.lessons:
        out += [f"{r.notebook}: {p}" for p in r.problems()]
        if r.dirty:
            out.append(f"{r.notebook}: marked modified on open: " + "; ".join(r.dirty_causes))
        if fonts and r.box_glyphs:
            out.append(f"{r.notebook}: drawn as boxes: " + ", ".join(r.box_glyphs[:8]))
    g = report.glossary
    if g is None or g.failure or not g.in_view or not g.opened_url.endswith("#" + g.anchor):
        out.append(f"glossary link: {g}")
    if report.rise and (report.rise.failure or report.rise.slides < 2 or report.rise.notes_visible):
        out.append(f"RISE: {report.rise}")
    if report.run and (report.run.failure or report.run.error_outputs or not report.run.widget_answer
                       or report.run.executed_cells != report.run.code_cells):
        out.append(f"run: {report.run}")
    for label, s in (("slides", report.slides), ("Korean slides", report.korean_slides)):
        if s and not s.unavailable and (s.failure or s.overflowing or s.notes_visible or s.notes_with_fold
                                        or not s.speaker_view_notes or (fonts and s.box_glyphs)):
            out.append(f"{label}: {s}")
    if report.writes:
        out.append(f"the pages wrote through the contents API: {report.writes}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lessons", nargs="*", help="lesson numbers to open, e.g. 00 01 (default: all)")
    parser.add_argument("--no-run", action="store_true", help="do not run lesson 01")
    parser.add_argument("--no-rise", action="store_true", help="do not open the RISE slideshow")
    parser.add_argument("--no-slides", action="store_true", help="do not export and measure the slides")
    args = parser.parse_args(argv)
    reason = missing_reason()
    if reason:
        print(f"Cannot run the browser check: {reason}", file=sys.stderr)
        return 2
    lessons = lesson_files()
    if args.lessons:
        lessons = [n for n in lessons if n[:2] in args.lessons or n in args.lessons]
    try:
        report = check_course(lessons, run=not args.no_run, rise=not args.no_rise, slides=not args.no_slides)
    except Exception:
        traceback.print_exc()
        return 1
    print(report.summary())
    fonts = missing_fonts()
    if fonts:
        print(f"Note: {fonts}")
    found = problems(report)
    for p in found:
        print(f"FAILED: {p}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
