# Sourced by run.sh and test.sh: make .venv with the pinned requirements, reusing it when nothing changed.
# Usage: source scripts/bootstrap.sh [requirements files...]
set -euo pipefail

_pick_python() {
  for candidate in python3.11 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "Clinic Reads needs Python 3.11 or newer on PATH" >&2
  return 1
}

_bootstrap() {
  local venv=".venv" stamp wanted
  if [ ! -x "$venv/bin/python" ]; then
    echo "==> creating virtual environment in $venv"
    "$(_pick_python)" -m venv "$venv"
  fi
  wanted="$(cat "$@" | sha256sum | cut -d' ' -f1)"
  stamp="$venv/.requirements-$(echo "$*" | tr ' /' '__')"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "==> installing pinned requirements ($*)"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check $(printf -- '-r %s ' "$@")
    echo "$wanted" > "$stamp"
  fi
  export PATH="$PWD/$venv/bin:$PATH"
}

_bootstrap "$@"
