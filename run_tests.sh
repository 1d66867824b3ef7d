#!/usr/bin/env bash
# Run the whole test suite: unit tests (tests/) and strict nbval on every notebook (notebooks/).
# Extra arguments go to pytest, e.g.  bash run_tests.sh tests/test_models.py -x
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
exec "$PYTHON" -m pytest "$@"
