"""The documents of one report: where the set goes, and writing it (DOCX, PDF, XLSX, manifest) as a kept
version swapped in whole, the PDF signed when asked; one run per province and period at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from baocao.collection import Collection
from baocao.context import file_stem
from baocao.errors import RenderError
from baocao.files import exclusive, finish_staged, in_staging, sweep_partials
from baocao.periods import Period, vietnam_now
from baocao.provenance import manifest, write_manifest
from baocao.render.docx import render_docx
from baocao.render.pdf import render_pdf
from baocao.render.xlsx import render_xlsx
from baocao.setup import Setup
from baocao.signing import SignOutcome, signed_in_place
from baocao.status import unit_state_words
from baocao.versions import VersionNote, keep_version, latest_follows, make_latest, staging_folder

Progress = Callable[[str], None]  # told each step as it starts, in words ("ghi BC-2024-Q2-STTTT.pdf")


def quiet(_: str) -> None:
    """A Progress that says nothing."""


def output_paths(outputs: Path, setup: Setup, period: Period) -> tuple[Path, Path, Path]:
    """Where the DOCX, PDF and XLSX go: ``<outputs>/<province>/<period>/BC-<period>-<agency>.*``."""
    folder = outputs / setup.slug / period.code
    stem = file_stem(period, setup.province)
    return folder / f"{stem}.docx", folder / f"{stem}.pdf", folder / f"{stem}.xlsx"


def write_xlsx(
    setup: Setup, collection: Collection, figures: pd.DataFrame, period: Period, target: Path
) -> Path:
    """The figures workbook, with the intake checks of the period's quarters."""
    return render_xlsx(
        target,
        figures,
        setup.catalogue,
        setup.province,
        period,
        collection.states,
        list(collection.checked),
        unit_state_words(setup.phrases),
    )


def write_provenance(
    setup: Setup,
    collection: Collection,
    figures: pd.DataFrame,
    period: Period,
    documents: Sequence[Path],
    digest: str,
) -> Path:
    """The manifest beside the documents: submission versions, configuration hashes, figures hash."""
    made = manifest(
        period=period,
        province=setup.province.name,
        intake=collection.intake,
        figures=figures,
        sources=setup.sources,
        documents=documents,
        generated_at=vietnam_now(),
        inputs_sha256=digest,
        units=collection.states,
        review=collection.flags,
    )
    return write_manifest(documents[0].with_suffix(".manifest.json"), made)


@contextmanager
def period_lock(
    outputs: Path, setup: Setup, period: Period, waiting: Callable[[], None] | None = None
) -> Iterator[None]:
    """One run per province and period at a time (a second one waits); what killed runs left is finished (a
    complete staged set) or removed first."""
    folder = outputs / setup.slug / period.code
    with exclusive(folder / ".lock", waiting):
        finish_staged(folder)
        sweep_partials(folder)
        latest_follows(folder)  # a version kept by a run killed before its copy was swapped in
        yield


@dataclass(frozen=True)
class Written:
    """What write_documents wrote: the manifest (beside the documents), and whether the PDF was signed."""

    manifest: Path
    version: int
    signing: SignOutcome = field(default_factory=SignOutcome)


def write_documents(
    setup: Setup,
    collection: Collection,
    figures: pd.DataFrame,
    period: Period,
    context: dict[str, Any],
    paths: tuple[Path, Path, Path],
    note: VersionNote,
    progress: Progress = quiet,
    sign: bool = False,
) -> Written:
    """Render the DOCX, PDF, XLSX and the manifest into a staging folder, keep them as the period's next
    version (baocao/versions.py), then swap a copy in as the latest set (the manifest last), so that the
    folder holds the previous set or this one, never a mix. With ``sign``, the PDF is signed in the staging
    folder (the manifest hashes the signed file); if it cannot be, the set is written unsigned and the
    outcome says why."""
    folder = paths[0].parent
    signing = SignOutcome()
    try:
        with staging_folder(folder) as staging:
            docx, pdf, xlsx = in_staging(paths, staging)
            progress(f"ghi {paths[0].name}")
            render_docx(context, setup.templates / "report.docx", docx)
            progress(f"ghi {paths[1].name}")
            render_pdf(context, setup.templates, pdf)
            if sign:
                progress(f"ký số {paths[1].name}")
                signing = signed_in_place(pdf, setup.province, setup.inputs)
                note = replace(note, signed=signing.roles)
            progress(f"ghi {paths[2].name}")
            write_xlsx(setup, collection, figures, period, xlsx)
            write_provenance(setup, collection, figures, period, [docx, pdf, xlsx], note.inputs_sha256)
            number = keep_version(staging, folder, note)
        make_latest(folder, number)
    except OSError as exc:  # DiskFullError included: reported like a document that could not be written
        raise RenderError(f"không ghi được báo cáo: {exc}") from exc
    return Written(paths[0].with_suffix(".manifest.json"), number, signing)
