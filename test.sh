#!/usr/bin/env bash
# Run the whole test suite (SQLite and PostgreSQL; browser tests in headless Chromium). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh requirements.txt requirements-dev.txt
exec python -m pytest "$@"
