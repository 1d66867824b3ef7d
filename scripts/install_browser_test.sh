#!/usr/bin/env bash
# Install what tests/test_browser.py needs: Debian's Chromium and the Python playwright package.
#
#   bash scripts/install_browser_test.sh
#
# Never downloads a browser through playwright (`playwright install` is not used): the test drives the
# system Chromium at /usr/bin/chromium (or $CHROMIUM) through playwright's executable_path.
# Without root and without Chromium it says what to run and exits 0 (the test then skips, except in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
# Tested range: playwright 1.65.x drove Debian bookworm's chromium 150 here.
PLAYWRIGHT_SPEC=${PLAYWRIGHT_SPEC:-"playwright>=1.65,<1.66"}

if [[ -x "$CHROMIUM" ]]; then
  echo "   Chromium found: $CHROMIUM"
elif [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
  echo "   Installing Debian's chromium (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
  CHROMIUM=/usr/bin/chromium
  [[ -x "$CHROMIUM" ]] || { echo "chromium was installed but $CHROMIUM is missing" >&2; exit 1; }
else
  echo "   Chromium not found at $CHROMIUM and not root: install it with 'sudo apt-get install chromium'"
  echo "   (or set CHROMIUM=/path/to/chromium). The browser test will skip outside CI."
  if [[ -n "${CI:-}" ]]; then exit 1; fi
fi

echo "   Installing $PLAYWRIGHT_SPEC (Python package only; no browser download)"
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 "$PYTHON" -m pip install --quiet "$PLAYWRIGHT_SPEC"
