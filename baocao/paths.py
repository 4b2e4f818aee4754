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
