"""Reports started from the portal: through the province's Prefect deployment when the portal is served by
`baocao serve` (so the run is in Prefect's history too), otherwise ``run_report`` in a worker thread. Each run
is a row of the ``runs`` table whose state the run page follows."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy.orm import Session

from baocao.errors import BaocaoError
from baocao.periods import Period, vietnam_now
from baocao.web.db import Run, record

if TYPE_CHECKING:
    from prefect.client.schemas.objects import FlowRun

    from baocao.web.base import Portal

# The deployment `baocao serve` registers for each kind of period (flows/schedules.py).
DEPLOYMENT_SUFFIX = {"quarter": "quy", "half": "6-thang", "nine_months": "9-thang", "year": "nam"}
KIND_WORD = {"quarter": "quý", "half": "6 tháng", "nine_months": "9 tháng", "year": "năm"}
FINAL = {"COMPLETED": "done", "FAILED": "failed", "CRASHED": "failed", "CANCELLED": "failed"}


def deployment_name(slug: str, period: Period) -> str:
    """The Prefect deployment that reports on ``period`` for the province ``slug``."""
    return f"bao-cao-dinh-ky/bao-cao-{DEPLOYMENT_SUFFIX[period.kind]}-{slug}"


class Runner:
    """Starts reports one at a time (a report is CPU-bound) and records how each went."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="baocao-run")

    def start(self, slug: str, period: Period, report_date: date, number: int | None, login: str) -> int:
        """Queue a report; the id of its row."""
        with Session(self.portal.engine) as db:
            run = Run(
                province=slug,
                period=period.code,
                report_date=report_date.isoformat(),
                number=number,
                started_by=f"portal:{login}",
                started_at=vietnam_now(),
                state="queued",
            )
            db.add(run)
            db.commit()
            run_id = run.id
        self.pool.submit(self._run, run_id, slug, period, report_date, number, login)
        return run_id

    def _set(self, run_id: int, **values: Any) -> None:
        with Session(self.portal.engine) as db:
            run = db.get(Run, run_id)
            assert run is not None
            for key, value in values.items():
                setattr(run, key, value)
            if values.get("state") in ("done", "failed"):
                run.finished_at = vietnam_now()
                record(db, run.started_by, "-", "run-" + values["state"], f"{run.province}/{run.period}")
            db.commit()

    def _run(
        self, run_id: int, slug: str, period: Period, when: date, number: int | None, login: str
    ) -> None:
        self._set(run_id, state="running")
        try:
            if self.portal.config.prefect:
                state, message = self._through_prefect(run_id, slug, period, when, number, login)
            else:
                state, message = self._in_process(slug, period, when, number, login)
        except BaocaoError as exc:
            state, message = "failed", str(exc)
        except Exception as exc:  # a run's failure is shown on its page, never a traceback to the user
            state, message = "failed", f"lỗi không xác định ({type(exc).__name__}: {exc})"
        self._set(run_id, state=state, message=message)

    def _in_process(
        self, slug: str, period: Period, when: date, number: int | None, login: str
    ) -> tuple[str, str]:
        from baocao.report import ReportRequest, run_report

        request = ReportRequest(
            self.portal.provinces[slug],
            period,
            self.portal.config.outputs,
            when,
            number,
            started_by=f"portal:{login}",
        )
        result = run_report(request)
        return "done", f"{result.received}/{result.expected} đơn vị đã gửi"

    def _through_prefect(
        self, run_id: int, slug: str, period: Period, when: date, number: int | None, login: str
    ) -> tuple[str, str]:
        from prefect import get_client
        from prefect.deployments import run_deployment

        from flows.report import ReportForm

        parameters: dict[str, Any] = {
            "inputs": str(self.portal.provinces[slug].resolve()),
            "outputs": str(self.portal.config.outputs.resolve()),
            "kind": KIND_WORD[period.kind],
            "period": period.code,
            "report_date": when.isoformat(),
            "number": number,
            "deliver": False,  # a run from the portal never mails the leaders
        }
        if "started_by" in ReportForm.model_fields:
            parameters["started_by"] = f"portal:{login}"
        flow_run = cast(
            "FlowRun",
            run_deployment(name=deployment_name(slug, period), parameters={"bao_cao": parameters}, timeout=0),
        )
        self._set(run_id, flow_run=str(flow_run.id))
        with get_client(sync_client=True) as client:
            while True:
                state = client.read_flow_run(flow_run.id).state
                if state is not None and state.type.value in FINAL:
                    return FINAL[state.type.value], state.message or state.name or ""
                time.sleep(2)
