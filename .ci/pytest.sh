#!/usr/bin/env bash
# Runs pytest from the project venv. Exit code 5 (no tests collected) is a failure here:
# a test command that ran nothing must not look green.
set -uo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pytest "$@"
code=$?
if [ "$code" -eq 5 ]; then
  echo "pytest collected no tests: treating as failure" >&2
  exit 1
fi
exit "$code"
