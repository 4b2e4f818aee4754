"""Issued documents as records: every run's documents of a period, kept as numbered versions (read only here).

On disk, beside the latest set that users open (``<outputs>/<province>/<period>/BC-<period>-<agency>.*``)::

    <outputs>/<province>/<period>/versions/<n>/BC-<period>-<agency>.docx|pdf|xlsx|manifest.json
    <outputs>/<province>/<period>/versions/<n>/version.json     number, date, who, when, digests, delivery,
                                                                signatures

A version folder appears whole (it is renamed into place, see baocao/versions.py, which writes them) and is
never overwritten or deleted. This module only reads what is on disk: the portal and ``baocao versions``
list and serve versions through it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from baocao.errors import NotIssuedError, PeriodError
from baocao.periods import VIETNAM, Period

VERSIONS = "versions"  # inside the period folder
RECORD = "version.json"  # inside each version folder
KINDS = ("docx", "pdf", "xlsx")
SIGNERS = {"signer": "lãnh đạo", "agency": "cơ quan"}  # whose signature, as staff read it


@dataclass(frozen=True)
class IssuedVersion:
    """One run's set of documents for a province and period, kept as a record."""

    province: str  # the province folder's slug (Setup.slug), e.g. "lao-cai"
    period: str  # period code, e.g. "2024-Q4", "2024-H1", "2024-Y"
    version: int  # 1, 2, 3 ... in the order the runs made them
    report_number: int | None
    report_date: date
    made_at: datetime  # Vietnam time, tz-aware
    started_by: str  # "cli:<os user>", "portal:<login>", "schedule", "prefect"; "" unknown
    inputs_sha256: str
    figures_sha256: str
    documents: Mapping[str, Path]  # "docx" / "pdf" / "xlsx" -> the kept file (absolute path)
    published: bool  # copied to the publish folder
    mailed: bool  # mailed to the recipients
    signed: tuple[str, ...] = ()  # whose signatures its PDF holds: "signer" (the leader), "agency"
    signed_from: int | None = None  # the version whose PDF was signed into this one (baocao sign)

    @property
    def signed_text(self) -> str:
        """'lãnh đạo, cơ quan': whose signatures the PDF holds; '–' for none."""
        return ", ".join(SIGNERS.get(role, role) for role in self.signed) or "–"


def _safe_name(name: str) -> bool:
    """Whether ``name`` is one plain folder name (it may come from a URL: no '..', no '/')."""
    return (
        bool(name) and "/" not in name and "\\" not in name and "\0" not in name and not name.startswith(".")
    )


def versions_folder(outputs: Path, province: str, period: str) -> Path:
    """Where the kept versions of one province's period are."""
    return outputs.absolute() / province / period / VERSIONS


def version_numbers(folder: Path) -> list[int]:
    """The numbers of the version folders in a ``versions`` folder, ascending ([] when none)."""
    if not folder.is_dir():
        return []
    return sorted(int(p.name) for p in folder.iterdir() if p.name.isdigit() and p.is_dir())


def read_record(folder: Path) -> dict[str, Any] | None:
    """The ``version.json`` of one version folder; None when missing or unreadable."""
    try:
        data = json.loads((folder / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def version_of(folder: Path, province: str, period: str) -> IssuedVersion | None:
    """The version kept in ``folder`` (``.../versions/<n>``); None if its record cannot be read."""
    data = read_record(folder)
    if data is None:
        return None
    try:
        made_at = datetime.fromisoformat(str(data["made_at"]))
        documents = data.get("documents") or {}
        number = data.get("report_number")
        return IssuedVersion(
            province=province,
            period=period,
            version=int(folder.name),
            report_number=int(number) if number is not None else None,
            report_date=date.fromisoformat(str(data["report_date"])),
            made_at=made_at if made_at.tzinfo else made_at.replace(tzinfo=VIETNAM),
            started_by=str(data.get("started_by") or ""),
            inputs_sha256=str(data.get("inputs_sha256") or ""),
            figures_sha256=str(data.get("figures_sha256") or ""),
            documents={
                kind: folder / str(name)
                for kind, name in documents.items()
                if kind in KINDS and _safe_name(str(name))
            },
            published=bool(data.get("published")),
            mailed=bool(data.get("mailed")),
            signed=tuple(str(role) for role in data.get("signed") or ()),
            signed_from=int(data["signed_from"]) if data.get("signed_from") is not None else None,
        )
    except (KeyError, TypeError, ValueError):
        return None


def issued_versions(outputs: Path, province: str, period: str) -> list[IssuedVersion]:
    """Every kept version of the period's documents, oldest first ([] when none)."""
    if not (_safe_name(province) and _safe_name(period)):
        return []
    folder = versions_folder(outputs, province, period)
    found = (version_of(folder / str(n), province, period) for n in version_numbers(folder))
    return [v for v in found if v is not None]


def _label(period: str) -> str:
    try:
        return Period.parse(period).label
    except PeriodError:
        return period


def issued_document(outputs: Path, province: str, period: str, version: int, kind: str) -> Path:
    """The kept file of one version ('docx', 'pdf' or 'xlsx'); raises baocao.errors.NotIssuedError (a
    BaocaoError subclass, Vietnamese message) when there is no such version or kind."""
    label = _label(period)
    if kind not in KINDS:
        raise NotIssuedError(f"Không có loại tệp '{kind}': chỉ có docx, pdf hoặc xlsx.")
    found = None
    if _safe_name(province) and _safe_name(period) and version >= 1:
        found = version_of(versions_folder(outputs, province, period) / str(version), province, period)
    if found is None:
        raise NotIssuedError(f"Không có lần {version} của báo cáo {label} ({province}).")
    path = found.documents.get(kind)
    if path is None or not path.is_file():
        raise NotIssuedError(f"Lần {version} của báo cáo {label} ({province}) không có tệp {kind.upper()}.")
    return path


def document_url(public_url: str, province: str, period: str, version: int, kind: str) -> str:
    """The portal's address of a kept document:
    f"{public_url.rstrip('/')}/documents/{province}/{period}/{version}/{kind}"."""
    return f"{public_url.rstrip('/')}/documents/{province}/{period}/{version}/{kind}"
