"""Where the project's own files are: its root, the shared templates, the sample province, the default outputs.

No project imports and nothing but the standard library: the CLI reads its defaults here before it knows
which command runs.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = Path(os.environ.get("BAOCAO_TEMPLATES", PROJECT_ROOT / "templates"))
SAMPLE_INPUTS = PROJECT_ROOT / "inputs" / "lao-cai"
DEFAULT_OUTPUTS = PROJECT_ROOT / "outputs"


def ingest_folder(outputs: Path, inputs: Path) -> Path:
    """A province's ingest store (each submission file parsed once): ``.ingest`` in its outputs folder,
    which is named after the province folder, as its reports' folders are."""
    return outputs / inputs.resolve().name / ".ingest"
