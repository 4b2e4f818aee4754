#!/usr/bin/env bash
# Set up (if needed) and run the main job: the latest quarter of the bundled sample province,
# through the Prefect flow in Prefect's local ephemeral mode (no server to start).
# Extra arguments go to `baocao run`, e.g. --period 2024-H1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/bootstrap.sh run
exec .venv/bin/baocao run "$@"
