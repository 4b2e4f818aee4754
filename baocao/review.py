"""Flagged figures and staff decisions on them.

A warning about a figure (a validation rule's left side, or an outlier against the unit's own history) holds
that figure out of the province totals and the report's sentences until staff accept it. Decisions are data in
the province folder, ``<province>/review.jsonl`` (append-only; the latest decision on a figure counts), with
who, when and why; they go into the manifest and change the report's digest.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Literal

import pandas as pd

from baocao.coverage import GapReason, Key
from baocao.errors import ConfigError
from baocao.intake import Intake, records_frame
from baocao.intake.model import Submission

DECISIONS = "review.jsonl"
FlagState = Literal["held", "accepted", "rejected"]
Verdict = Literal["accept", "reject"]


@dataclass(frozen=True)
class Decision:
    """Staff's decision on one flagged figure."""

    unit: str
    quarter: str
    indicator: str
    value: float
    decision: Verdict
    by: str
    at: str
    why: str

    @property
    def key(self) -> Key:
        """(unit, quarter, indicator)."""
        return (self.unit, self.quarter, self.indicator)


@dataclass(frozen=True)
class Flag:
    """A figure a check questioned, and where staff stand on it."""

    unit: str
    quarter: str
    indicator: str
    value: float
    reason: str
    state: FlagState = "held"
    decision: Decision | None = None

    @property
    def key(self) -> Key:
        """(unit, quarter, indicator)."""
        return (self.unit, self.quarter, self.indicator)


def flags_of(submissions: Iterable[Submission]) -> list[Flag]:
    """The figures questioned by warnings on accepted submissions, one per (unit, quarter, indicator)."""
    seen: dict[Key, Flag] = {}
    for sub in submissions:
        if not sub.accepted:
            continue
        for finding in sub.warnings:
            for code in finding.codes:
                if code in sub.values:
                    key = (sub.unit or "", sub.period or "", code)
                    seen.setdefault(key, Flag(*key, sub.values[code], finding.note or finding.message))
    return sorted(seen.values(), key=lambda f: (f.quarter, f.unit, f.indicator))


def _same_value(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def with_decisions(flags: Sequence[Flag], decisions: Sequence[Decision]) -> list[Flag]:
    """Flags with the latest decision on the same figure and value (a new value needs a new decision)."""
    latest: dict[Key, Decision] = {}
    for decision in decisions:
        latest[decision.key] = decision
    out = []
    for flag in flags:
        found = latest.get(flag.key)
        if found is not None and _same_value(found.value, flag.value):
            state: FlagState = "accepted" if found.decision == "accept" else "rejected"
            out.append(replace(flag, state=state, decision=found))
        else:
            out.append(flag)
    return out


def held_out(flags: Sequence[Flag]) -> dict[Key, GapReason]:
    """The figures left out of the totals: held (awaiting review) or rejected by staff."""
    return {f.key: ("held" if f.state == "held" else "rejected") for f in flags if f.state != "accepted"}


def decisions_path(inputs: Path) -> Path:
    """Where a province's review decisions are kept."""
    return inputs / DECISIONS


def read_decisions(inputs: Path) -> list[Decision]:
    """Every decision, oldest first; a line that cannot be read is an error naming the line."""
    path = decisions_path(inputs)
    if not path.is_file():
        return []
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            out.append(Decision(**{**data, "value": float(data["value"])}))
        except (ValueError, TypeError, KeyError) as exc:
            raise ConfigError(f"dòng {number} không phải một quyết định rà soát: {exc}", path) from exc
    return out


def record_decision(inputs: Path, decision: Decision) -> None:
    """Append one decision (flushed to disk before returning)."""
    path = decisions_path(inputs)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(asdict(decision), ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def decide(
    flags: Sequence[Flag],
    unit: str,
    indicator: str,
    quarters: Iterable[str],
    verdict: Verdict,
    by: str,
    why: str,
    at: datetime,
) -> list[Decision]:
    """Decisions on the flags of one unit and indicator in ``quarters`` (none if nothing is flagged there)."""
    wanted = set(quarters)
    return [
        Decision(f.unit, f.quarter, f.indicator, f.value, verdict, by, at.isoformat(), why)
        for f in flags
        if f.unit == unit and f.indicator == indicator and f.quarter in wanted
    ]


def flag_record(flag: Flag) -> dict[str, object]:
    """A flag as plain data, for the manifest."""
    data: dict[str, object] = {
        "unit": flag.unit,
        "quarter": flag.quarter,
        "indicator": flag.indicator,
        "value": flag.value,
        "reason": flag.reason,
        "state": flag.state,
    }
    if flag.decision is not None:
        data["decision"] = {"by": flag.decision.by, "at": flag.decision.at, "why": flag.decision.why}
    return data


def review_flags(inputs: Path, intake: Intake) -> list[Flag]:
    """The figures the checks questioned, with staff's decisions from the province folder ``inputs``."""
    return with_decisions(flags_of(intake.accepted.values()), read_decisions(inputs))


def usable_records(inputs: Path, intake: Intake, flags: Sequence[Flag] | None = None) -> pd.DataFrame:
    """The accepted figures less those held for review or rejected by staff (what figures are made of);
    ``flags``: review_flags(inputs, intake) if already read."""
    records = records_frame(intake.accepted.values())
    out = held_out(review_flags(inputs, intake) if flags is None else flags)
    if not out:
        return records
    keys = list(zip(records["unit"], records["period"], records["indicator"], strict=True))
    return records[[key not in out for key in keys]].reset_index(drop=True)
