"""One end-to-end run through Prefect, as `baocao run` does it, against a temporary Prefect API."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from baocao.cli import app
from baocao.cli_versions import cli_user
from baocao.files import file_sha256
from baocao.issued import issued_versions
from tests.support import tidy_sheet

# A Prefect test harness (about 10 s to start) and runs of whole reports through it.
pytestmark = [pytest.mark.prefect, pytest.mark.slow]


def test_run_through_the_flow_matches_the_core(prefect_harness: None, tmp_path: Path) -> None:
    runner = CliRunner()
    via_flow = runner.invoke(
        app,
        [
            "run",
            "--period",
            "2024-H1",
            "--outputs",
            str(tmp_path / "flow"),
            "--date",
            "2024-07-05",
            "--number",
            "5",
        ],
    )
    assert via_flow.exit_code == 0, via_flow.output
    in_process = runner.invoke(
        app,
        [
            "run",
            "--period",
            "2024-H1",
            "--outputs",
            str(tmp_path / "core"),
            "--date",
            "2024-07-05",
            "--number",
            "5",
            "--no-prefect",
        ],
    )
    assert in_process.exit_code == 0, in_process.output
    flow_xlsx = tmp_path / "flow" / "lao-cai" / "2024-H1" / "BC-2024-H1-STTTT.xlsx"
    core_xlsx = tmp_path / "core" / "lao-cai" / "2024-H1" / "BC-2024-H1-STTTT.xlsx"
    assert str(flow_xlsx) in via_flow.output
    assert tidy_sheet(flow_xlsx) == tidy_sheet(core_xlsx)
    assert (flow_xlsx.with_suffix(".docx")).stat().st_size > 5000
    # The flow stages the set and swaps it in whole: nothing left in staging, the manifest lists these files.
    folder = flow_xlsx.parent
    assert not list(folder.glob(".staging-*"))
    listed = json.loads((folder / "BC-2024-H1-STTTT.manifest.json").read_text(encoding="utf-8"))["documents"]
    assert len(listed) == 3 and {name: file_sha256(folder / name) for name in listed} == listed
    # The run is kept as version 1, recorded as started from the command line by this user.
    [kept] = issued_versions(tmp_path / "flow", "lao-cai", "2024-H1")
    assert kept.started_by == cli_user() and kept.started_by.startswith("cli:")
    [without] = issued_versions(tmp_path / "core", "lao-cai", "2024-H1")
    assert without.started_by == kept.started_by and without.figures_sha256 == kept.figures_sha256
    # Without BAOCAO_PUBLIC_URL there is no address a browser could open: no link, and never a file:// one.
    shown = asyncio.run(artifacts_of(lambda a: (a.key or "").startswith("bao-cao-lao-cai-2024-h1")))
    assert {a.key for a in shown} == {"bao-cao-lao-cai-2024-h1", "bao-cao-lao-cai-2024-h1-so-lieu"}
    assert all("file://" not in str(a.data) for a in shown)
    assert any(f"`{flow_xlsx}`" in str(a.data) for a in shown), "the summary names the files"


def test_the_flow_rejects_a_bad_period_at_the_door(prefect_harness: None, tmp_path: Path) -> None:
    from prefect.exceptions import ParameterTypeError

    from flows.report import province_report

    with pytest.raises(ParameterTypeError, match="period"):
        province_report(bao_cao={"period": "2024-Q5", "outputs": str(tmp_path)})  # type: ignore[arg-type]
    assert not any(tmp_path.iterdir())


async def artifacts_of(keep: Callable[[Any], bool]) -> list[Any]:
    """The artifacts on the test server that ``keep`` accepts."""
    from prefect import get_client

    async with get_client() as client:
        return [a for a in await client.read_artifacts() if keep(a)]


def test_flow_run_is_recorded_with_its_tasks(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from flows.report import ReportForm, province_report

    monkeypatch.setenv("BAOCAO_PUBLIC_URL", "https://baocao.example.vn/")
    state = province_report(bao_cao=ReportForm(period="2024-Q1", outputs=tmp_path), return_state=True)
    assert state.is_completed()
    result = state.result()
    assert [p.suffix for p in result.paths] == [".docx", ".pdf", ".xlsx"]

    async def task_names() -> list[str]:
        async with get_client() as client:
            runs = await client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
            )
            return sorted({r.name.rsplit("-", 1)[0] for r in runs})

    async def artifacts() -> dict[str, str]:
        from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

        async with get_client() as client:
            found = await client.read_artifacts(
                artifact_filter=ArtifactFilter(
                    flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])
                )
            )
            return {a.key or "": f"{a.type}: {a.data}" for a in found}

    kinds = asyncio.run(artifacts())
    summary = kinds["bao-cao-lao-cai-2024-q1"]
    assert summary.startswith("markdown: # Sở Thông tin và Truyền thông Lào Cai – báo cáo quý I/2024")
    assert "Đã nhận 9/9" in summary
    assert kinds["bao-cao-lao-cai-2024-q1-so-lieu"].startswith("table: ")
    # Started by hand (not by a schedule): kept as version 1, "prefect"; the links are the portal's.
    [kept] = issued_versions(tmp_path, "lao-cai", "2024-Q1")
    assert (kept.version, kept.started_by, kept.mailed) == (1, "prefect", False)
    for suffix in ("docx", "pdf", "xlsx"):
        url = f"https://baocao.example.vn/documents/lao-cai/2024-Q1/1/{suffix}"
        assert kinds[f"bao-cao-lao-cai-2024-q1-{suffix}"].endswith(f"[BC-2024-Q1-STTTT.{suffix}]({url})")
        assert f"[BC-2024-Q1-STTTT.{suffix}]({url})" in summary
    assert "file://" not in "".join(kinds.values()) and str(tmp_path) not in summary
    # One task per pipeline step (baocao/report.py), then the artifacts.
    assert asyncio.run(task_names()) == sorted(
        [
            "load_setup",
            "report_digest",
            "collection_for",
            "figures_for",
            "trend_for",
            "context_for",
            "draw_charts",
            "write_documents",
            "publish_artifacts",
        ]
    )


def _without_time(manifest: Path) -> dict[str, object]:
    data = json.loads(manifest.read_text(encoding="utf-8"))
    assert data.pop("generated_at")
    return dict(data)


def test_both_paths_write_the_same_manifest(prefect_harness: None, tmp_path: Path) -> None:
    """The flow runs the core's steps: for the sample quarter its manifest equals --no-prefect's, apart from
    its time and the documents' own hashes (a DOCX, PDF and XLSX carry their creation time)."""
    from baocao.periods import Period
    from baocao.report import SAMPLE_INPUTS, ReportRequest, run_report
    from flows.report import form_of, province_report

    request = ReportRequest(SAMPLE_INPUTS, Period.parse("2024-Q2"), tmp_path / "core", date(2024, 7, 5), 5)
    core = run_report(request)
    flow = province_report(bao_cao=form_of(replace(request, outputs=tmp_path / "flow")))
    assert core.manifest is not None and flow.manifest is not None
    in_core, in_flow = _without_time(core.manifest), _without_time(flow.manifest)
    assert in_core["inputs_sha256"] and in_flow["inputs_sha256"] == in_core["inputs_sha256"]
    documents = (in_core.pop("documents"), in_flow.pop("documents"))
    assert [sorted(d) for d in documents] == [
        ["BC-2024-Q2-STTTT.docx", "BC-2024-Q2-STTTT.pdf", "BC-2024-Q2-STTTT.xlsx"]
    ] * 2
    assert in_flow == in_core
    assert flow.received == core.received == 9 and flow.delivery == core.delivery


# --- who starts a run, and whether it mails ---------------------------------------------------------------


def test_the_forms_default_does_not_mail_and_the_schedules_do(tmp_path: Path) -> None:
    from baocao.report import SAMPLE_INPUTS, load_setup
    from flows.report import ReportForm, request_of
    from flows.schedules import build_deployments

    assert ReportForm().deliver is False
    # What the UI's run form starts with: the schema's default, and a form filled in without touching it.
    assert ReportForm.model_json_schema()["properties"]["deliver"]["default"] is False
    setup = load_setup(SAMPLE_INPUTS)
    adhoc = ReportForm.model_validate({"period": "2024-Q2", "started_by": "portal:lan"})
    assert request_of(adhoc, setup).deliver is False and request_of(adhoc, setup).started_by == "portal:lan"
    reports = [d for d in build_deployments([SAMPLE_INPUTS], tmp_path) if d.name.startswith("bao-cao-")]
    assert len(reports) == 4
    for deployment in reports:
        # The deployment's parameters prefill the UI's Custom run form: no mail unless ticked.
        assert deployment.parameters["bao_cao"]["deliver"] is False, deployment.name
        [schedule] = deployment.schedules or []
        # Prefect merges a schedule's parameters over the deployment's, top-level key by key.
        merged = {**deployment.parameters, **schedule.parameters}
        assert ReportForm.model_validate(merged["bao_cao"]).deliver is True, "scheduled runs mail"
        assert {k: v for k, v in merged["bao_cao"].items() if k != "deliver"} == {
            k: v for k, v in deployment.parameters["bao_cao"].items() if k != "deliver"
        }


def test_who_started_a_flow_run() -> None:
    from uuid import uuid4

    from prefect.client.schemas.objects import FlowRun

    from flows.report import started_by_of

    assert started_by_of(FlowRun(flow_id=uuid4(), auto_scheduled=True)) == "schedule"
    assert started_by_of(FlowRun(flow_id=uuid4(), auto_scheduled=False)) == "prefect"
    assert started_by_of(None) == "prefect"
