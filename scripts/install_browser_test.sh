#!/usr/bin/env bash
# Install what tests/test_browser.py needs: Debian's Chromium, the fonts the lessons need, and the Python
# playwright package.
#
#   bash scripts/install_browser_test.sh
#
# Never downloads a browser through playwright (`playwright install` is not used): the test drives the
# system Chromium at /usr/bin/chromium (or $CHROMIUM) through playwright's executable_path.
# Fonts: lesson 01 shows Korean text and the exercise feedback uses emoji (❌ ✅); a Linux machine without a
# Korean or an emoji font draws boxes. fonts-nanum (Korean, about 10 MB to download; fonts-noto-cjk also
# works but is 56 MB) and fonts-noto-color-emoji (about 10 MB) are installed when fontconfig finds no such font.
# Without root it says what to run and exits 0 (the test then skips, except in CI, where this exits 1).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
# Tested range: playwright 1.65.x drove Debian bookworm's chromium 156 here.
PLAYWRIGHT_SPEC=${PLAYWRIGHT_SPEC:-"playwright>=1.65,<1.66"}

has_font() {  # has_font <hex code point>: fontconfig knows a font that draws it
  command -v fc-list >/dev/null 2>&1 && [[ -n "$(fc-list ":charset=$1" family)" ]]
}

PACKAGES=()
if [[ -x "$CHROMIUM" ]]; then
  echo "   Chromium found: $CHROMIUM"
else
  PACKAGES+=(chromium fonts-liberation)
  CHROMIUM=/usr/bin/chromium
fi
if has_font ac00; then echo "   Korean font found: $(fc-list ':charset=ac00' family | head -1)"; else PACKAGES+=(fonts-nanum); fi
if has_font 274c; then echo "   Emoji font found: $(fc-list ':charset=274c' family | head -1)"; else PACKAGES+=(fonts-noto-color-emoji); fi

if [[ ${#PACKAGES[@]} -gt 0 ]]; then
  if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
    echo "   Installing with apt-get: ${PACKAGES[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
    [[ -x "$CHROMIUM" ]] || { echo "chromium was installed but $CHROMIUM is missing" >&2; exit 1; }
    fc-cache -f >/dev/null 2>&1 || true
    has_font ac00 || { echo "fonts-nanum was installed but fontconfig finds no Korean font" >&2; exit 1; }
    has_font 274c || { echo "fonts-noto-color-emoji was installed but fontconfig finds no emoji font" >&2; exit 1; }
  else
    echo "   Missing: ${PACKAGES[*]}. Install them with: sudo apt-get install ${PACKAGES[*]}"
    echo "   (or set CHROMIUM=/path/to/chromium). The browser test will skip outside CI."
    if [[ -n "${CI:-}" ]]; then exit 1; fi
  fi
fi

echo "   Installing $PLAYWRIGHT_SPEC (Python package only; no browser download)"
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 "$PYTHON" -m pip install --quiet "$PLAYWRIGHT_SPEC"
