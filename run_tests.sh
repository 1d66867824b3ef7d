#!/usr/bin/env bash
# Run the whole test suite: the linter (ruff), unit tests (tests/) and strict nbval on every notebook (notebooks/).
# Extra arguments go to pytest, e.g.  bash run_tests.sh tests/test_models.py -x
# The quick loop while editing (no notebooks, no conversions or training):  bash run_tests.sh -m "not slow"
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
echo "== ruff check (settings in pyproject.toml)"
"$PYTHON" -m ruff check .
exec "$PYTHON" -m pytest "$@"
