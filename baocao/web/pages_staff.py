"""Staff pages: the overview, a period's board (units × quarters) with the reminder, the questioned figures
and held versions to decide (the same decisions as `baocao review`), report runs and the issued documents,
and the clerks' accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal, cast

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from baocao.errors import BaocaoError, PeriodError
from baocao.periods import Period, vietnam_now, vietnam_today
from baocao.setup import Setup
from baocao.web.auth import AccountError, add_user, all_users, reset_password
from baocao.web.base import audit, checked_form, database, page, portal_of, staff_user, text_field
from baocao.web.db import Run, User, audit_lines

if TYPE_CHECKING:
    from baocao.intake import Intake
    from baocao.issued import IssuedVersion
    from baocao.review import Flag

from baocao.web.views import (
    ACTION_WORDS,
    STATE_WORDS,
    board_counts,
    board_rows,
    capitalised,
    period_choices,
    rows_to_show,
    typed_date,
    year_rows,
)

router = APIRouter()
MEDIA = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FLAG_WORDS = {"held": "Đang rà soát", "accepted": "Đã chấp nhận", "rejected": "Đã loại"}


def _period(text: str) -> Period:
    try:
        return Period.parse(text)
    except PeriodError as exc:
        raise HTTPException(404) from exc


@router.get("/staff")
def overview(request: Request, user: User = Depends(staff_user), db: Session = Depends(database)) -> Response:
    """Every province served, its periods, and the latest runs."""
    portal = portal_of(request)
    provinces = []
    for slug in portal.provinces:
        setup = portal.setup(slug)
        provinces.append((setup, year_rows(period_choices(vietnam_today(), setup.province.calendar))))
    runs = list(db.scalars(select(Run).order_by(Run.id.desc()).limit(10)))
    return page(request, "staff.html.j2", user=user, provinces=provinces, runs=runs)


def _flags(setup: Setup, period: Period, intake: Intake | None = None) -> list[Flag]:
    from baocao.report import collect_for
    from baocao.review import review_flags

    quarters = {q.code for q in period.quarters}
    intake = intake or collect_for(setup, period)
    return [f for f in review_flags(setup.inputs, intake) if f.quarter in quarters]


def _issued(request: Request, slug: str, period: Period) -> list[IssuedVersion]:
    from baocao.issued import issued_versions

    return list(issued_versions(portal_of(request).config.outputs, slug, period.code))


@router.get("/periods/{province}/{period}")
def period_board(
    request: Request,
    province: str,
    period: str,
    user: User = Depends(staff_user),
    db: Session = Depends(database),
    notice: str = "",
    every: bool = False,
) -> Response:
    """The period's board, its questioned figures and held versions, its runs and issued documents."""
    from baocao.held import held_versions
    from baocao.intake import quarter_statuses
    from baocao.report import collect_for
    from baocao.vietnamese import number

    setup = portal_of(request).setup(province)
    the_period = _period(period)
    quarters = {q.code for q in the_period.quarters}
    held = [h for h in held_versions(setup.inputs) if h.quarter in quarters]
    intake = collect_for(setup, the_period)
    statuses = quarter_statuses(intake, setup.province, the_period)
    rows = board_rows(setup.province, statuses, held)
    runs = list(
        db.scalars(
            select(Run).where(Run.province == province, Run.period == the_period.code).order_by(Run.id.desc())
        )
    )
    return page(
        request,
        "period.html.j2",
        user=user,
        setup=setup,
        period=the_period,
        rows=rows_to_show(rows, every),
        quarters=[q for q in the_period.quarters if setup.province.reports(q)],
        all_units=len(rows),
        counts=board_counts(rows),
        words=STATE_WORDS,
        flags=_flags(setup, the_period, intake),
        flag_words=FLAG_WORDS,
        held=held,
        runs=runs,
        issued=_issued(request, province, the_period),
        today=vietnam_today(),
        notice=notice[:300],
        unit_name=lambda code: (
            capitalised(setup.province.unit(code).full_name) if code in setup.province.unit_codes else code
        ),
        catalogue=setup.catalogue,
        number=number,
    )


@dataclass(frozen=True)
class PeriodAction:
    """A form posted on a period's board: by whom, for which province and period, with what."""

    request: Request
    province: str
    period: Period
    setup: Setup
    form: FormData
    user: User
    db: Session

    def field(self, name: str, limit: int = 500) -> str:
        """A posted text field, trimmed and bounded."""
        return text_field(self.form, name, limit)

    def audit(self, action: str, target: str, detail: str = "") -> None:
        """Append the action to the audit log, under the province's name."""
        audit(self.request, self.db, self.user.login, action, f"{self.province}/{target}", detail)

    def back(self, notice: str) -> Response:
        """Back to the period's board with a notice."""
        from urllib.parse import quote

        where = f"/periods/{self.province}/{self.period.code}?notice={quote(notice)}"
        return RedirectResponse(where, status_code=303)


def period_action(
    request: Request,
    province: str,
    period: str,
    form: FormData = Depends(checked_form),
    user: User = Depends(staff_user),
    db: Session = Depends(database),
) -> PeriodAction:
    """The posted form of a period's board, with its province's setup (404 for an unknown one)."""
    setup = portal_of(request).setup(province)
    return PeriodAction(request, province, _period(period), setup, form, user, db)


@router.post("/periods/{province}/{period}/remind")
def remind(action: PeriodAction = Depends(period_action)) -> Response:
    """Remind the units that have not sent a quarter (the reminder flow's own steps, run here)."""
    from flows.reminder import mail_units, missing_units

    setup, quarter = action.setup, action.period.end_quarter
    units = missing_units.fn(setup, quarter)
    try:
        mailed = mail_units.fn(setup, quarter, units)
    except Exception as exc:  # a mail failure is said on the page
        mailed = []
        action.audit("remind-failed", quarter.code, str(exc)[:300])
    action.audit("remind", quarter.code, ",".join(mailed))
    names = ", ".join(setup.province.unit(u).full_name for u in units) or "không có"
    notice = f"Đơn vị chưa gửi {quarter.label}: {names}. Đã gửi thư nhắc: {len(mailed)} đơn vị."
    if not mailed and units:
        notice += " (Chưa gửi được thư: kiểm tra cấu hình thư BAOCAO_SMTP_HOST và địa chỉ thư của đơn vị.)"
    return action.back(notice)


@router.post("/periods/{province}/{period}/flags")
def decide_flag(action: PeriodAction = Depends(period_action)) -> Response:
    """Accept or reject a questioned figure, as `baocao review accept|reject` does."""
    from baocao.review import decide, record_decision
    from baocao.store import TZ

    unit, indicator = action.field("unit", 64).upper(), action.field("indicator", 64).upper()
    verdict, why = action.field("verdict", 10), action.field("why")
    if verdict not in ("accept", "reject") or not why:
        return action.back("Cần chọn chấp nhận hoặc loại và ghi lý do.")
    decisions = decide(
        _flags(action.setup, action.period),
        unit,
        indicator,
        [q.code for q in action.period.quarters],
        cast(Literal["accept", "reject"], verdict),
        action.user.login,
        why,
        datetime.now(TZ),
    )
    for decision in decisions:
        record_decision(action.setup.inputs, decision)
    action.audit(f"review-{verdict}", f"{action.period.code}/{unit}/{indicator}", why)
    word = "chấp nhận" if verdict == "accept" else "loại"
    return action.back(
        f"Đã {word} {indicator} của {unit}." if decisions else "Không có số liệu nào như vậy cần rà soát."
    )


@router.post("/periods/{province}/{period}/held")
def decide_held(action: PeriodAction = Depends(period_action)) -> Response:
    """Confirm or refuse a held version, as `baocao review confirm|discard` does."""
    from baocao.held import confirm_held, held_versions, reject_held

    inputs = action.setup.inputs
    sha, verdict, why = action.field("version", 64), action.field("verdict", 10), action.field("why")
    found = [h for h in held_versions(inputs) if h.sha256 == sha]
    if not found or verdict not in ("confirm", "reject") or not why:
        return action.back("Cần chọn một bản đang chờ, xác nhận hoặc từ chối, và ghi lý do.")
    try:
        (confirm_held if verdict == "confirm" else reject_held)(inputs, sha, action.user.login, why)
    except BaocaoError as exc:
        return action.back(str(exc))
    action.audit(f"held-{verdict}", f"{found[0].unit}/{found[0].quarter}", why)
    word = "xác nhận" if verdict == "confirm" else "từ chối"
    return action.back(f"Đã {word} tệp {found[0].original_name} của {found[0].unit}.")


@router.post("/periods/{province}/{period}/run")
def start_run(action: PeriodAction = Depends(period_action)) -> Response:
    """Start the period's report; its page follows the run."""
    try:
        when = typed_date(action.field("report_date", 10)) or vietnam_today()
        number_text = action.field("number", 6)
        number = int(number_text) if number_text else None
        if number is not None and not 1 <= number <= 9999:
            raise ValueError(number)
    except ValueError:
        return action.back("Ngày (dd/mm/yyyy) hoặc số văn bản không hợp lệ.")
    runner = portal_of(action.request).runner
    run_id = runner.start(action.province, action.period, when, number, action.user.login)
    action.audit("run-start", action.period.code, f"run {run_id} date {when}")
    return RedirectResponse(f"/runs/{run_id}", status_code=303)


@router.get("/runs/{run_id}")
def run_page(
    request: Request, run_id: int, user: User = Depends(staff_user), db: Session = Depends(database)
) -> Response:
    """A run's state (the page refreshes itself until the run ends), then its documents."""
    run = db.get(Run, run_id)
    if run is None:
        raise HTTPException(404)
    period = _period(run.period)
    issued = _issued(request, run.province, period) if run.state == "done" else []
    name = portal_of(request).setup(run.province).province.name
    return page(
        request,
        "run.html.j2",
        user=user,
        run=run,
        period=period,
        issued=issued,
        province_name=name,
        now=vietnam_now(),
    )


@router.get("/documents/{province}/{period}/{version}/{kind}")
def document(
    request: Request,
    province: str,
    period: str,
    version: int,
    kind: str,
    user: User = Depends(staff_user),
    db: Session = Depends(database),
) -> Response:
    """One kept document of an issued version."""
    from baocao.issued import issued_document

    portal = portal_of(request)
    portal.setup(province)
    the_period = _period(period)
    if kind not in MEDIA:
        raise HTTPException(404)
    try:
        path = issued_document(portal.config.outputs, province, the_period.code, version, kind)
    except BaocaoError as exc:
        raise HTTPException(404) from exc
    audit(request, db, user.login, "download", f"{province}/{the_period.code}/v{version}/{kind}")
    return FileResponse(path, media_type=MEDIA[kind], filename=path.name)


@router.get("/users")
def users_page(
    request: Request, user: User = Depends(staff_user), db: Session = Depends(database), notice: str = ""
) -> Response:
    """The accounts, the form to add a clerk, and a password reset for each."""
    portal = portal_of(request)
    setups = [portal.setup(slug) for slug in portal.provinces]
    names = {(s.slug, u.code): capitalised(u.full_name) for s in setups for u in s.province.units}
    return page(
        request,
        "users.html.j2",
        user=user,
        users=all_users(db),
        setups=setups,
        names=names,
        notice=notice[:300],
    )


@router.post("/users")
def add_clerk(
    request: Request,
    form: FormData = Depends(checked_form),
    user: User = Depends(staff_user),
    db: Session = Depends(database),
) -> Response:
    """Add a clerk for one unit."""
    from urllib.parse import quote

    portal = portal_of(request)
    province, _, unit = text_field(form, "unit", 130).partition("/")
    if province not in portal.provinces or unit not in portal.setup(province).province.unit_codes:
        return RedirectResponse(f"/users?notice={quote('Chọn một đơn vị.')}", status_code=303)
    try:
        login = text_field(form, "login", 64)
        add_user(
            db, login, str(form.get("password") or ""), "clerk", province, unit, text_field(form, "name", 200)
        )
    except AccountError as exc:
        return RedirectResponse(f"/users?notice={quote(str(exc))}", status_code=303)
    audit(request, db, user.login, "user-add", login.lower(), f"{province}/{unit}")
    return RedirectResponse(f"/users?notice={quote(f'Đã tạo tài khoản {login.lower()}.')}", status_code=303)


@router.post("/users/{login}/reset")
def reset(
    request: Request,
    login: str,
    form: FormData = Depends(checked_form),
    user: User = Depends(staff_user),
    db: Session = Depends(database),
) -> Response:
    """Give an account a new password (its sessions end)."""
    from urllib.parse import quote

    try:
        reset_password(db, login, str(form.get("password") or ""))
    except AccountError as exc:
        return RedirectResponse(f"/users?notice={quote(str(exc))}", status_code=303)
    audit(request, db, user.login, "user-reset", login)
    return RedirectResponse(f"/users?notice={quote(f'Đã đặt lại mật khẩu cho {login}.')}", status_code=303)


@router.get("/audit")
def audit_page(
    request: Request, user: User = Depends(staff_user), db: Session = Depends(database)
) -> Response:
    """The latest lines of the audit log."""
    return page(request, "audit.html.j2", user=user, lines=audit_lines(db), words=ACTION_WORDS)
