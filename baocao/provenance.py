"""Provenance: beside each report, a manifest of the submission versions and configuration it was made from.

Re-running a past period with the same inputs gives the same figures: the manifest's ``figures_sha256`` is a
hash of the figures table, so two runs can be compared without opening the documents.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Container, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pandas as pd

from baocao.files import file_sha256, write_bytes_atomic
from baocao.intake import Intake, UnitState
from baocao.periods import Period
from baocao.review import Flag, flag_record, held_out


def figures_digest(figures: pd.DataFrame) -> str:
    """A hash of the figures table that does not depend on float noise below 1e-9."""
    rounded = figures.copy()
    for column in rounded.columns:
        if pd.api.types.is_float_dtype(rounded[column]):
            rounded[column] = rounded[column].round(9)
    text = rounded.to_csv(index=False, na_rep="")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def inputs_digest(
    *,
    period: Period,
    report_date: date,
    number: int | None,
    sources: Sequence[Path],
    submissions: Mapping[str, str],
    logs: Sequence[Path] = (),
) -> str:
    """One hash of everything a report is made from: the period, the date and number printed on it, the
    configuration and templates, every submission file's content, the store's receipt and rejection logs,
    and the program's version. Equal digests mean the documents would come out the same."""
    parts = [
        f"program={version('baocao')}",
        f"period={period.code}",
        f"date={report_date.isoformat()}",
        f"number={number}",
        *(f"source {p.name}={file_sha256(p)}" for p in sources if p.is_file()),
        *(f"submission {k}={v}" for k, v in sorted(submissions.items())),
        *(f"log {p.name}={file_sha256(p)}" for p in logs if p.is_file()),
    ]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def unchanged(manifest_path: Path, digest: str) -> Manifest | None:
    """The earlier run's manifest if it was made from the same inputs and its documents are still there,
    unaltered; None when the report must be made again."""
    earlier = read_manifest(manifest_path)
    if earlier is None or earlier.inputs_sha256 != digest or not earlier.documents:
        return None
    for name, sha in earlier.documents.items():
        path = manifest_path.parent / name
        if not path.is_file() or file_sha256(path) != sha:
            return None
    return earlier


def quarter_totals(
    intake: Intake, excluded: Container[tuple[str, str, str]] = ()
) -> dict[str, dict[str, Any]]:
    """Per quarter, the sum over accepted units of each submitted figure (less the ``excluded`` (unit, quarter,
    code): figures held for review), the codes any unit estimated and how many units it covers: what a
    national roll-up needs from a province."""
    totals: dict[str, dict[str, Any]] = {}
    for (unit, quarter), sub in sorted(intake.accepted.items()):
        entry = totals.setdefault(quarter, {"values": {}, "estimates": set(), "units": 0})
        entry["units"] += 1
        entry["estimates"] |= sub.estimates
        for code, value in sub.values.items():
            if (unit, quarter, code) in excluded:
                continue
            entry["values"][code] = entry["values"].get(code, 0.0) + value
    return {q: {**e, "estimates": sorted(e["estimates"])} for q, e in totals.items()}


@dataclass(frozen=True)
class Manifest:
    """What a report was made from and what it wrote, as saved beside its documents (fields in file order)."""

    period: str
    province: str
    generated_at: str  # ISO 8601, Vietnam time
    inputs_sha256: str | None  # see inputs_digest: equal digests, equal documents
    expected_units: int
    received_units: int
    configuration: Mapping[str, Any]  # {"sha256": combined, "files": {name: sha256}}
    submissions: tuple[Mapping[str, Any], ...]  # per accepted (unit, quarter): file, sha256, received_at
    figures_sha256: str
    documents: Mapping[str, str]  # name -> sha256
    totals: Mapping[str, Mapping[str, Any]]  # what a national roll-up needs (see quarter_totals)
    review: tuple[Mapping[str, object], ...]  # questioned figures and staff's decisions

    def to_json(self) -> dict[str, Any]:
        """The manifest as the JSON object written to disk."""
        data = asdict(self)
        data["submissions"], data["review"] = list(self.submissions), list(self.review)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Manifest:
        """A manifest read back (ValueError if it is not one; fields that older versions did not write
        are empty)."""
        try:
            return cls(
                period=str(data["period"]),
                province=str(data.get("province") or ""),
                generated_at=str(data.get("generated_at") or ""),
                inputs_sha256=data.get("inputs_sha256"),
                expected_units=int(data.get("expected_units", 0)),
                received_units=int(data.get("received_units", 0)),
                configuration=dict(data.get("configuration") or {}),
                submissions=tuple(data.get("submissions") or ()),
                figures_sha256=str(data.get("figures_sha256") or ""),
                documents=dict(data.get("documents") or {}),
                totals=dict(data.get("totals") or {}),
                review=tuple(data.get("review") or ()),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a report manifest: {exc}") from exc


def read_manifest(path: Path) -> Manifest | None:
    """The manifest at ``path``; None if there is none or it cannot be read as one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Manifest.from_json(data) if isinstance(data, dict) else None
    except (OSError, ValueError):
        return None


def manifest(
    *,
    period: Period,
    province: str,
    intake: Intake,
    figures: pd.DataFrame,
    sources: Sequence[Path],
    documents: Sequence[Path],
    generated_at: datetime,
    inputs_sha256: str | None = None,
    units: Sequence[UnitState] = (),
    review: Sequence[Flag] = (),
) -> Manifest:
    """The manifest of one report: inputs (hashes), configuration (hashes), outputs."""
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
    return Manifest(
        period=period.code,
        province=province,
        generated_at=generated_at.isoformat(),
        inputs_sha256=inputs_sha256,
        expected_units=len(units),
        received_units=sum(u.state == "received" for u in units),
        configuration={"sha256": combined, "files": config},
        submissions=tuple(used),
        figures_sha256=figures_digest(figures),
        documents={p.name: file_sha256(p) for p in documents if p.is_file()},
        totals=quarter_totals(intake, held_out(review)),
        # Questioned figures and staff's decisions: held and rejected ones are not in the figures above.
        review=tuple(flag_record(f) for f in review),
    )


def write_manifest(target: Path, manifest: Manifest) -> Path:
    """Write the manifest JSON atomically."""
    text = json.dumps(manifest.to_json(), ensure_ascii=False, indent=1)
    return write_bytes_atomic(target, text.encode("utf-8"))
