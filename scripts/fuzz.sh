#!/usr/bin/env bash
# The longer fuzzing job: BAOCAO_FUZZ_EXAMPLES cases per property (default 5000), fresh random examples.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh test
BAOCAO_FUZZ_EXAMPLES="${BAOCAO_FUZZ_EXAMPLES:-5000}" BAOCAO_HYPOTHESIS_RANDOM=1 \
  exec .venv/bin/python -m pytest -q -p no:cacheprovider tests/test_fuzz.py "$@"
