#!/usr/bin/env python3
"""Export each lesson to reveal.js HTML slides in exports/slides/ (git-ignored).

    python scripts/export_slides.py                  # every notebook in notebooks/
    python scripts/export_slides.py --offline        # slides that work with no network at all (see below)
    python scripts/export_slides.py notebooks/01_what_an_llm_does.ipynb
    python scripts/export_slides.py notebooks/ko/*.ipynb     # the Korean edition, into exports/slides/ko/

Open ``exports/slides/NN_name.slides.html`` in a browser; arrow keys or space move on, ``S`` opens the speaker
view with the presenter notes, ``Esc`` shows the overview. This is how to present in Colab, which ignores slide
metadata (docs/presenting.md).

It runs ``jupyter nbconvert --to slides`` on a prepared copy of each notebook:

* cells keep their ``slideshow.slide_type`` (slide, subslide, fragment, ``-``, skip, notes); ``skip`` cells are
  left out and ``notes`` cells become ``<aside class="notes">``: reveal.js shows them only in the speaker view,
  and an extra style rule keeps them off the slides even if reveal.js's CSS fails to load;
* plotly figures are stored as ``application/vnd.plotly.v1+json``, which nbconvert cannot draw: each becomes an
  HTML div drawn by ``plotly.min.js``, copied next to the slides from the installed plotly package (offline);
* ipywidgets need a running kernel: their output becomes a short note saying to run the cell in JupyterLab or
  Colab (and the widget manager is not fetched from unpkg);
* a lesson of the Korean edition (notebooks/ko/) becomes ``exports/slides/ko/NN_name.slides.html``, a page marked
  ``lang="ko"`` (so the browser picks a Korean font) whose widget note is in Korean.

Offline or online: nbconvert's slides load reveal.js 4.0.2 (unpkg), require.js, jQuery and MathJax 2 (cdnjs)
from CDNs, so by default the slides need a network connection for everything but the plotly charts.
``--offline`` copies those four libraries into ``exports/slides/vendor/`` (fetched once from the npm registry over
HTTPS, no npm needed, each tarball checked against its pinned sha512; about 12 MB after trimming MathJax) and
points the slides at them; ``exports/slides/`` can then be zipped and opened anywhere from ``file://``.

The slides' style keeps everything inside reveal.js's 960 px slide: code at 15 px that wraps long lines, a
narrower prompt, wide tables in smaller type that scroll sideways within their output, figures 840 px wide
(tests/test_browser.py measures every slide of lesson 01 in Chromium).
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
OUT = ROOT / "exports" / "slides"

# The libraries nbconvert's reveal template loads, as npm packages: (name@version, the file the slides need from
# it, the tarball's sha512 as the npm registry publishes it in ``dist.integrity``). Fetched from the npm registry
# with plain HTTPS (no npm needed) and checked against these digests before anything is unpacked.
VENDOR = {
    "reveal.js": ("reveal.js@4.0.2", "dist/reveal.js",
                  "LWZSUenufF1gpD7npxJ7KfoQQFKgc1D6XrLTFgKlwWNP1BQ74hT48KONFWMAw+8R/QUeaScCLCLrBVHDfFIEiw=="),
    "requirejs": ("requirejs@2.1.10", "require.js",
                  "4JqdTihK3kOnT387LxCHuJZ/9QsKg2EIl7LmaW35PIyM4LwCI2jwyy4fy6pbY/ZZH2JoY/QEcb5PzULFPP6gcQ=="),
    "jquery": ("jquery@2.1.4", "dist/jquery.min.js",
               "wWR+eCq/T/Qt0NcFyM+QVho0ZVzWxFYANijmSMImXiM5mjr1aOaf4SF0eOEPc92bbK2L2vDpxw3lIszus7eO8Q=="),
    "mathjax": ("mathjax@2.7.7", "config/Safe.js",
                "OOl0B2/0tSJAtAZarXnQuLDBLgTNRqiI9VqHTQzPsxf4okT2iIpDrvaklK9x2QEMD1sDj4yRn11Ygci41DxMAQ=="),
}
NPM_REGISTRY = os.environ.get("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org").rstrip("/")
# MathJax 2 is 60 MB unpacked; the CommonHTML output with TeX fonts (woff) needs a few MB of it.
MATHJAX_KEEP = ("MathJax.js", "LICENSE", "config/TeX-AMS_CHTML-full.js", "config/Safe.js", "extensions/", "jax/input/TeX/",
                "jax/output/CommonHTML/", "jax/element/", "fonts/HTML-CSS/TeX/woff/", "localization/en/")

FIGURE_WIDTH = 840   # px: a 960 px slide less the 72 px prompt and the output's padding

_NOTE_STYLE = '<div style="border:1px dashed #999;padding:0.5em;font-size:0.6em;color:#555">'
WIDGET_NOTES = {"en": _NOTE_STYLE + "Interactive widget: run this cell in JupyterLab or Colab to use it.</div>",
                "ko": _NOTE_STYLE + "대화형 위젯입니다. JupyterLab이나 Colab에서 이 셀을 실행하면 쓸 수 있습니다.</div>"}

TEMPLATE_CONF = {"base_template": "reveal", "mimetypes": {"text/html": True}}
TEMPLATE = """{%- extends 'reveal/index.html.j2' -%}
{# The course draws no mermaid diagrams: do not import mermaid from a CDN. #}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_css -%}
{{ super() }}
<style>
/* Presenter notes belong to the speaker view (press S), never to the slides, even if reveal.css is missing. */
.reveal aside.notes, aside.notes { display: none !important; }
.reveal .plotly-graph-div { margin: 0 auto; }
/* Everything stays inside the 960 px wide slide (tests/test_browser.py measures it). nbconvert sets code at 19 px
   beside a 110 px prompt, so a long line was cut off at the editor's edge: smaller code, a narrower prompt, and
   long lines wrap. */
:root { --jp-code-font-size: 15px; --jp-cell-prompt-width: 72px; }
.reveal .jp-InputArea-editor, .reveal .jp-OutputArea-output { min-width: 0; max-width: 100%; }
.reveal div.highlight > pre, .reveal div.jp-OutputArea-output > pre, .reveal .jp-RenderedText pre {
  white-space: pre-wrap; overflow-wrap: anywhere; width: 100%; box-sizing: border-box; }
/* Wide tables (token tables, price lists): smaller type, cells on one line, and the output scrolls sideways
   within the slide when the table is still wider than it. */
.reveal .jp-OutputArea-output.jp-RenderedHTMLCommon { overflow-x: auto; overflow-y: hidden; }
.reveal .jp-RenderedHTMLCommon table { font-size: 14px; margin: 0; }
.reveal .jp-RenderedHTMLCommon th, .reveal .jp-RenderedHTMLCommon td { white-space: nowrap; padding: 0.2em 0.4em; }
/* Markdown may hold a long URL or inline code: break it rather than widen the slide. */
.reveal .jp-MarkdownOutput { overflow-wrap: anywhere; }
</style>
{%- endblock html_head_css -%}
"""


def _plotly_html(fig: dict, first: bool) -> str:
    import plotly.io as pio

    fig = json.loads(json.dumps(fig))
    layout = fig.setdefault("layout", {})
    # A hidden slide has no size to autosize to: draw at a fixed size, narrow enough for the slide beside a prompt.
    layout["width"] = min(layout.get("width") or FIGURE_WIDTH, FIGURE_WIDTH)
    layout.setdefault("height", 460)
    # The first figure loads plotly.min.js (copied next to the slides); the others reuse window.Plotly.
    return pio.to_html(fig, include_plotlyjs="directory" if first else False, full_html=False,
                       validate=False, default_width=f"{FIGURE_WIDTH}px", default_height="460px")


NOTES_FOLD = re.compile(r"^\s*<details[^>]*>\s*<summary>[^<]*</summary>\s*(.*?)\s*</details>\s*$", re.S)


def unfold_notes(source: str) -> str:
    """The text of a presenter-notes cell without the closed fold that keeps it out of learners' way."""
    match = NOTES_FOLD.match(source)
    return match.group(1) if match else source


def edition(path: Path) -> str:
    """"en" for notebooks/NN_x.ipynb, "ko" for notebooks/ko/NN_x.ipynb."""
    return path.parent.name if path.parent.name in WIDGET_NOTES else "en"


def prepare(nb: dict, language: str = "en") -> tuple[dict, dict]:
    """A copy of the notebook that nbconvert's reveal template can show; and what was changed."""
    nb = json.loads(json.dumps(nb))
    nb.get("metadata", {}).pop("widgets", None)   # no widget manager from unpkg: widgets are replaced below
    counts = {"plotly": 0, "widgets": 0, "notes": 0, "skip": 0}
    for cell in nb["cells"]:
        slide_type = cell.get("metadata", {}).get("slideshow", {}).get("slide_type")
        if slide_type in ("notes", "skip"):
            counts[slide_type] += 1
        if slide_type == "notes":  # in the speaker view the notes are shown open, without the learner's fold
            cell["source"] = unfold_notes("".join(cell.get("source", "")))
        for out in cell.get("outputs", []):
            data = out.get("data")
            if not data:
                continue
            if "application/vnd.plotly.v1+json" in data and "text/html" not in data:
                data["text/html"] = _plotly_html(data["application/vnd.plotly.v1+json"], counts["plotly"] == 0)
                counts["plotly"] += 1
            if "application/vnd.jupyter.widget-view+json" in data:
                del data["application/vnd.jupyter.widget-view+json"]
                data["text/html"] = WIDGET_NOTES[language]
                counts["widgets"] += 1
    return nb, counts


def _npm_fetch(spec: str, integrity: str, dest: Path, keep: tuple[str, ...] = ("",)) -> None:
    """Download an npm package's tarball from the registry, check its sha512, unpack the files under ``keep``."""
    name, version = spec.rsplit("@", 1)
    url = f"{NPM_REGISTRY}/{name}/-/{name.rsplit('/', 1)[-1]}-{version}.tgz"
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            data = response.read()
    except OSError as exc:
        raise VendorUnavailable(f"cannot fetch {spec} from {url}: {exc}") from exc
    digest = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != integrity:
        raise VendorUnavailable(f"{url}: sha512 {digest} differs from the pinned {integrity}")
    with tempfile.TemporaryDirectory() as tmp:
        tarball = Path(tmp) / "package.tgz"
        tarball.write_bytes(data)
        with tarfile.open(tarball) as tar:
            members = []
            for m in tar.getmembers():
                rel = m.name.split("/", 1)[1] if "/" in m.name else ""
                if not rel or not (m.isfile() or m.isdir()) or not rel.startswith(keep):
                    continue
                m.name = rel
                members.append(m)
            dest.mkdir(parents=True, exist_ok=True)
            tar.extractall(dest, members=members, filter="data")


class VendorUnavailable(RuntimeError):
    """The JavaScript libraries for --offline could not be fetched (no network) or did not match their digest."""


def ensure_vendor(out: Path) -> dict[str, str]:
    """Copy the template's JavaScript libraries into out/vendor once; return nbconvert options using them."""
    vendor = out / "vendor"
    for name, (spec, needed, integrity) in VENDOR.items():
        sibling = out.parent / "vendor" / name        # exports/slides/vendor, when exporting into exports/slides/ko
        if not (vendor / name / needed).is_file() and (sibling / needed).is_file():
            shutil.copytree(sibling, vendor / name, dirs_exist_ok=True)
        if not (vendor / name / needed).is_file():
            print(f"  fetching {spec} from the npm registry (once)")
            shutil.rmtree(vendor / name, ignore_errors=True)
            _npm_fetch(spec, integrity, vendor / name, MATHJAX_KEEP if name == "mathjax" else ("",))
    return {
        "SlidesExporter.reveal_url_prefix": "vendor/reveal.js",
        "SlidesExporter.require_js_url": "vendor/requirejs/require.js",
        "SlidesExporter.jquery_url": "vendor/jquery/dist/jquery.min.js",
        "SlidesExporter.mathjax_url": "vendor/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
    }


def export(notebooks: list[Path], out: Path = OUT, offline: bool = False) -> list[Path]:
    """Slides for each notebook: English lessons into ``out``, Korean ones into ``out/ko`` (each folder complete)."""
    written = []
    for language in dict.fromkeys(edition(p) for p in notebooks):
        group = [p for p in notebooks if edition(p) == language]
        written += _export(group, out if language == "en" else out / language, offline, language)
    return written


def _export(notebooks: list[Path], out: Path, offline: bool, language: str) -> list[Path]:
    import plotly

    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(Path(plotly.__file__).parent / "package_data" / "plotly.min.js", out / "plotly.min.js")
    options = ensure_vendor(out) if offline else {}
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        template_dir = tmp / "templates" / "course_reveal"
        template_dir.mkdir(parents=True)
        (template_dir / "conf.json").write_text(json.dumps(TEMPLATE_CONF))
        (template_dir / "index.html.j2").write_text(TEMPLATE)
        copies = []
        for path in notebooks:
            nb, counts = prepare(json.loads(path.read_text(encoding="utf-8")), language)
            copy = tmp / path.name
            copy.write_text(json.dumps(nb), encoding="utf-8")
            copies.append(copy)
            print(f"  {path.name}: {counts['plotly']} plotly figures, {counts['widgets']} widgets replaced, "
                  f"{counts['notes']} notes cells (speaker view only), {counts['skip']} skipped cells")
        cmd = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "slides", "--template", "course_reveal",
               f"--TemplateExporter.extra_template_basedirs={tmp / 'templates'}",
               "--SlidesExporter.reveal_scroll=True", f"--SlidesExporter.language_code={language}",
               "--output-dir", str(out), "--log-level", "WARN",
               *(f"--{key}={value}" for key, value in options.items()), *map(str, copies)]
        subprocess.run(cmd, check=True)
        written = [out / f"{p.stem}.slides.html" for p in notebooks]
    missing = [p for p in written if not p.is_file()]
    if missing:
        sys.exit(f"nbconvert wrote no slides for: {', '.join(p.name for p in missing)}")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to export (default: notebooks/*.ipynb and notebooks/ko/*.ipynb)")
    parser.add_argument("--offline", action="store_true",
                        help="copy reveal.js, require.js, jQuery and MathJax next to the slides (fetched once)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"output folder (default: {OUT.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    notebooks = [p.resolve() for p in args.notebooks] or [*sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")),
                                                          *sorted(NOTEBOOKS.glob("ko/[0-9][0-9]_*.ipynb"))]
    if not notebooks:
        sys.exit("no notebooks to export")
    print(f"Exporting {len(notebooks)} notebook(s) to {args.out}" + (" (offline)" if args.offline else ""))
    try:
        written = export(notebooks, args.out.resolve(), offline=args.offline)
    except VendorUnavailable as exc:
        sys.exit(f"--offline: {exc}")
    for path in written:
        print(f"  wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    if not args.offline:
        print("These slides load reveal.js, require.js, jQuery and MathJax from CDNs (network needed);"
              " add --offline for slides that work without one.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
