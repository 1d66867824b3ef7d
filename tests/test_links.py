"""Every internal link and every Colab badge points to something that exists.

Checked in README.md, CONTRIBUTING.md, docs/*.md and the markdown cells of every notebook:
- a relative link (markdown ``[text](path)``, ``![alt](path)``, ``[ref]: path``, HTML ``href``/``src``) names a
  file or folder that exists, relative to the file that contains it;
- a link with an anchor (``glossary.md#lora``, ``#recap``) names a heading of its target (GitHub's anchor rule
  for .md files; JupyterLab's or GitHub's for notebooks) or an explicit ``<a id=...>``/``<a name=...>``;
- a link to the course's own GitHub address (``utils.notebook.repo_url(path)``) is checked like a relative
  link: the file exists and the anchor is one of its headings;
- in a notebook, every link reaches its target from Colab too: files outside notebooks/ by their GitHub address
  (a notebook opened from colab.research.google.com cannot follow ``../docs/...``), and a link to another
  lesson comes with that lesson's Colab address on the same line (``utils.notebook.lesson_link``);
- the Korean edition (notebooks/ko/, docs/ko/, README.ko.md) links its own lessons (Korean Colab addresses) and
  its own glossary (docs/ko/glossary.md), never the English ones;
- every Colab address is ``utils.notebook.colab_url(file)`` for a notebook that exists, and the badge in a
  notebook's first cell opens that very notebook.
Links inside code (fenced blocks and `inline code`) are not links and are ignored.
"""
from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote

import pytest

from utils import COURSE_REPO
from utils.i18n import LANGUAGES
from utils.notebook import colab_url

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "notebooks" / "ko").glob("*.ipynb"))
MARKDOWN = [p for p in [ROOT / "README.md", ROOT / "README.ko.md", ROOT / "CONTRIBUTING.md",
                        *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "docs" / "ko").glob("*.md"))]
            if p.is_file()]
KOREAN = [p for p in MARKDOWN + NOTEBOOKS if "ko" in p.relative_to(ROOT).parts or p.name == "README.ko.md"]
DOCUMENTS = MARKDOWN + NOTEBOOKS

FENCE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", re.S | re.M)
INLINE_CODE = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.S)
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.M)
HTML_ATTR = re.compile(r"""<(?:a|img|source|link)\b[^>]*?\b(?:href|src)\s*=\s*["']([^"']+)["']""", re.I)
HTML_ANCHOR = re.compile(r"""<a\b[^>]*?\b(?:id|name)\s*=\s*["']([^"']+)["']""", re.I)
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.+?)\s*#*\s*$", re.M)
COLAB = re.compile(r"https?://colab\.research\.google\.com/[^\s)\"'<>]+")


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


@lru_cache(maxsize=None)
def markdown_of(path: Path) -> str:
    """The markdown text of a .md file, or of a notebook's markdown cells (one after the other)."""
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = [c for c in nb["cells"] if c["cell_type"] == "markdown"]
        return "\n\n".join("".join(c["source"]) for c in cells)
    return path.read_text(encoding="utf-8")


def without_code(text: str) -> str:
    return INLINE_CODE.sub("", FENCE.sub("", text))


def links_in(text: str) -> list[str]:
    text = without_code(text)
    return [m.group(1) for pattern in (INLINE_LINK, REFERENCE, HTML_ATTR) for m in pattern.finditer(text)]


def _heading_text(raw: str) -> str:
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", raw)          # [text](url) -> text
    text = re.sub(r"<[^>]+>", "", text)                              # inline HTML tags
    return text.replace("`", "").strip()


def github_slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = unicodedata.normalize("NFC", _heading_text(heading)).lower()
    text = "".join(ch for ch in text if ch.isalnum() or ch in " -_")
    return text.replace(" ", "-")


def jupyterlab_slug(heading: str) -> str:
    """JupyterLab's anchor for a heading in a notebook: the text with spaces as hyphens."""
    return _heading_text(heading).replace(" ", "-")


@lru_cache(maxsize=None)
def anchors_of(path: Path) -> frozenset[str]:
    text = without_code(markdown_of(path))
    anchors, seen = set(), {}
    for match in HEADING.finditer(text):
        slug = github_slug(match.group(2))
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        anchors.add(slug if n == 0 else f"{slug}-{n}")   # GitHub numbers repeated headings
        if path.suffix == ".ipynb":
            anchors.add(jupyterlab_slug(match.group(2)))
    anchors.update(m.group(1) for m in HTML_ANCHOR.finditer(markdown_of(path)))
    return frozenset(anchors)


def is_external(link: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", link)) or link.startswith("//")


REPO_BLOB = COURSE_REPO + "/blob/main/"


def broken_links(path: Path) -> list[str]:
    problems = []
    for link in links_in(markdown_of(path)):
        in_repo = link.startswith(REPO_BLOB)
        if is_external(link) and not in_repo:
            continue
        target, _, anchor = link.removeprefix(REPO_BLOB).partition("#")
        target = unquote(target.split("?", 1)[0])
        if in_repo:
            resolved = ROOT / target
        else:
            resolved = (path.parent / target).resolve() if target else path
        if not resolved.exists():
            problems.append(f"{link}: no file {target}")
            continue
        if anchor and resolved.is_file() and resolved.suffix in (".md", ".ipynb"):
            anchor = unquote(anchor)
            if anchor not in anchors_of(resolved) and anchor.lower() not in anchors_of(resolved):
                problems.append(f"{link}: no heading with anchor #{anchor} in {_rel(resolved)}")
    return problems


@pytest.mark.parametrize("path", DOCUMENTS, ids=_rel)
def test_relative_links_point_to_existing_files_and_headings(path):
    problems = broken_links(path)
    assert not problems, f"{_rel(path)} has broken links:\n  " + "\n  ".join(problems)


def _edition_prefix(path: Path) -> str:
    """"ko/" for a notebook of the Korean edition (its lessons' Colab addresses are notebooks/ko/...), else ""."""
    return f"{path.parent.name}/" if path.parent.name in LANGUAGES and path.parent.name != "en" else ""


def links_colab_cannot_follow(path: Path) -> list[str]:
    """Relative links in a notebook that lead nowhere when the notebook is opened in Colab."""
    problems, prefix = [], _edition_prefix(path)
    for line in without_code(markdown_of(path)).splitlines():
        for link in links_in(line):
            if is_external(link) or link.startswith("#"):
                continue
            target = link.partition("#")[0]
            if target.endswith(".ipynb") and "/" not in target:
                if colab_url(prefix + target) not in line:
                    problems.append(f"{link}: a link to another lesson needs its Colab address beside it "
                                    "(utils.notebook.lesson_link)")
            else:
                problems.append(f"{link}: Colab cannot follow it; use {REPO_BLOB}... (utils.notebook.repo_url)")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_rel)
def test_notebook_links_work_from_colab(path):
    problems = links_colab_cannot_follow(path)
    assert not problems, f"{_rel(path)} has links that go nowhere in Colab:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("path", DOCUMENTS, ids=_rel)
def test_colab_urls_open_existing_notebooks(path):
    problems = []
    for url in COLAB.findall(markdown_of(path)):
        if url.endswith("colab-badge.svg"):
            continue
        name = url.split("/blob/main/notebooks/", 1)[-1]
        if url != colab_url(name):
            problems.append(f"{url}: expected the form {colab_url(name)}")
        elif not (ROOT / "notebooks" / name).is_file():
            problems.append(f"{url}: notebooks/{name} does not exist")
    assert not problems, f"{_rel(path)} has Colab links that go nowhere:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_rel)
def test_each_notebook_badge_opens_itself(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    first = "".join(nb["cells"][0]["source"]) if nb["cells"] else ""
    urls = re.findall(r"\[!\[Open in Colab\]\([^)]*colab-badge\.svg\)\]\(([^)]+)\)", first)
    own = colab_url(_edition_prefix(path) + path.name)
    assert urls == [own], f"the first cell of {_rel(path)} must carry its own Colab badge, {own}; found {urls}"


@pytest.mark.parametrize("path", KOREAN, ids=_rel)
def test_the_korean_edition_links_its_own_lessons_and_glossary(path):
    text = without_code(markdown_of(path))
    english_glossary = [m for m in re.findall(r"[^\s(<\"']*glossary\.md[^\s)>\"']*", text) if "ko/glossary.md" not in m
                        and not (path.parent.name == "ko" and path.suffix == ".md" and m.startswith("glossary.md"))]
    assert not english_glossary, f"{_rel(path)} links the English glossary: {english_glossary[:5]}"
    english_lessons = [u for u in COLAB.findall(text) if "/notebooks/ko/" not in u and not u.endswith(".svg")]
    assert not english_lessons, f"{_rel(path)} opens English lessons in Colab: {english_lessons[:5]}"


def test_the_checker_itself():
    """The link, anchor and code rules on a small example."""
    text = ("See [a](docs/glossary.md#lora), ![img](assets/x.png), <a href=\"b.md\">b</a>, [c](https://x.org),\n"
            "`[not](a-link.md)` and\n```\n[nor](this.md)\n```\n[ref]: ../README.md\n")
    assert sorted(links_in(text)) == sorted(["docs/glossary.md#lora", "assets/x.png", "../README.md", "b.md",
                                             "https://x.org"])
    assert github_slug("LoRA") == "lora"
    assert github_slug("Open source AI (OSAID 1.0)") == "open-source-ai-osaid-10"
    assert github_slug("Chatbot Arena / Elo") == "chatbot-arena--elo"
    assert github_slug("`top-p` (nucleus sampling)") == "top-p-nucleus-sampling"
    assert jupyterlab_slug("1. Text becomes tokens") == "1.-Text-becomes-tokens"
    assert is_external("https://colab.research.google.com") and not is_external("docs/glossary.md")


def test_the_checker_finds_broken_links(tmp_path):
    (tmp_path / "b.md").write_text("# Why open weights\n\n## LoRA\n")
    doc = tmp_path / "a.md"
    doc.write_text("[ok](b.md#lora) [ok2](b.md#why-open-weights) [bad](b.md#qlora) [gone](missing.md)\n"
                   "[self](#top) <a id=\"top\"></a>\n")
    assert broken_links(doc) == ["b.md#qlora: no heading with anchor #qlora in b.md", "missing.md: no file missing.md"]


def test_the_checker_finds_links_that_colab_cannot_follow(tmp_path, monkeypatch):
    nb = tmp_path / "09_x.ipynb"
    cells = [{"cell_type": "markdown", "source": s, "metadata": {}} for s in (
        "[glossary](../docs/glossary.md#lora) and [ok](%sdocs/glossary.md#lora)" % REPO_BLOB,
        "[next](01_what_an_llm_does.ipynb) ([open in Colab](%s))" % colab_url("01_what_an_llm_does.ipynb"),
        "[bare](02_open_vs_closed.ipynb)",
    )]
    nb.write_text(json.dumps({"cells": cells}))
    assert [p.split(":")[0] for p in links_colab_cannot_follow(nb)] == ["../docs/glossary.md#lora",
                                                                         "02_open_vs_closed.ipynb"]
    doc = tmp_path / "a.md"
    doc.write_text(f"[term]({REPO_BLOB}docs/glossary.md#lora) [nope]({REPO_BLOB}docs/glossary.md#no-such-term)\n")
    assert broken_links(doc) == [f"{REPO_BLOB}docs/glossary.md#no-such-term: no heading with anchor "
                                 "#no-such-term in docs/glossary.md"]
