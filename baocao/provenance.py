"""Provenance: beside each report, a manifest of the submission versions and configuration it was made from.

Re-running a past period with the same inputs gives the same figures: the manifest's ``figures_sha256`` is a
hash of the figures table, so two runs can be compared without opening the documents.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from baocao.files import file_sha256, write_bytes_atomic
from baocao.intake import Intake
from baocao.periods import Period


def figures_digest(figures: pd.DataFrame) -> str:
    """A hash of the figures table that does not depend on float noise below 1e-9."""
    rounded = figures.copy()
    for column in rounded.columns:
        if pd.api.types.is_float_dtype(rounded[column]):
            rounded[column] = rounded[column].round(9)
    text = rounded.to_csv(index=False, na_rep="")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def manifest(
    *,
    period: Period,
    province: str,
    intake: Intake,
    figures: pd.DataFrame,
    sources: Sequence[Path],
    documents: Sequence[Path],
    generated_at: datetime,
) -> dict[str, Any]:
    """The manifest as plain data: inputs (hashes), configuration (hashes), outputs."""
    config = {str(p.name): file_sha256(p) for p in sources if p.is_file()}
    combined = hashlib.sha256("".join(f"{k}={v}\n" for k, v in sorted(config.items())).encode()).hexdigest()
    used = [
        {
            "unit": unit,
            "quarter": quarter,
            "file": sub.path.name,
            "sha256": sub.sha256,
            "received_at": sub.received_at.isoformat() if sub.received_at else None,
        }
        for (unit, quarter), sub in sorted(intake.accepted.items())
    ]
    return {
        "period": period.code,
        "province": province,
        "generated_at": generated_at.isoformat(),
        "configuration": {"sha256": combined, "files": config},
        "submissions": used,
        "figures_sha256": figures_digest(figures),
        "documents": {p.name: file_sha256(p) for p in documents if p.is_file()},
    }


def write_manifest(target: Path, data: dict[str, Any]) -> Path:
    """Write the manifest JSON atomically."""
    return write_bytes_atomic(target, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))
