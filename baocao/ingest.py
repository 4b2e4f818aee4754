"""The ingest store: each submission file is parsed once, keyed by its content hash, into Parquet; later runs
read the table instead of re-opening workbooks. Changing one workbook re-parses that workbook only.

    <cache>/files.parquet       path, size, mtime_ns, sha256, checked_ns: unchanged files are not even re-hashed
    <cache>/parsed.parquet      one row per (content hash, file name) parse: unit, period, the values, the
                                estimates, notes and findings (JSON), and the parser's fingerprint

Why Parquet (pyarrow) rather than DuckDB: each province's cache is written by one process and read whole, at
once, by pandas; there is no shared database file, so provinces ingest in parallel with no writer lock, and
the files are columnar, compressed and readable by any tool. The fingerprint (catalogue, rules, the province's
unit codes, code version) makes a change of any of them re-parse everything, since findings depend on them.

A file is taken as unchanged from its size and modification time only if it had not been modified for
RACY_NS when it was last hashed (as git does with its index): a file rewritten with the same size within the
file system's timestamp granularity of that hashing would otherwise keep its old hash.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from baocao.catalogue import Catalogue
from baocao.errors import Location
from baocao.files import file_sha256, write_bytes_atomic
from baocao.intake import Intake, intake_of, read_file_safely
from baocao.intake.model import Finding, Note, Submission
from baocao.intake.read import expected_from_path, iter_submission_files
from baocao.intake.rules import Rule
from baocao.periods import Period
from baocao.province import Province

PARSER_VERSION = "3"  # 2: ranges, bidirectional controls, empty formula results; 3: findings name the figures they question
FILES = "files.parquet"
PARSED = "parsed.parquet"
RACY_NS = 2_000_000_000  # a file modified less than this before it was hashed is hashed again next time


def fingerprint(catalogue: Catalogue, rules: Sequence[Rule], units: Iterable[str] = ()) -> str:
    """What a parse depends on besides the file: the catalogue, the rules, the units it may come from (an
    unknown unit is a finding) and the parser's version."""
    text = json.dumps(
        [PARSER_VERSION, catalogue.model_dump(mode="json"), [r.model_dump() for r in rules], sorted(units)],
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _to_row(sub: Submission, key: str) -> dict[str, Any]:
    return {
        "key": key,
        "sha256": sub.sha256,
        "name": sub.path.name,
        "unit": sub.unit,
        "period": sub.period,
        "person": sub.person,
        "prepared_on": sub.prepared_on.isoformat() if sub.prepared_on else None,
        "values": json.dumps(sub.values),
        "estimates": json.dumps(sorted(sub.estimates)),
        "notes": json.dumps([asdict(n) for n in sub.notes], ensure_ascii=False),
        "findings": json.dumps(
            [[f.severity, asdict(f.where), f.message, list(f.codes), f.note] for f in sub.findings],
            ensure_ascii=False,
        ),
    }


def _text_or_none(value: Any) -> str | None:
    """A nullable text column's value: Parquet gives NaN, not None, for a column that is all nulls."""
    return value if isinstance(value, str) else None


def _from_row(row: Mapping[str, Any], path: Path) -> Submission:
    prepared_on = _text_or_none(row["prepared_on"])
    return Submission(
        path=path,
        unit=row["unit"],
        period=row["period"],
        sha256=row["sha256"],
        person=_text_or_none(row["person"]),
        prepared_on=date.fromisoformat(prepared_on) if prepared_on else None,
        values={k: float(v) for k, v in json.loads(row["values"]).items()},
        estimates=frozenset(json.loads(row["estimates"])),
        notes=tuple(Note(**n) for n in json.loads(row["notes"])),
        findings=tuple(
            Finding(s, Location(**w), m, tuple(c), n) for s, w, m, c, n in json.loads(row["findings"])
        ),
    )


def _read(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path) if path.is_file() else pd.DataFrame()
    except Exception:  # a damaged cache is rebuilt, never trusted
        return pd.DataFrame()


def _write(path: Path, frame: pd.DataFrame) -> None:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False, compression="zstd")
    write_bytes_atomic(path, buffer.getvalue())


Identity = tuple[str, int, int]  # a file's path (relative to submissions/), size and mtime_ns


def _known_files(cache: Path) -> tuple[pd.DataFrame, dict[Identity, tuple[str, int]]]:
    """The files table, and the hashes it lets a run trust: identity -> (SHA-256, when hashed) of the files
    that were already RACY_NS old when hashed (rows of an older table, without checked_ns, are not trusted)."""
    files = _read(cache / FILES)
    known: dict[Identity, tuple[str, int]] = {}
    if files.empty or "checked_ns" not in files:
        return files, known
    for record in files.to_dict("records"):
        mtime, checked = int(record["mtime_ns"]), record["checked_ns"]
        if checked == checked and mtime + RACY_NS <= checked:  # NaN: a row kept from an older table
            known[(str(record["path"]), int(record["size"]), mtime)] = (str(record["sha256"]), int(checked))
    return files, known


def file_hashes(submissions_dir: Path, quarters: Iterable[Period], cache: Path | None) -> dict[str, str]:
    """Relative path -> SHA-256 of every submission file of ``quarters``, re-hashing only files whose size or
    modification time changed since the cache saw them: what decides whether a report must be made again."""
    _, known = _known_files(cache) if cache is not None else (None, {})
    hashes = {}
    for quarter in quarters:
        for path in iter_submission_files(submissions_dir / quarter.code):
            stat = path.lstat()
            relative = str(path.relative_to(submissions_dir))
            trusted = known.get((relative, stat.st_size, stat.st_mtime_ns))
            hashes[relative] = trusted[0] if trusted else file_sha256(path)
    return hashes


def collect_cached(
    submissions_dir: Path,
    quarters: Iterable[Period],
    catalogue: Catalogue,
    province: Province,
    cache: Path,
    received: Mapping[str, datetime] | None = None,
    rules: Sequence[Rule] = (),
) -> tuple[Intake, int]:
    """Like ``intake.collect``, through the cache: the intake and how many files had to be parsed."""
    units = set(province.unit_codes)
    version = fingerprint(catalogue, rules, units)
    files, known_files = _known_files(cache)
    parsed = _read(cache / PARSED)
    if not parsed.empty and "version" in parsed and (parsed["version"] == version).all():
        by_key: dict[str, list[dict[str, Any]]] = {}
        for record in parsed.to_dict("records"):
            by_key.setdefault(str(record["key"]), []).append({str(k): v for k, v in record.items()})
    else:
        parsed, by_key = pd.DataFrame(), {}
    file_rows, new_rows, fresh = [], [], 0
    read: list[Submission] = []
    for quarter in quarters:
        for path in iter_submission_files(submissions_dir / quarter.code):
            if path.is_symlink():
                subs = read_file_safely(
                    path, catalogue, units, expected_from_path(path, units), quarter.code, rules
                )
            else:
                stat = path.stat()
                relative = str(path.relative_to(submissions_dir))
                digest, checked = known_files.get((relative, stat.st_size, stat.st_mtime_ns)) or (
                    file_sha256(path),
                    time.time_ns(),
                )
                file_rows.append(
                    {
                        "path": relative,
                        "size": stat.st_size,
                        "mtime_ns": stat.st_mtime_ns,
                        "sha256": digest,
                        "checked_ns": checked,
                    }
                )
                key = f"{digest}:{path.name}"
                if key in by_key:
                    subs = [_from_row(row, path) for row in by_key[key]]
                else:
                    subs = read_file_safely(
                        path, catalogue, units, expected_from_path(path, units), quarter.code, rules
                    )
                    fresh += 1
                    new_rows += [{**_to_row(s, key), "version": version} for s in subs]
            read += subs
    if new_rows:
        frames = [f for f in (parsed, pd.DataFrame(new_rows)) if not f.empty]
        _write(cache / PARSED, pd.concat(frames, ignore_index=True))
    current = {(r["path"], r["size"], r["mtime_ns"]) for r in file_rows}
    if not current <= set(known_files):
        # Keep what other quarters' runs learnt; replace the rows of the files seen now.
        seen = {r["path"] for r in file_rows}
        kept = files[~files["path"].isin(seen)] if not files.empty else pd.DataFrame()
        rows = pd.DataFrame(file_rows)
        _write(cache / FILES, pd.concat([kept, rows], ignore_index=True) if not kept.empty else rows)
    return intake_of(read, received), fresh
