"""Rebuild colab/colab-runtime.txt from Colab's published pip freeze (for maintainers, when Colab upgrades).

    python colab/refresh_pins.py --freeze pip-freeze.cpu.txt --commit a724079 --date 2026-08-19

The freeze is ``pip-freeze.cpu.txt`` of the public repository googlecolab/backend-info; ``--commit`` and
``--date`` name the commit it came from (they only go into the header). The script

1. takes the packages the lessons import (``TOP_LEVEL``), the kernel's own packages, and the packages Colab
   already has that ``requirements-colab.txt`` would use (so the set-up cell meets Colab's versions of them);
2. resolves their dependency closure for this Python with the whole freeze as constraints
   (``pip install --dry-run --ignore-installed --report``; nothing is installed);
3. where a pinned version has no wheel for this Python, uses the nearest version that has one, and says so;
4. writes every package of the closure at its resolved version, with a header that names the source and
   every deviation from Colab.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "colab" / "colab-runtime.txt"

TOP_LEVEL = [
    # what utils/, scripts/ and the notebooks import, and what transformers/peft load on the lessons' paths
    "torch", "transformers", "tokenizers", "huggingface_hub", "accelerate", "safetensors", "peft",
    "sentencepiece", "regex", "pandas", "numpy", "plotly", "ipywidgets", "tqdm", "filelock", "packaging",
    "PyYAML", "requests", "Jinja2", "psutil", "openai",
    # what `transformers serve` (lesson 08) imports besides transformers, torch, openai and pydantic
    "fastapi", "uvicorn", "starlette",
    # the kernel and its display machinery (Colab's kernel is IPython 7 on ipykernel 6)
    "ipykernel", "ipython", "jupyter_client", "traitlets", "widgetsnbextension",
    # the tools the set-up cell runs with: Colab's own pip and setuptools
    "pip", "setuptools", "wheel",
]

OVERRIDES = {
    # PyPI's torch 2.11 for Linux is the CUDA build (several GB); this machine holds the CPU wheel of 2.13.0.
    "torch": "2.13.0",
}
OVERRIDE_REASONS = {
    "torch": "PyPI's Linux torch 2.11 is a multi-GB CUDA build; the CPU wheel of 2.13.0 lies on this machine "
             "(pip takes it from local disk) and is what requirements.txt pins",
}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_freeze(path: Path) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """{canonical name: (spelling, version)} for ``name==version`` lines; {name: line} for direct URLs."""
    pinned, direct = {}, {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "==" in line:
            name, version = line.split("==", 1)
            pinned[canonical(name)] = (name.strip(), version.strip())
        elif " @ " in line:
            name = line.split(" @ ", 1)[0].strip()
            direct[canonical(name)] = line
    return pinned, direct


def url_version(line: str) -> str | None:
    """The version in a direct-URL freeze line (torch @ .../torch-2.11.0%2Bcpu-cp313-...whl -> 2.11.0+cpu)."""
    m = re.search(r"/[^/]+?-([0-9][^-]*?)-cp", line.replace("%2B", "+"))
    return m.group(1) if m else None


def pip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "pip", *args]
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if check and proc.returncode:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return proc


def resolve(requirements: list[str], constraints: dict[str, str] | None) -> tuple[dict | None, str]:
    """pip's dry-run resolution: ({canonical name: (name, version, requested)}, pip's output)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        args = ["install", "--dry-run", "--ignore-installed", "--report", str(report)]
        if constraints:
            cfile = Path(tmp) / "constraints.txt"
            cfile.write_text("".join(f"{n}=={v}\n" for n, v in constraints.items()), encoding="utf-8")
            args += ["-c", str(cfile)]
        proc = pip(*args, *requirements, check=False)
        if proc.returncode:
            return None, proc.stdout + proc.stderr
        data = json.loads(report.read_text(encoding="utf-8"))
    found = {}
    for item in data["install"]:
        meta = item["metadata"]
        found[canonical(meta["name"])] = (meta["name"], meta["version"], item.get("requested", False))
    return found, ""


def available_versions(name: str) -> list[str]:
    """Versions pip can install on this Python (``pip index versions`` filters by wheel tags)."""
    proc = pip("index", "versions", name, check=False)
    m = re.search(r"Available versions: (.*)", proc.stdout)
    return [v.strip() for v in m.group(1).split(",")] if m else []


def nearest(target: str, versions: list[str]) -> str | None:
    from packaging.version import InvalidVersion, Version

    def key(v: str):
        try:
            return Version(v)
        except InvalidVersion:
            return None

    t = Version(target)
    candidates = [(v, key(v)) for v in versions if key(v) is not None and not key(v).is_prerelease]
    if not candidates:
        return None
    older = [c for c in candidates if c[1] <= t]
    # the newest release not newer than Colab's; if none installs, the oldest newer one
    return max(older, key=lambda c: c[1])[0] if older else min(candidates, key=lambda c: c[1])[0]


def requirements_colab_names() -> list[str]:
    from packaging.requirements import Requirement

    names = []
    path = ROOT / "requirements-colab.txt"
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                names.append(Requirement(line).name)
    return names


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--freeze", type=Path, required=True, help="Colab's pip-freeze.cpu.txt")
    parser.add_argument("--commit", required=True, help="googlecolab/backend-info commit the freeze comes from")
    parser.add_argument("--date", required=True, help="that commit's date, YYYY-MM-DD")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    freeze, direct = read_freeze(args.freeze)
    colab_python = None
    for line in args.freeze.read_text(encoding="utf-8").splitlines():
        m = re.search(r"-cp3(\d+)-cp3\1-", line)
        if m:
            colab_python = f"3.{m.group(1)}"
            break

    # 1. the names: the lessons' imports, the kernel, and what requirements-colab.txt needs that Colab has
    colab_req = requirements_colab_names()
    print(f"resolving what requirements-colab.txt needs ({', '.join(colab_req)}) ...", flush=True)
    colab_req_canon = {canonical(n) for n in colab_req}
    # Colab's versions of everything but what requirements-colab.txt names; if that does not resolve (the
    # set-up cell would then upgrade some of Colab's packages), only the overrides: only the names matter here.
    needed, output = resolve(["-r", str(ROOT / "requirements-colab.txt")],
                             {**{s: v for c, (s, v) in freeze.items() if c not in colab_req_canon}, **OVERRIDES})
    if needed is None:
        needed, output = resolve(["-r", str(ROOT / "requirements-colab.txt")], dict(OVERRIDES))
    if needed is None:
        sys.stderr.write(output)
        raise SystemExit("requirements-colab.txt does not resolve on this Python")
    extra = sorted(n for n in needed if n in freeze and n not in colab_req_canon
                   and n not in {canonical(t) for t in TOP_LEVEL})
    names = list(dict.fromkeys([*TOP_LEVEL, *(freeze[n][0] for n in extra)]))
    missing = [n for n in names if canonical(n) not in freeze and canonical(n) not in direct]
    if missing:
        raise SystemExit(f"not in Colab's freeze: {', '.join(missing)} (edit TOP_LEVEL in {__file__})")

    # 2. the closure, with the whole freeze as constraints (direct-URL lines cannot be constraints)
    constraints = {spelling: version for spelling, version in freeze.values()}
    constraints = {n: v for n, v in constraints.items() if canonical(n) not in {canonical(o) for o in OVERRIDES}}
    constraints.update(OVERRIDES)
    relaxed: dict[str, tuple[str, str, str]] = {}  # canonical name -> (Colab's version, used version, why)
    for attempt in range(20):
        print(f"resolving the closure of {len(names)} packages against the freeze (attempt {attempt + 1}) ...",
              flush=True)
        found, output = resolve(names, constraints)
        if found is not None:
            break
        # 3. a constrained version that cannot be used: without a wheel for this Python, the nearest release
        #    that has one; in conflict with an override (torch 2.13 needs a newer setuptools than Colab's),
        #    the lowest release that meets what the conflicting packages ask for
        fixed = False
        demands: dict[str, list[str]] = {}
        for who, dep, spec in re.findall(r"^\s*(\S+ \S+) depends on ([A-Za-z0-9_.\-]+)(\S*)", output, re.M):
            demands.setdefault(canonical(dep), []).append(spec)
        blamed = [canonical(n) for n in re.findall(r"requirement ([A-Za-z0-9_.\-]+)", output)]
        blamed += [canonical(n) for n in re.findall(r"Cannot install ([A-Za-z0-9_.\-]+)", output)]
        blamed += list(demands)
        blamed = [b for b in dict.fromkeys(blamed) if b in freeze and b not in relaxed and b not in OVERRIDES]
        for name in blamed:
            spelling, version = freeze[name]
            versions = available_versions(spelling)
            if version not in versions:
                use, why = nearest(version, versions), f"no wheel of {version} for Python 3.11; the nearest release"
            elif demands.get(name):
                from packaging.specifiers import SpecifierSet
                from packaging.version import Version

                spec = SpecifierSet(",".join(s for s in demands[name] if s))
                ok = sorted((v for v in versions if v in spec and not Version(v).is_prerelease), key=Version)
                use = ok[0] if ok else None
                why = f"{' and '.join(sorted(set(demands[name]) - {''}))} is needed by the overrides above; the lowest such release"
            else:
                continue
            if use is None:
                continue
            print(f"  {spelling}=={version} cannot be used here: using {use} ({why})")
            constraints[spelling] = use
            relaxed[name] = (version, use, why)
            fixed = True
        if not fixed:
            sys.stderr.write("\n".join(line for line in output.splitlines() if not line.startswith("WARNING: Location")))
            raise SystemExit("the closure does not resolve; see pip's output above")
    else:
        raise SystemExit("gave up after 20 attempts")

    # 4. write the list
    top = {canonical(n) for n in TOP_LEVEL}
    lines = []
    not_in_colab = []
    for cname in sorted(found):
        spelling, version, _ = found[cname]
        note = []
        if cname in OVERRIDES:
            version = OVERRIDES[cname]  # as pinned: torch==2.13.0 also matches the local build 2.13.0+cpu
            colab_version = freeze.get(cname, (None, None))[1] or url_version(direct.get(cname, "")) or "?"
            note.append(f"Colab: {colab_version}; see the header")
        elif cname in relaxed:
            note.append(f"Colab: {relaxed[cname][0]}; see the header")
        elif cname not in freeze:
            note.append("not in Colab's freeze")
            not_in_colab.append(spelling)
        elif freeze[cname][1] != version:
            note.append(f"Colab: {freeze[cname][1]}")
        if cname in top:
            note.insert(0, "top level")
        elif cname in extra:
            note.insert(0, "used by requirements-colab.txt")
        lines.append(f"{spelling}=={version}" + (f"  # {'; '.join(note)}" if note else ""))

    py = platform.python_version()
    deviations = [f"#   - Python {'.'.join(py.split('.')[:2])}, not Colab's Python {colab_python or '?'}: the machines that run "
                  f"the emulation have only {'.'.join(py.split('.')[:2])}; everything here is resolved for it."]
    for name, version in OVERRIDES.items():
        colab_version = (freeze.get(canonical(name), (None, None))[1]
                         or url_version(direct.get(canonical(name), "")) or "?")
        deviations.append(f"#   - {name}=={version}, not Colab's {colab_version}: {OVERRIDE_REASONS.get(name, '')}.")
    for cname, (colab_version, used, why) in sorted(relaxed.items()):
        deviations.append(f"#   - {freeze[cname][0]}=={used}, not Colab's {colab_version}: {why}.")
    for spelling in not_in_colab:
        deviations.append(f"#   - {spelling}: not in Colab's freeze; a dependency of the versions above.")
    header = [
        "# Colab's runtime, for the emulation in colab/ (python colab/emulate.py): the packages that matter",
        "# to the lessons (what they import, the kernel, pip) and their dependencies, at Colab's versions.",
        f"# Source: Colab's pip freeze {args.freeze.name} in github.com/googlecolab/backend-info,",
        f"# commit {args.commit} of {args.date}.",
        "# Generated by: python colab/refresh_pins.py --freeze " + args.freeze.name
        + f" --commit {args.commit} --date {args.date}",
        "# Do not edit by hand; re-run that command with Colab's newer freeze when Colab upgrades.",
        f"# Top level: {', '.join(TOP_LEVEL)}.",
        f"# Also pinned because requirements-colab.txt uses them and Colab has them: {', '.join(freeze[n][0] for n in extra)}.",
        "# Deviations from Colab:",
        *deviations,
        "",
    ]
    import textwrap

    wrapped = []
    for line in header:
        if len(line) <= 110:
            wrapped.append(line)
            continue
        indent = "#     " if line.startswith("#   - ") else "#   "
        wrapped += textwrap.wrap(line, 110, subsequent_indent=indent, break_on_hyphens=False)
    args.out.write_text("\n".join(wrapped + lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}: "
          f"{len(lines)} packages, {len(relaxed)} relaxed for Python {py}, {len(not_in_colab)} not in Colab's freeze")
    return 0


if __name__ == "__main__":
    sys.exit(main())
