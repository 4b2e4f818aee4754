#!/usr/bin/env bash
# Before a commit: format, lint, types, tests. Stops at the first failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
.venv/bin/ruff format -q .
.venv/bin/ruff check -q .
.venv/bin/mypy --no-error-summary
.venv/bin/python -m pytest -q "$@"
