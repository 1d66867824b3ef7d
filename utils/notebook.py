"""What every lesson does right after its set-up cell: quiet libraries and readable tables.

``setup()`` prints nothing; it only changes settings, so stored outputs stay clean.
"""
from __future__ import annotations

import os
import warnings

from . import COURSE_REPO

CLONE_DIR = "open-vs-closed-llms"
"""Where the set-up cell clones the course in Colab: relative to the kernel's folder, which is /content there."""

SETUP_CELL = f"""\
# Set-up. In Colab: fetch the course and install what Colab lacks (once per session). Elsewhere: nothing to do.
import sys, subprocess, pathlib
if "google.colab" in sys.modules and not pathlib.Path("{CLONE_DIR}").is_dir():
    subprocess.run("git clone -q --depth 1 {COURSE_REPO}"
                   " && bash {CLONE_DIR}/scripts/colab_setup.sh", shell=True, check=True)
here = pathlib.Path.cwd()
sys.path.insert(0, str(next(p for p in [here, *here.parents, here / "{CLONE_DIR}"] if (p / "utils").is_dir())))
import utils.notebook
utils.notebook.setup()"""
"""The second cell of every English lesson, word for word (tests/test_notebook_hygiene.py checks it)."""

LANGUAGE_SPECIFIC = "language-specific"
"""The cell tag of a code cell that differs between the English and the Korean edition (the set-up cell, a Korean
prompt). Every other code cell is the same in both (tests/test_editions.py)."""


def setup_cell(language: str = "en") -> str:
    """The set-up cell of a lesson in ``language``: the English one, with ``setup(language=...)`` elsewhere."""
    return SETUP_CELL if language == "en" else SETUP_CELL.replace("setup()", f'setup(language="{language}")')


LESSON_WORDS = {
    "en": {"goal": "**Goal", "solution": "<summary>Solution</summary>", "recap": "## Recap",
           "exercise": "### Exercise", "next": "**Next:**", "notes": "Presenter notes", "open_in_colab": "open in Colab"},
    "ko": {"goal": "**목표", "solution": "<summary>풀이</summary>", "recap": "## 정리",
           "exercise": "### 연습 문제", "next": "**다음:**", "notes": "발표자 노트", "open_in_colab": "Colab에서 열기"},
}
"""The fixed words every lesson uses in each edition (tests/test_notebook_hygiene.py looks for them)."""


def colab_url(notebook_file: str) -> str:
    """The "Open in Colab" address of a notebook in this repository's main branch."""
    repo = COURSE_REPO.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{repo}/blob/main/notebooks/{notebook_file}"


def repo_url(path: str) -> str:
    """The address of a file of the course on GitHub (a notebook opened in Colab cannot follow relative links)."""
    return f"{COURSE_REPO}/blob/main/{path}"


def glossary_url(anchor: str = "", language: str = "en") -> str:
    """The address of the glossary, or of one of its terms (``glossary_url("lora")``); docs/ko/glossary.md in Korean."""
    path = "docs/glossary.md" if language == "en" else f"docs/{language}/glossary.md"
    return repo_url(path) + (f"#{anchor}" if anchor else "")


def lesson_link(notebook_file: str, title: str, language: str = "en") -> str:
    """A link to another lesson that works everywhere: the local file for JupyterLab, and the same lesson in Colab.

    In the Korean edition (``language="ko"``) both point to the Korean lesson, ``notebooks/ko/<notebook_file>``.
    """
    colab = colab_url(notebook_file if language == "en" else f"{language}/{notebook_file}")
    return f"[{title}]({notebook_file}) ([{LESSON_WORDS[language]['open_in_colab']}]({colab}))"


def colab_badge(notebook_file: str) -> str:
    """The markdown badge that opens the first cell of every lesson."""
    return f"[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(notebook_file)})"


def setup(seed: int = 0, language: str = "en") -> None:
    """Quiet progress bars and library chatter, fix the random seeds, widen pandas' columns, and choose the language
    of the helpers' sentences ("ko" in the Korean edition: utils.i18n)."""
    from .i18n import set_language

    set_language(language)
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import pandas as pd

    from .quiet import quiet_transformers

    pd.set_option("display.max_colwidth", 200)
    pd.set_option("display.width", 200)
    quiet_transformers()
    # torch prints this one when a lesson reads a config on a machine without a GPU; it says nothing useful here.
    warnings.filterwarnings("ignore", message=".*CUDA initialization.*")
    import random

    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch

        torch.manual_seed(seed)
    except ImportError:  # pragma: no cover
        pass
