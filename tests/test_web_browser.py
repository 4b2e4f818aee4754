"""The portal in Debian's Chromium (Playwright, no browser download), as clerks and staff use it: one real
`baocao web` process on a copy of the sample province, accounts made with `baocao user add`.

Screenshots of every page are taken at 1366×768 (into $BAOCAO_SCREENSHOTS if set, else the test's folder).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pytest

from baocao.periods import vietnam_today
from baocao.setup import SAMPLE_INPUTS
from baocao.web.views import open_quarters
from flows.schedules import free_port
from tests.support import stop_processes
from tests.test_serve import BROWSER_ARGS, BROWSER_TIMEOUT, CHROMIUM
from tests.web_support import PASSWORD, fill_form

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is installed by scripts/test.sh"),
]
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Served:
    """A running `baocao web` and its folders."""

    url: str
    inputs: Path
    outputs: Path
    shots: Path


def _baocao(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "baocao", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`baocao web` on a copy of the sample province, with a clerk of Bát Xát and a staff account."""
    root = tmp_path_factory.mktemp("portal")
    inputs, outputs = root / "lao-cai", root / "out"
    shutil.copytree(SAMPLE_INPUTS, inputs)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAOCAO_")}
    for args in (
        ("batxat", "--unit", "BATXAT", "--name", "Nguyễn Văn An"),
        ("so", "--staff", "--name", "Trần Thị Bình"),
    ):
        made = _baocao(
            "user",
            "add",
            *args,
            "--password",
            PASSWORD,
            "--inputs",
            str(inputs),
            "--outputs",
            str(outputs),
            env=env,
        )
        assert made.returncode == 0, made.stderr
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "baocao",
            "web",
            "--inputs",
            str(inputs),
            "--outputs",
            str(outputs),
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    assert process.stdout is not None
    announced = process.stdout.readline().decode()
    url = f"http://127.0.0.1:{port}"
    assert announced.startswith(f"Cổng báo cáo: {url}/"), announced
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/login", timeout=10) as answer:
                if answer.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    shots = Path(os.environ.get("BAOCAO_SCREENSHOTS") or root / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    try:
        yield Served(url, inputs, outputs, shots)
    finally:
        stop_processes([process])
    # The generated session secret is kept for the next start, readable by its owner only.
    assert (outputs / ".portal-secret").stat().st_mode & 0o077 == 0


@pytest.fixture
def browser() -> Iterator[object]:
    """Debian's Chromium through Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield launched
        launched.close()


def _page(browser: object, served: Served):  # type: ignore[no-untyped-def]
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 1366, "height": 768},
        timezone_id="Asia/Ho_Chi_Minh",
        locale="vi-VN",
        accept_downloads=True,
    )
    context.set_default_timeout(BROWSER_TIMEOUT)  # Playwright's 30 s are short on a loaded machine
    return context.new_page()


def _sign_in(page: object, served: Served, login: str) -> None:
    page.goto(f"{served.url}/login")  # type: ignore[attr-defined]
    page.get_by_label("Tên đăng nhập").fill(login)  # type: ignore[attr-defined]
    page.get_by_label("Mật khẩu").fill(PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Đăng nhập").click()  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]


def test_a_clerk_sends_a_workbook_fixes_it_and_is_on_time(
    browser: object, served: Served, tmp_path: Path
) -> None:
    page = _page(browser, served)
    page.goto(f"{served.url}/login")
    page.screenshot(path=str(served.shots / "login.png"))
    _sign_in(page, served, "batxat")
    assert page.url == f"{served.url}/unit/lao-cai/BATXAT"
    page.screenshot(path=str(served.shots / "unit.png"), full_page=True)
    quarter = open_quarters(vietnam_today(), "administrative")[0]
    with page.expect_download() as downloading:
        page.locator(f'a[href$="/form/{quarter.code}"]').click()
    form = tmp_path / "form.xlsx"
    downloading.value.save_as(form)
    assert downloading.value.suggested_filename == f"BATXAT-{quarter.code}.xlsx"

    bad, ref = fill_form(form, "BATXAT", tmp_path / "bao-cao.xlsx", text_at="VT01")
    page.get_by_label("Tệp báo cáo").set_input_files(str(bad))
    page.get_by_role("button", name="Gửi báo cáo").click()
    page.wait_for_load_state()
    answer = page.locator("#answer")
    assert "Tệp chưa hợp lệ" in answer.inner_text()
    row = answer.locator("tr.error").first
    assert row.locator("td").nth(2).inner_text() == ref
    assert '"mười hai" không phải là số' in row.inner_text()
    page.screenshot(path=str(served.shots / "unit-rejected.png"), full_page=True)

    good, _ = fill_form(form, "BATXAT", tmp_path / "bao-cao-da-sua.xlsx")
    page.get_by_label("Tệp báo cáo").set_input_files(str(good))
    page.get_by_role("button", name="Gửi báo cáo").click()
    page.wait_for_load_state()
    assert f"Đã nhận báo cáo {quarter.label}" in page.locator("#answer").inner_text()
    assert page.locator("#answer .state").inner_text() == "Đúng hạn"
    page.screenshot(path=str(served.shots / "unit-accepted.png"), full_page=True)

    other = page.goto(f"{served.url}/unit/lao-cai/SAPA")
    assert other is not None and other.status == 403
    assert "Bạn không có quyền truy cập trang này." in page.inner_text("main")
    page.screenshot(path=str(served.shots / "forbidden.png"))


def test_a_form_without_its_token_is_refused(browser: object, served: Served) -> None:
    page = _page(browser, served)
    _sign_in(page, served, "so")
    page.goto(f"{served.url}/periods/lao-cai/2024-Q3")
    form = page.locator("form", has=page.get_by_role("button", name="Lập báo cáo quý III/2024"))
    form.locator('input[name="csrf"]').evaluate("field => field.remove()")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        form.get_by_role("button").click()
    assert posted.value.status == 403
    assert "Lỗi 403" in page.inner_text("main")
    assert not (served.outputs / "lao-cai" / "2024-Q3").exists()


def _run(page: object, served: Served, day: str) -> None:
    page.get_by_label("Ngày ghi trên báo cáo").fill(day)  # as staff type it: 05/01/2025  # type: ignore[attr-defined]
    page.get_by_role("button", name="Lập báo cáo quý IV/2024").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/runs/*")  # type: ignore[attr-defined]
    page.locator("#run-state", has_text="Hoàn thành").wait_for(timeout=240_000)  # type: ignore[attr-defined]


def _pdf_text(page: object, link: object, target: Path) -> str:
    with page.expect_download() as downloading:  # type: ignore[attr-defined]
        link.click()  # type: ignore[attr-defined]
    downloading.value.save_as(target)
    with pdfplumber.open(target) as pdf:
        return str(pdf.pages[0].extract_text())


def test_staff_review_run_and_download_every_version(browser: object, served: Served, tmp_path: Path) -> None:
    page = _page(browser, served)
    _sign_in(page, served, "so")
    assert page.url == f"{served.url}/staff"
    page.screenshot(path=str(served.shots / "staff.png"), full_page=True)
    page.get_by_role("link", name="quý IV/2024", exact=True).click()
    board = page.locator("table.board")
    assert board.locator("tbody tr").count() == 9
    assert "Đúng hạn" in board.inner_text()
    page.screenshot(path=str(served.shots / "period.png"), full_page=True)

    flag = page.locator("tr", has=page.get_by_text("(CN10)"))
    flag.get_by_placeholder("Lý do").fill("Đã xác minh với UBND huyện")
    flag.get_by_role("button", name="Chấp nhận").click()
    page.wait_for_load_state()
    assert "Đã chấp nhận CN10 của SIMACAI." in page.locator(".alert").inner_text()
    assert "Đã chấp nhận" in page.locator("tr", has=page.get_by_text("(CN10)")).inner_text()
    decision = (served.inputs / "review.jsonl").read_text(encoding="utf-8")
    assert '"by": "so"' in decision and "Đã xác minh với UBND huyện" in decision

    _run(page, served, "05/01/2025")
    page.screenshot(path=str(served.shots / "run.png"), full_page=True)
    first = _pdf_text(page, page.locator('a[href="/documents/lao-cai/2024-Q4/1/pdf"]'), tmp_path / "v1.pdf")
    assert "BÁO CÁO" in first and "ngày 05 tháng 01 năm 2025" in first

    page.goto(f"{served.url}/periods/lao-cai/2024-Q4")
    _run(page, served, "10/01/2025")
    second = _pdf_text(page, page.locator('a[href="/documents/lao-cai/2024-Q4/2/pdf"]'), tmp_path / "v2.pdf")
    assert "ngày 10 tháng 01 năm 2025" in second
    # The first version is still there, unchanged, beside the second.
    again = _pdf_text(
        page, page.locator('a[href="/documents/lao-cai/2024-Q4/1/pdf"]'), tmp_path / "v1-again.pdf"
    )
    assert "ngày 05 tháng 01 năm 2025" in again
    assert (tmp_path / "v1-again.pdf").read_bytes() == (tmp_path / "v1.pdf").read_bytes()
    rows = page.locator("table", has=page.get_by_text("Ngày báo cáo")).locator("tbody tr")
    assert rows.count() == 2 and "portal:so" in rows.first.inner_text()

    page.goto(f"{served.url}/users")
    page.screenshot(path=str(served.shots / "users.png"), full_page=True)
    page.goto(f"{served.url}/audit")
    log = page.inner_text("main")
    for action in ("Đăng nhập", "Gửi báo cáo", "Chấp nhận số liệu", "Lập báo cáo", "Tải văn bản"):
        assert action in log, action
    page.screenshot(path=str(served.shots / "audit.png"), full_page=True)
