"""The environment check of the start notebook: versions, hardware, and whether they fit requirements.txt."""
from __future__ import annotations

import platform
from importlib import metadata

from .paths import ROOT

KEY_PACKAGES = ["torch", "transformers", "accelerate", "gguf", "safetensors", "plotly", "ipywidgets", "pandas",
                "numpy", "peft", "jupyterlab", "nbval"]


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def environment_report():
    """A DataFrame: Python, the key packages' versions, and the hardware the lessons will run on."""
    import os

    import pandas as pd
    import torch

    rows = [("Python", platform.python_version())]
    rows += [(name, _version(name) or "not installed") for name in KEY_PACKAGES]
    rows.append(("CPU threads torch uses", str(torch.get_num_threads())))
    rows.append(("CPU cores", str(os.cpu_count())))
    if torch.cuda.is_available():
        rows.append(("GPU", torch.cuda.get_device_name(0)))
    else:
        rows.append(("GPU", "none: the lessons run on the CPU"))
    return pd.DataFrame(rows, columns=["item", "value"]).set_index("item")


def requirement_problems(requirements_file=None) -> list[str]:
    """Installed packages that fall outside the tested ranges of requirements.txt (empty list: all fine)."""
    from packaging.requirements import Requirement

    path = requirements_file or ROOT / "requirements.txt"
    problems = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        installed = _version(req.name)
        if installed is None:
            problems.append(f"{req.name} is not installed (wanted {req.specifier})")
        elif not req.specifier.contains(installed.split("+")[0], prereleases=True):
            problems.append(f"{req.name} {installed} is outside the tested range {req.specifier}")
    return problems


def check_requirements(requirements_file=None) -> bool:
    """Print whether every package is inside the tested range; return True when all are."""
    problems = requirement_problems(requirements_file)
    path = requirements_file or ROOT / "requirements.txt"
    count = sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.split("#", 1)[0].strip())
    if not problems:
        print(f"All {count} packages of requirements.txt are installed and inside their tested ranges.")
        return True
    print("Some packages differ from the tested set; the lessons may still run, but their outputs can differ:")
    for problem in problems:
        print("  -", problem)
    print("Fix: run  bash setup.sh --no-lab  (or, in Colab, the set-up cell at the top of each lesson).")
    return False
