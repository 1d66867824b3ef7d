#!/usr/bin/env python3
"""Run a lesson in a real browser: JupyterLab on 127.0.0.1 driven by headless Chromium (Playwright).

    python scripts/browser_check.py                                   # notebooks/01_what_an_llm_does.ipynb
    python scripts/browser_check.py notebooks/00_start_here.ipynb --no-widget --min-plots 0

Steps: start JupyterLab on loopback with a random token and throw-away settings; open the notebook in Debian's
Chromium (never a downloaded browser: ``executable_path``); clear every stored output, so nothing below can come
from the stored run; *Run All Cells* from the menu; wait until every code cell has run and the kernel is idle;
then check that plotly charts (``.js-plotly-plot``) and ipywidgets views are drawn, press the lesson's first
widget button and wait for its answer, and check that no cell shows an error or stderr output. Screenshots go
to ``test-artifacts/`` (git-ignored). JupyterLab, its kernels and Chromium are shut down in every case.

``tests/test_browser.py`` runs this; ``bash scripts/install_browser_test.sh`` installs what it needs.
Exit status: 0 when every check passed, 1 when one failed, 2 when Chromium or Playwright is missing.
"""
from __future__ import annotations

import argparse
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
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
DEFAULT_NOTEBOOK = "notebooks/01_what_an_llm_does.ipynb"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
# The machine may have no network: without these, Chromium keeps trying to reach Google's services.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class Missing(RuntimeError):
    """Chromium or Playwright is not installed."""


@dataclass
class Report:
    notebook: str
    seconds: dict = field(default_factory=dict)
    code_cells: int = 0
    executed_cells: int = 0
    plotly_charts: int = 0
    widget_views: int = 0
    widget_answer: str = ""
    error_outputs: list = field(default_factory=list)
    screenshots: list = field(default_factory=list)
    chromium: str = ""

    def summary(self) -> str:
        times = ", ".join(f"{k} {v:.1f} s" for k, v in self.seconds.items())
        return (f"{self.notebook}: {self.executed_cells}/{self.code_cells} code cells run, "
                f"{self.plotly_charts} plotly charts, {self.widget_views} widget views, "
                f"widget answer {self.widget_answer[:60]!r}, {len(self.error_outputs)} error/stderr outputs; "
                f"{times}; {self.chromium}; screenshots: {', '.join(self.screenshots)}")


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


@contextmanager
def jupyterlab(root: Path = ROOT, timeout: float = 90):
    """Start JupyterLab on 127.0.0.1 with a random token; yield (base_url, token); always shut it down."""
    port, token = _free_port(), secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="course-lab-") as tmp:
        tmp = Path(tmp)
        settings = tmp / "settings" / "@jupyterlab"
        (settings / "notebook-extension").mkdir(parents=True)
        (settings / "apputils-extension").mkdir(parents=True)
        (settings / "docmanager-extension").mkdir(parents=True)
        # Keep every cell in the DOM (the checks see all outputs, not only those on screen), and start the
        # notebook's kernel without asking; no news or update checks (no network, no toast over the cells).
        (settings / "notebook-extension" / "tracker.jupyterlab-settings").write_text(
            json.dumps({"windowingMode": "none", "autoStartDefaultKernel": True}))
        (settings / "apputils-extension" / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False}))
        # Never write the notebook back (the run below clears and re-creates its outputs).
        (settings / "docmanager-extension" / "plugin.jupyterlab-settings").write_text(json.dumps({"autosave": False}))
        env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
                   JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
                   JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), HF_HUB_OFFLINE="1",
                   TOKENIZERS_PARALLELISM="false", PYTHONUNBUFFERED="1")
        log = open(tmp / "jupyterlab.log", "w+")
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={root}", "--ServerApp.open_browser=False",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.extension_manager=readonly"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")  # containers and CI often run as root
        server = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if server.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"JupyterLab exited with {server.returncode}:\n{log.read()[-3000:]}")
                try:
                    with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"JupyterLab did not answer on {base} within {timeout:.0f} s")
                    time.sleep(0.5)
            yield base, token
        finally:
            family = _descendants(server.pid)
            try:  # graceful: the server shuts its kernels down, then itself
                req = urllib.request.Request(f"{base}/api/shutdown?token={token}", method="POST")
                urllib.request.urlopen(req, timeout=5).close()
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
def scratch_copy(notebook: str):
    """A throw-away course folder holding a copy of the notebook, so the run can never overwrite the real one.

    ``utils`` and ``assets`` are symbolic links to the course's own: the set-up cell finds ``utils`` from the
    notebook's folder, and ``utils.paths`` resolves the links back to this checkout.
    """
    with tempfile.TemporaryDirectory(prefix="course-copy-") as tmp:
        tmp = Path(tmp)
        for name in ("utils", "assets"):
            if (ROOT / name).exists():
                (tmp / name).symlink_to(ROOT / name, target_is_directory=True)
        target = tmp / notebook
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / notebook, target)
        yield tmp


@contextmanager
def chromium(viewport=(1400, 1000)):
    """Headless Debian Chromium with a fresh profile; the page may reach only 127.0.0.1. Always closed."""
    executable = find_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise Missing(missing_reason()) from exc
    if executable is None:
        raise Missing(missing_reason())
    with tempfile.TemporaryDirectory(prefix="course-chromium-") as profile, sync_playwright() as pw:
        # launch_persistent_context passes --user-data-dir=<fresh folder>; the flags keep it off the network.
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=executable, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": viewport[0], "height": viewport[1]})
        try:
            context.route(re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)[:/]|data:|blob:|about:).*"),
                          lambda route: route.abort())
            yield context
        finally:
            context.close()


def _wait_kernel_idle(page, timeout: float) -> None:
    """Wait until the status bar says the kernel is idle, accepting a kernel-choice dialog if one appears."""
    deadline = time.monotonic() + timeout
    status = page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| Idle$"))
    while status.count() == 0:
        dialog = page.locator(".jp-Dialog .jp-mod-accept")
        if dialog.count():
            dialog.first.click()
        if time.monotonic() > deadline:
            raise AssertionError(f"the kernel was not idle within {timeout:.0f} s")
        page.wait_for_timeout(250)


def _menu(page, menu: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(menu)}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).click()


def run_notebook(notebook: str = DEFAULT_NOTEBOOK, *, min_plots: int = 1, widget: bool = True,
                 run_timeout: float = 240, artifacts: Path = ARTIFACTS) -> Report:
    """Open, clear, run and check one notebook in JupyterLab; raise AssertionError when a check fails."""
    report = Report(notebook=notebook)
    stem = Path(notebook).stem
    artifacts.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    with scratch_copy(notebook) as root, jupyterlab(root) as (base, token):
        report.seconds["JupyterLab start"] = time.monotonic() - t0
        with chromium() as context:
            report.chromium = f"Chromium {context.browser.version}" if context.browser else "Chromium"
            page = context.new_page()
            page.set_default_timeout(30_000)
            try:
                t1 = time.monotonic()
                page.goto(f"{base}/lab/tree/{notebook}?token={token}")
                page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
                _wait_kernel_idle(page, 60)
                report.seconds["open notebook"] = time.monotonic() - t1
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
                if min_plots:
                    page.wait_for_function(
                        f"document.querySelectorAll('.jp-NotebookPanel .js-plotly-plot .main-svg').length >= {min_plots}")
                report.plotly_charts = page.locator(".jp-NotebookPanel .js-plotly-plot").count()
                report.widget_views = page.locator(".jp-NotebookPanel .jp-OutputArea-output .jupyter-widgets").count()
                errors = page.locator(".jp-NotebookPanel [data-mime-type='application/vnd.jupyter.stderr']")
                report.error_outputs = [e.inner_text()[:500] for e in errors.all()]
                if min_plots:
                    chart = page.locator(".jp-NotebookPanel .js-plotly-plot").first
                    chart.scroll_into_view_if_needed()
                    page.wait_for_timeout(300)
                    shot = artifacts / f"browser_{stem}.png"
                    page.screenshot(path=str(shot))
                    report.screenshots.append(str(shot.relative_to(ROOT) if shot.is_relative_to(ROOT) else shot))
                if widget:
                    button = page.locator(".jp-NotebookPanel button.widget-button").first
                    button.scroll_into_view_if_needed()
                    t3 = time.monotonic()
                    button.click()
                    output = page.locator(".jp-NotebookPanel .widget-output .jp-OutputArea-output").first
                    output.wait_for(state="visible", timeout=60_000)
                    page.wait_for_function("el => el.innerText.trim().length > 0", arg=output.element_handle())
                    report.widget_answer = output.inner_text().strip()
                    report.seconds["widget answer"] = time.monotonic() - t3
                    shot = artifacts / f"browser_{stem}_widget.png"
                    page.screenshot(path=str(shot))
                    report.screenshots.append(str(shot.relative_to(ROOT) if shot.is_relative_to(ROOT) else shot))
                    errors = page.locator(".jp-NotebookPanel [data-mime-type='application/vnd.jupyter.stderr']")
                    report.error_outputs = [e.inner_text()[:500] for e in errors.all()]
            except Exception:
                shot = artifacts / f"browser_{stem}_failure.png"
                try:
                    page.screenshot(path=str(shot))
                    report.screenshots.append(str(shot))
                except Exception:
                    pass
                raise
    report.seconds["total"] = time.monotonic() - t0
    problems = []
    if report.executed_cells != report.code_cells:
        problems.append(f"only {report.executed_cells} of {report.code_cells} code cells ran")
    if report.plotly_charts < min_plots:
        problems.append(f"{report.plotly_charts} plotly charts drawn, expected at least {min_plots}")
    if widget and not report.widget_views:
        problems.append("no ipywidgets view was drawn")
    if widget and not report.widget_answer:
        problems.append("the widget's button produced no output")
    if report.error_outputs:
        problems.append("cells show error or stderr output:\n" + "\n---\n".join(report.error_outputs))
    if problems:
        raise AssertionError("; ".join(problems) + f"\n{report.summary()}")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebook", nargs="?", default=DEFAULT_NOTEBOOK, help="path relative to the repository")
    parser.add_argument("--min-plots", type=int, default=1, help="plotly charts that must be drawn (default 1)")
    parser.add_argument("--no-widget", action="store_true", help="the notebook has no widget button to press")
    args = parser.parse_args(argv)
    reason = missing_reason()
    if reason:
        print(f"Cannot run the browser check: {reason}", file=sys.stderr)
        return 2
    try:
        report = run_notebook(args.notebook, min_plots=args.min_plots, widget=not args.no_widget)
    except AssertionError as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    print("OK:", report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
