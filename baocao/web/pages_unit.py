"""A unit clerk's pages: the open quarters and their deadlines, the prefilled form, the upload (through the
same checks, inbox and store as `baocao collect`) and its answer, and the unit's history.

A clerk reaches only the pages of their own unit: any other unit's address answers 403.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from baocao.errors import BaocaoError, PeriodError
from baocao.periods import Period, vietnam_today
from baocao.setup import Setup
from baocao.web.base import audit, checked_form, current_user, database, page, portal_of
from baocao.web.db import User
from baocao.web.views import STATE_WORDS, Cell, cell_of, finding_rows, open_quarters, unit_history

router = APIRouter()
_SUFFIX = re.compile(r"^\.[a-z0-9]{1,8}$")


def unit_setup(request: Request, user: User, province: str, unit: str) -> Setup:
    """The province's setup if ``user`` may see ``unit`` (its clerk, or staff); 403 otherwise."""
    if user.role != "staff" and (user.province, user.unit) != (province, unit):
        raise HTTPException(403)
    setup = portal_of(request).setup(province)
    if unit not in setup.province.unit_codes:
        raise HTTPException(404)
    return setup


def _quarter_cells(setup: Setup, unit: str, quarters: list[Period]) -> list[tuple[Period, Cell]]:
    from baocao.held import held_versions
    from baocao.intake import quarter_statuses
    from baocao.report import collect_for

    held = held_versions(setup.inputs)
    cells = []
    for quarter in quarters:
        intake = collect_for(setup, quarter)
        [status] = [s for s in quarter_statuses(intake, setup.province, quarter) if s.unit == unit]
        cells.append((quarter, cell_of(status, held)))
    return cells


def unit_page(request: Request, user: User, setup: Setup, unit: str, **extra: object) -> Response:
    """The unit's page: open quarters, upload form, history; ``extra``: an upload's answer."""
    from baocao.held import held_versions
    from baocao.store import read_index, read_rejections

    quarters = [
        q for q in open_quarters(vietnam_today(), setup.province.calendar) if setup.province.reports(q)
    ]
    history = unit_history(
        setup.province,
        unit,
        read_index(setup.inputs),
        held_versions(setup.inputs),
        read_rejections(setup.inputs),
    )
    return page(
        request,
        "unit.html.j2",
        int(str(extra.pop("status_code", 200))),
        user=user,
        setup=setup,
        unit=setup.province.unit(unit),
        cells=_quarter_cells(setup, unit, quarters),
        history=history,
        words=STATE_WORDS,
        **extra,
    )


@router.get("/unit/{province}/{unit}")
def unit_home(request: Request, province: str, unit: str, user: User = Depends(current_user)) -> Response:
    """A unit's page."""
    return unit_page(request, user, unit_setup(request, user, province, unit), unit)


@router.get("/unit/{province}/{unit}/form/{quarter}")
def unit_form(
    request: Request,
    province: str,
    unit: str,
    quarter: str,
    user: User = Depends(current_user),
    db: Session = Depends(database),
) -> Response:
    """The unit's prefilled workbook for a quarter (made by the project's form generator)."""
    from baocao.forms import forms_folder, unit_forms

    setup = unit_setup(request, user, province, unit)
    try:
        period = Period.parse(quarter)
    except PeriodError as exc:
        raise HTTPException(404) from exc
    if period.kind != "quarter" or not setup.province.reports(period):
        raise HTTPException(404)
    folder = forms_folder(portal_of(request).config.outputs, setup, period)
    [path] = unit_forms(setup, period, [unit], folder)
    audit(request, db, user.login, "form-download", f"{province}/{unit}/{period.code}")
    return FileResponse(
        path,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=f"{unit}-{period.code}.xlsx",
    )


def safe_suffix(filename: str | None) -> str:
    """The extension of the client's file name, lowercased, kept only if it is plain (``.xlsx``); the name
    itself is never used: the file goes to the inbox as ``<unit><suffix>``."""
    suffix = PurePath(filename or "").suffix.lower()
    return suffix if _SUFFIX.match(suffix) else ""


@router.post("/unit/{province}/{unit}/upload")
async def unit_upload(
    request: Request,
    province: str,
    unit: str,
    form: FormData = Depends(checked_form),
    user: User = Depends(current_user),
    db: Session = Depends(database),
) -> Response:
    """Take the unit's file as `baocao collect` takes an inbox file, and answer at once."""
    from starlette.concurrency import run_in_threadpool

    setup = unit_setup(request, user, province, unit)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await run_in_threadpool(
            unit_page, request, user, setup, unit, status_code=400, notice="Chưa chọn tệp để gửi."
        )
    data = await upload.read()
    try:
        answer = await run_in_threadpool(_take_upload, setup, unit, data, safe_suffix(upload.filename))
    except BaocaoError as exc:
        return await run_in_threadpool(
            unit_page, request, user, setup, unit, status_code=500, notice=str(exc)
        )
    audit(
        request,
        db,
        user.login,
        "upload",
        f"{province}/{unit}",
        f"{answer['outcome']} {len(data)} bytes sha256={answer['sha256']}",
    )
    # Reading the unit's quarters reads workbooks: off the event loop, as the upload itself.
    return await run_in_threadpool(unit_page, request, user, setup, unit, answer=answer)


def _take_upload(setup: Setup, unit: str, data: bytes, suffix: str) -> dict[str, object]:
    """The upload through the store's inbox pass; what the answer page shows."""
    import hashlib

    from baocao.intake import quarter_statuses
    from baocao.report import collect_for
    from baocao.store import process_upload

    result, subs = process_upload(
        setup.inputs, setup.catalogue, setup.province, data, suffix, unit, rules=setup.rules.rules
    )
    outcome = (
        "accepted"
        if result.accepted
        else "held"
        if result.held
        else "duplicate"
        if result.duplicates
        else "rejected"
    )
    answer: dict[str, object] = {
        "outcome": outcome,
        "findings": finding_rows(subs),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    quarters = [s.period for s in subs if s.period]
    if quarters and outcome != "rejected":
        quarter = Period.parse(quarters[0])
        [status] = [
            s
            for s in quarter_statuses(collect_for(setup, quarter), setup.province, quarter)
            if s.unit == unit
        ]
        answer["quarter"] = quarter.label
        answer["status"] = status
        answer["cell"] = cell_of(status, [])
    if result.held:
        from baocao.held import held_versions

        answer["hold"] = [h for h in held_versions(setup.inputs) if h.sha256 == result.held[0].sha256]
    return answer
