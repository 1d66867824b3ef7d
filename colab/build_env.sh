#!/usr/bin/env bash
# Build .colab-venv/, the Colab runtime emulation's Python environment, from colab/colab-runtime.txt.
#
#   bash colab/build_env.sh        (setup.sh runs it in CI or with --with-colab-emulation; so does emulate.py)
#
# Only Colab's packages go there, at Colab's versions: not the course's requirements.txt (the lessons'
# set-up cell installs what Colab lacks, as it does in Colab). Idempotent:
# - nothing happens when the venv was built from these pins (.colab-venv/pins.sha256 holds the sha256 of
#   the pins file) and still holds exactly them;
# - an emulation run's set-up cells install requirements-colab.txt into the venv, as in Colab: the next call
#   puts the pinned versions back and removes what was added (seconds, from pip's cache);
# - new pins (another sha256): the venv is rebuilt from scratch (about 2 minutes on 2 cores).
# Uses python3 from PATH (PYTHON=... to choose another).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=.colab-venv
PINS=colab/colab-runtime.txt
STAMP=$VENV/pins.sha256
LOG=$VENV/pip.log

# pip, quietly; its output only when it fails, less this machine's notes about local index folders it skips
quiet_pip() {
  local log rc=0
  log=$(mktemp)
  "$VENV/bin/python" -m pip --disable-pip-version-check "$@" >"$log" 2>&1 || rc=$?
  grep -v "^WARNING: Location 'file:.*' is ignored: it is neither a file nor a directory\.$" "$log" \
    | grep -v '^$' >&2 || true
  rm -f "$log"
  return $rc
}

# What differs between the venv and the pins, one line per package (nothing: they match).
drift() {
  "$VENV/bin/python" -I - "$PINS" <<'EOF'
import re, sys
from importlib import metadata
canon = lambda n: re.sub(r"[-_.]+", "-", n).lower()
pins = {}
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.split("#", 1)[0].strip()
    if line:
        name, version = line.split("==")
        pins[canon(name)] = version.strip()
have = {canon(d.metadata["Name"]): d.version for d in metadata.distributions()}
for name in sorted(set(pins) | set(have)):
    want, got = pins.get(name), have.get(name)
    if want is None:
        print(f"extra {name} {got}")
    elif got is None or (got != want and got.split("+")[0] != want):
        print(f"changed {name} {got} (pinned {want})")
EOF
}

# One user of the venv at a time: an emulation run (which holds this lock and says so in
# COLAB_EMULATION_LOCKED) or this script. Two at once would install into the same venv.
if [[ -z "${COLAB_EMULATION_LOCKED:-}" ]]; then
  exec 9>".colab-venv.lock"
  if ! flock --nonblock 9; then
    echo "   waiting for another emulation run or build to finish with $VENV ..."
    flock 9
  fi
fi

want=$(sha256sum "$PINS" | cut -d' ' -f1)
started=$SECONDS
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" && -x "$VENV/bin/python" ]]; then
  changes=$(drift)
  if [[ -z "$changes" ]]; then
    echo "   $VENV matches $PINS"
    exit 0
  fi
  echo "   $VENV: restoring the pinned versions ($(echo "$changes" | wc -l) packages changed by a previous run)"
  extras=$(echo "$changes" | awk '$1 == "extra" {print $2}')
  changed=$(echo "$changes" | awk '$1 == "changed" {sub(/\)$/, "", $5); print $2 "==" $5}')
  if [[ -n "$extras" ]]; then quiet_pip uninstall --quiet --yes $extras; fi
  # Only what changed, without resolving (the whole list was resolved and checked when the venv was built),
  # from wheels kept in $VENV/wheels: each is downloaded once, not at every run.
  if [[ -n "$changed" ]] && ! "$VENV/bin/python" -m pip install --quiet --no-deps --no-compile --no-index \
       --find-links "$VENV/wheels" $changed >/dev/null 2>&1; then
    quiet_pip download --quiet --no-deps --dest "$VENV/wheels" $changed
    quiet_pip install --quiet --no-deps --no-compile --no-index --find-links "$VENV/wheels" $changed
  fi
  changes=$(drift)
  if [[ -n "$changes" ]]; then
    echo "   could not restore $VENV; rebuilding it. Left over:"$'\n'"$changes"
  else
    quiet_pip check
    echo "   restored $VENV in $((SECONDS - started)) s"
    exit 0
  fi
fi
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
# Colab's own pip (pinned in the list) replaces the venv's during this install.
quiet_pip install --quiet -r "$PINS"
quiet_pip check
changes=$(drift)
if [[ -n "$changes" ]]; then
  echo "$VENV does not match $PINS after installing it:"$'\n'"$changes" >&2
  exit 1
fi
echo "$want" > "$STAMP"
echo "   built $VENV from $PINS in $((SECONDS - started)) s"
