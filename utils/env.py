"""The environment check of the start notebook: versions, hardware, and whether they fit the tested ranges.

It knows where it runs. On your machine it checks requirements.txt (what `bash setup.sh` installs). In Google
Colab it checks requirements-colab.txt (what the set-up cell installs there) and says which packages Colab keeps
at its own versions: the course does not replace Colab's torch, pandas, numpy, plotly or ipywidgets, and the
lessons were checked with them in an emulation of Colab's runtime (colab/ in the course's repository).
"""
from __future__ import annotations

import functools
import platform
import sys
from importlib import metadata
from pathlib import Path

from .i18n import tr
from .paths import ROOT

KEY_PACKAGES = ["torch", "transformers", "tokenizers", "accelerate", "gguf", "safetensors", "plotly", "ipywidgets",
                "pandas", "numpy", "peft", "jupyterlab", "nbval"]
COLAB_KEEPS = ["torch", "pandas", "numpy", "plotly", "ipywidgets"]
"""Packages Colab provides at its own versions; the set-up cell leaves them alone."""
LOCAL_ONLY = {"jupyterlab", "nbval"}
"""Packages only a local installation needs (Colab is its own notebook server; the tests do not run there)."""


def in_colab() -> bool:
    """True inside a Google Colab runtime (its kernel imports google.colab at start)."""
    return "google.colab" in sys.modules


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def requirement_files() -> list[Path]:
    """The requirement files that describe this environment: Colab's set-up cell, or `bash setup.sh`."""
    first = "requirements-colab.txt" if in_colab() else "requirements.txt"
    return [ROOT / first, ROOT / "requirements-nodeps.txt"]


def environment_report():
    """A DataFrame: where the lessons run, Python, the key packages' versions, and the hardware."""
    import os

    import pandas as pd
    import torch

    colab = in_colab()
    rows = [(tr("Running in"), "Google Colab" if colab else tr("your own Python environment")),
            ("Python", platform.python_version())]
    for name in KEY_PACKAGES:
        if colab and name in LOCAL_ONLY:
            continue
        value = _version(name) or tr("not installed")
        if colab and name in COLAB_KEEPS:
            value += tr(" (Colab's own)")
        rows.append((name, value))
    rows.append((tr("CPU threads torch uses"), str(torch.get_num_threads())))
    rows.append((tr("CPU cores"), str(os.cpu_count())))
    if torch.cuda.is_available():
        rows.append(("GPU", torch.cuda.get_device_name(0)))
    else:
        rows.append(("GPU", tr("none: the lessons run on the CPU")))
    return pd.DataFrame(rows, columns=["item", "value"]).set_index("item")


def _requirements(path: Path):
    from packaging.requirements import Requirement

    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            yield Requirement(line)


def requirement_problems(requirements_files=None) -> list[str]:
    """Installed packages that fall outside the tested ranges (empty list: all fine).

    Also catches a package upgraded after this Python session imported it (Colab's set-up cell upgrades
    transformers): the files on disk are new, the code in memory is old.
    """
    problems = []
    for path in requirements_files or requirement_files():
        for req in _requirements(Path(path)):
            installed = _version(req.name)
            if installed is None:
                problems.append(tr("{name} is not installed (wanted {specifier})", name=req.name, specifier=req.specifier))
            elif not req.specifier.contains(installed.split("+")[0], prereleases=True):
                problems.append(tr("{name} {installed} is outside the tested range {specifier}", name=req.name,
                                   installed=installed, specifier=req.specifier))
            else:
                module = sys.modules.get(req.name.replace("-", "_").lower())
                loaded = getattr(module, "__version__", None)
                if loaded and loaded != installed:
                    problems.append(tr("{name} {loaded} is loaded in this session, but {installed} is installed",
                                       name=req.name, loaded=loaded, installed=installed))
    return problems


def check_requirements(requirements_files=None) -> bool:
    """Print whether every package the course installs is inside its tested range; return True when all are."""
    files = [Path(p) for p in requirements_files] if requirements_files else requirement_files()
    problems = requirement_problems(files)
    count = sum(1 for path in files for _ in _requirements(path))
    names = functools.reduce(lambda a, b: tr("{first} and {second}", first=a, second=b), (p.name for p in files))
    colab = in_colab() and not requirements_files
    if colab:
        kept = ", ".join(f"{name} {_version(name)}" for name in COLAB_KEEPS)
        print(tr("Running in Google Colab. Colab keeps its own {kept}: the course does not replace them, and its "
                 "lessons were checked with them.", kept=kept))
    if not problems:
        print(tr("All {count} packages of {names} are installed and inside their tested ranges.", count=count, names=names))
        return True
    print(tr("Some packages differ from the tested set; the lessons may still run, but their outputs can differ:"))
    for problem in problems:
        print("  -", problem)
    if colab:
        print(tr("Fix: Runtime > Restart session, then run this lesson again from the top (the set-up cell installs "
                 "the tested versions; a restart makes Python load them)."))
    else:
        print(tr("Fix: run  bash setup.sh --no-lab  in the course folder, then restart the kernel."))
    return False
