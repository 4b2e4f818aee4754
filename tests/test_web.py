"""The portal through Starlette's TestClient: sessions, CSRF, who sees what, the upload limit, the login rate
limit, the upload through the store, accounts, the audit log (the browser tests are in test_web_browser.py)."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from baocao.periods import Period, vietnam_today
from baocao.setup import SAMPLE_INPUTS
from baocao.web.app import PortalMiddleware, create_app
from baocao.web.auth import SessionCodec, user_by_login
from baocao.web.base import PortalConfig
from baocao.web.views import open_quarters, period_choices, typed_date
from tests.web_support import PASSWORD, add_accounts, csrf_of, fill_form


def _config(root: Path, inputs: Path, **extra: object) -> PortalConfig:
    return PortalConfig(
        (inputs,),
        root / "out",
        f"sqlite:///{root / 'portal.sqlite3'}",
        "secret-" * 8,
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def accounts_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A portal database holding the three accounts of add_accounts, made once for the module by the real
    code (their argon2 hashes take about 0.4 s a set): each test's portal starts from a copy of it."""
    root = tmp_path_factory.mktemp("accounts")
    inputs = root / "lao-cai"
    shutil.copytree(SAMPLE_INPUTS, inputs)
    engine = create_app(_config(root, inputs)).state.portal.engine
    add_accounts(engine)
    engine.dispose()
    return root / "portal.sqlite3"


@pytest.fixture
def portal(tmp_path: Path, sample_inputs_copy: Path, accounts_database: Path) -> Iterator[TestClient]:
    """The portal on a copy of the sample province, with three accounts, not signed in."""
    with (
        closing(sqlite3.connect(accounts_database)) as source,
        closing(sqlite3.connect(tmp_path / "portal.sqlite3")) as copy,
    ):
        source.backup(copy)  # a consistent copy, write-ahead log included
    app = create_app(_config(tmp_path, sample_inputs_copy, max_upload=200_000))
    with TestClient(app) as client:
        yield client


def sign_in(client: TestClient, login: str, password: str = PASSWORD) -> object:
    """Sign in through the login form."""
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"login": login, "password": password, "csrf": token})


def test_pages_need_an_account(portal: TestClient) -> None:
    for url in ("/", "/staff", "/unit/lao-cai/BATXAT", "/periods/lao-cai/2024-Q4", "/users"):
        answer = portal.get(url, follow_redirects=False)
        assert (answer.status_code, answer.headers["location"]) == (303, "/login"), url


def test_session_cookie_is_signed_http_only_and_lax(portal: TestClient, tmp_path: Path) -> None:
    answer = portal.get("/login")
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert answer.headers["x-frame-options"] == "DENY"
    # A forged cookie is no session: the login page hands out a new one.
    portal.cookies.set("baocao_session", "forged.value.sig")
    assert portal.get("/", follow_redirects=False).headers["location"] == "/login"


def test_cookies_are_secure_behind_https(tmp_path: Path, sample_inputs_copy: Path) -> None:
    app = create_app(_config(tmp_path, sample_inputs_copy, public_url="https://baocao.example.vn"))
    with TestClient(app) as client:
        assert "Secure" in client.get("/login").headers["set-cookie"]
    # Without BAOCAO_PUBLIC_URL, a request that came over HTTPS (the scheme uvicorn takes from the proxy).
    app = create_app(_config(tmp_path, sample_inputs_copy))
    with TestClient(app, base_url="https://testserver") as client:
        assert "Secure" in client.get("/login").headers["set-cookie"]


def test_a_clerk_signs_in_to_the_own_unit(portal: TestClient) -> None:
    answer = sign_in(portal, "batxat")
    assert answer.url.path == "/unit/lao-cai/BATXAT"  # type: ignore[attr-defined]
    page = answer.text  # type: ignore[attr-defined]
    assert "Huyện Bát Xát" in page and "Nguyễn Văn An" in page
    quarter = open_quarters(vietnam_today(), "administrative")[0]
    assert f'href="/unit/lao-cai/BATXAT/form/{quarter.code}"' in page


def test_a_wrong_password_is_refused(portal: TestClient) -> None:
    answer = sign_in(portal, "batxat", "not-the-password")
    assert answer.status_code == 401  # type: ignore[attr-defined]
    assert "Sai tên đăng nhập hoặc mật khẩu." in answer.text  # type: ignore[attr-defined]


@pytest.mark.slow  # several argon2 logins
def test_login_attempts_are_limited_per_account(portal: TestClient) -> None:
    for _ in range(5):
        assert sign_in(portal, "sapa", "wrong-password-x").status_code == 401  # type: ignore[attr-defined]
    # The right password no longer helps for a while; another account from the same address still may.
    blocked = sign_in(portal, "sapa")
    assert blocked.status_code == 429  # type: ignore[attr-defined]
    assert "quá nhiều lần" in blocked.text  # type: ignore[attr-defined]
    assert sign_in(portal, "batxat").status_code == 200  # type: ignore[attr-defined]


@pytest.mark.slow  # several argon2 logins
def test_login_attempts_are_limited_per_address(portal: TestClient) -> None:
    for n in range(20):
        sign_in(portal, f"guess{n}", "wrong-password-x")
    assert sign_in(portal, "batxat").status_code == 429  # type: ignore[attr-defined]


def test_forms_without_their_csrf_token_are_refused(portal: TestClient) -> None:
    login = portal.post("/login", data={"login": "so", "password": PASSWORD})
    assert login.status_code == 403
    sign_in(portal, "so")
    for url, data in (
        (
            "/periods/lao-cai/2024-Q4/flags",
            {"unit": "SIMACAI", "indicator": "CN10", "verdict": "accept", "why": "x"},
        ),
        ("/periods/lao-cai/2024-Q4/run", {"report_date": "2025-01-05"}),
        ("/users", {"unit": "lao-cai/SAPA", "login": "moi", "password": PASSWORD}),
        ("/logout", {}),
    ):
        assert portal.post(url, data=data).status_code == 403, url
        assert portal.post(url, data={**data, "csrf": "0" * 64}).status_code == 403, url
    assert not (Path(portal.app.state.portal.provinces["lao-cai"]) / "review.jsonl").exists()  # type: ignore[attr-defined]


def test_a_clerk_reaches_no_other_unit_and_no_staff_page(portal: TestClient) -> None:
    page = sign_in(portal, "batxat")
    token = csrf_of(page.text)  # type: ignore[attr-defined]
    quarter = open_quarters(vietnam_today(), "administrative")[0].code
    for url in (
        "/unit/lao-cai/SAPA",
        f"/unit/lao-cai/SAPA/form/{quarter}",
        "/staff",
        "/periods/lao-cai/2024-Q4",
        "/documents/lao-cai/2024-Q4/1/pdf",
        "/users",
        "/audit",
        "/runs/1",
    ):
        assert portal.get(url).status_code == 403, url
    upload = portal.post(
        "/unit/lao-cai/SAPA/upload",
        data={"csrf": token},
        files={"file": ("SAPA.xlsx", b"x", "application/octet-stream")},
    )
    assert upload.status_code == 403
    assert "Bạn không có quyền truy cập trang này." in upload.text
    inputs = Path(portal.app.state.portal.provinces["lao-cai"])  # type: ignore[attr-defined]
    assert not (inputs / "store" / "index.jsonl").exists()


def _form(portal: TestClient, quarter: Period, tmp_path: Path) -> Path:
    answer = portal.get(f"/unit/lao-cai/BATXAT/form/{quarter.code}")
    assert answer.status_code == 200
    path = tmp_path / "downloaded.xlsx"
    path.write_bytes(answer.content)
    return path


def test_an_upload_is_checked_stored_and_answered(portal: TestClient, tmp_path: Path) -> None:
    page = sign_in(portal, "batxat")
    token = csrf_of(page.text)  # type: ignore[attr-defined]
    quarter = open_quarters(vietnam_today(), "administrative")[0]
    form = _form(portal, quarter, tmp_path)
    bad, ref = fill_form(form, "BATXAT", tmp_path / "bad.xlsx", text_at="VT01")
    answer = portal.post(
        "/unit/lao-cai/BATXAT/upload",
        data={"csrf": token},
        # The client's name is never a path: the file reaches the inbox as BATXAT.xlsx.
        files={"file": ("../../../etc/evil.xlsx", bad.read_bytes(), "application/octet-stream")},
    )
    assert answer.status_code == 200
    assert "Tệp chưa hợp lệ" in answer.text
    assert (
        f'<td>Lỗi</td><td>Số liệu</td><td class="cellref">{ref}</td><td>chỉ tiêu VT01 &#34;Thuê bao điện thoại '
        "cố định&#34;: &#34;mười hai&#34; không phải là số" in answer.text
    )
    inputs = Path(portal.app.state.portal.provinces["lao-cai"])  # type: ignore[attr-defined]
    rejected = sorted((inputs / "inbox" / "rejected").iterdir())
    assert [p.name.endswith("-BATXAT.xlsx") for p in rejected if not p.name.endswith(".txt")] == [True]
    assert not list(tmp_path.parent.rglob("evil.xlsx"))

    good, _ = fill_form(form, "BATXAT", tmp_path / "good.xlsx")
    answer = portal.post(
        "/unit/lao-cai/BATXAT/upload",
        data={"csrf": token},
        files={"file": ("bao cao.XLSX", good.read_bytes(), "application/octet-stream")},
    )
    assert f"Đã nhận báo cáo {quarter.label}" in answer.text
    assert "Đúng hạn" in answer.text
    [line] = (inputs / "store" / "index.jsonl").read_text(encoding="utf-8").splitlines()
    stored = json.loads(line)
    assert (stored["unit"], stored["quarter"], stored["original_name"]) == (
        "BATXAT",
        quarter.code,
        "BATXAT.xlsx",
    )
    assert (inputs / "submissions" / quarter.code / "BATXAT.xlsx").read_bytes() == good.read_bytes()
    # The history shows both files, newest first.
    history = answer.text.split("Các lần gửi", 1)[1]
    assert history.index("Đã nhận") < history.index("Có lỗi (1)")


@pytest.mark.slow  # several argon2 logins
def test_a_clerk_cannot_send_another_units_file(portal: TestClient, tmp_path: Path) -> None:
    sign_in(portal, "sapa")
    quarter = open_quarters(vietnam_today(), "administrative")[0]
    sign_in(portal, "batxat")
    form = _form(portal, quarter, tmp_path)  # Bát Xát's form, uploaded on Sa Pa's account below
    filled, _ = fill_form(form, "BATXAT", tmp_path / "batxat.xlsx")
    page = sign_in(portal, "sapa")
    answer = portal.post(
        "/unit/lao-cai/SAPA/upload",
        data={"csrf": csrf_of(page.text)},  # type: ignore[attr-defined]
        files={"file": ("SAPA.xlsx", filled.read_bytes(), "application/octet-stream")},
    )
    assert "Tệp chưa hợp lệ" in answer.text
    assert "khác với tên tệp (SAPA)" in answer.text


def test_an_oversized_upload_is_refused(portal: TestClient) -> None:
    page = sign_in(portal, "batxat")
    answer = portal.post(
        "/unit/lao-cai/BATXAT/upload",
        data={"csrf": csrf_of(page.text)},  # type: ignore[attr-defined]
        files={"file": ("BATXAT.xlsx", b"\0" * 300_000, "application/octet-stream")},
    )
    assert answer.status_code == 413
    assert "quá lớn" in answer.text
    inputs = Path(portal.app.state.portal.provinces["lao-cai"])  # type: ignore[attr-defined]
    assert not list((inputs / "inbox").glob("BATXAT*"))


def test_the_size_limit_holds_before_the_body_is_read(tmp_path: Path, sample_inputs_copy: Path) -> None:
    app = create_app(_config(tmp_path, sample_inputs_copy, max_upload=1000))
    portal = app.state.portal
    sent: list[dict[str, object]] = []

    async def never_called() -> dict[str, object]:
        raise AssertionError("the body was read")

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    async def inner(scope: object, receive: object, send: object) -> None:
        raise AssertionError("the app was called")

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/unit/lao-cai/BATXAT/upload",
        "headers": [(b"content-length", b"50000000")],
    }
    asyncio.run(PortalMiddleware(inner, portal)(scope, never_called, send))  # type: ignore[arg-type]
    assert sent[0]["status"] == 413


def test_chunked_bodies_are_cut_at_the_limit(portal: TestClient) -> None:
    page = sign_in(portal, "batxat")
    token = csrf_of(page.text)  # type: ignore[attr-defined]

    def chunks() -> Iterator[bytes]:
        yield f'--b\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{token}\r\n'.encode()
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.xlsx"\r\n\r\n'
        for _ in range(100):
            yield b"\0" * 10_000  # 1 MB in all, no Content-Length

    answer = portal.post(
        "/unit/lao-cai/BATXAT/upload",
        content=chunks(),
        headers={"content-type": "multipart/form-data; boundary=b"},
    )
    assert answer.status_code == 413


@pytest.mark.slow  # several argon2 logins
def test_a_password_reset_ends_open_sessions(portal: TestClient) -> None:
    sign_in(portal, "batxat")
    assert portal.get("/unit/lao-cai/BATXAT").status_code == 200
    with Session(portal.app.state.portal.engine) as db:  # type: ignore[attr-defined]
        from baocao.web.auth import reset_password

        reset_password(db, "batxat", "mat-khau-moi-456")
        db.commit()
    assert portal.get("/unit/lao-cai/BATXAT", follow_redirects=False).headers["location"] == "/login"
    assert sign_in(portal, "batxat", "mat-khau-moi-456").url.path == "/unit/lao-cai/BATXAT"  # type: ignore[attr-defined]


@pytest.mark.slow  # several argon2 logins
def test_staff_add_a_clerk_and_reset_a_password(portal: TestClient) -> None:
    page = sign_in(portal, "so")
    token = csrf_of(page.text)  # type: ignore[attr-defined]
    added = portal.post(
        "/users",
        data={"csrf": token, "unit": "lao-cai/SIMACAI", "login": "SiMaCai", "password": "mot-hai-ba-456"},
    )
    assert "Đã tạo tài khoản simacai." in added.text
    short = portal.post("/users/simacai/reset", data={"csrf": token, "password": "ngan"})
    assert "mật khẩu phải có ít nhất 10 ký tự" in short.text
    portal.post("/users/simacai/reset", data={"csrf": token, "password": "bon-nam-sau-789"})
    portal.post("/logout", data={"csrf": token})
    assert sign_in(portal, "simacai", "bon-nam-sau-789").url.path == "/unit/lao-cai/SIMACAI"  # type: ignore[attr-defined]
    assert portal.get("/unit/lao-cai/BATXAT").status_code == 403


def test_staff_decide_a_questioned_figure_as_the_cli_does(portal: TestClient) -> None:
    page = portal.get("/periods/lao-cai/2024-Q4") if sign_in(portal, "so") else None
    assert page is not None and "Số máy tính tại các cơ quan nhà nước (CN10)" in page.text
    answer = portal.post(
        "/periods/lao-cai/2024-Q4/flags",
        data={
            "csrf": csrf_of(page.text),
            "unit": "SIMACAI",
            "indicator": "CN10",
            "verdict": "accept",
            "why": "Đã xác minh",
        },
    )
    assert "Đã chấp nhận CN10 của SIMACAI." in answer.text
    inputs = Path(portal.app.state.portal.provinces["lao-cai"])  # type: ignore[attr-defined]
    [line] = (inputs / "review.jsonl").read_text(encoding="utf-8").splitlines()
    decision = json.loads(line)
    assert (
        decision["unit"],
        decision["indicator"],
        decision["decision"],
        decision["by"],
        decision["why"],
    ) == (
        "SIMACAI",
        "CN10",
        "accept",
        "so",
        "Đã xác minh",
    )
    assert "Đã chấp nhận" in answer.text.split("Số liệu cần rà soát", 1)[1]


def test_the_audit_log_is_append_only(portal: TestClient) -> None:
    sign_in(portal, "so")
    engine = portal.app.state.portal.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        actions = [row[0] for row in connection.execute(text("SELECT action FROM audit ORDER BY id"))]
        assert actions == ["login"]
        with pytest.raises(DatabaseError, match="append-only"):
            connection.execute(text("UPDATE audit SET login = 'someone else'"))
        with pytest.raises(DatabaseError, match="append-only"):
            connection.execute(text("DELETE FROM audit"))


def test_user_commands(tmp_path: Path) -> None:
    from baocao.cli import app
    from baocao.web.db import database_url, open_database

    runner = CliRunner()
    outputs = tmp_path / "out"
    added = runner.invoke(
        app, ["user", "add", "vanthu", "--staff", "--password", PASSWORD, "--outputs", str(outputs)]
    )
    assert added.exit_code == 0, added.output
    clerk = runner.invoke(
        app, ["user", "add", "bacha", "--unit", "bacha", "--password", PASSWORD, "--outputs", str(outputs)]
    )
    assert clerk.exit_code == 0, clerk.output
    unknown = runner.invoke(
        app, ["user", "add", "x", "--unit", "NOWHERE", "--password", PASSWORD, "--outputs", str(outputs)]
    )
    assert unknown.exit_code == 1 and "không có đơn vị mã 'NOWHERE'" in unknown.output
    listed = runner.invoke(app, ["user", "list", "--outputs", str(outputs)])
    assert "vanthu" in listed.output and "lao-cai/BACHA" in listed.output
    reset = runner.invoke(
        app, ["user", "reset", "bacha", "--password", "mat-khau-khac-1", "--outputs", str(outputs)]
    )
    assert reset.exit_code == 0, reset.output
    with Session(open_database(database_url(outputs))) as db:
        user = user_by_login(db, "bacha")
        assert user is not None and (user.role, user.province, user.unit, user.generation) == (
            "clerk",
            "lao-cai",
            "BACHA",
            2,
        )


def test_the_session_secret_is_made_once_and_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from baocao.web.auth import session_secret

    monkeypatch.delenv("BAOCAO_SESSION_SECRET", raising=False)
    first = session_secret(tmp_path)
    assert session_secret(tmp_path) == first and len(first) >= 40
    assert (tmp_path / ".portal-secret").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("BAOCAO_SESSION_SECRET", "from-the-environment")
    assert session_secret(tmp_path) == "from-the-environment"


def test_csrf_tokens_belong_to_their_session() -> None:
    from baocao.web.auth import new_session

    codec = SessionCodec("k" * 40)
    one, two = new_session("a", 1), new_session("a", 1)
    assert codec.csrf_valid(one, codec.csrf_token(one))
    assert not codec.csrf_valid(two, codec.csrf_token(one))
    assert codec.loads(codec.dumps(one)) == one
    assert SessionCodec("other" * 8).loads(codec.dumps(one)) is None


def test_open_quarters_start_with_the_quarter_in_progress() -> None:
    # Administrative calendar: quý IV/2026 runs 15/09–14/12/2026, so on 02/12/2026 it is in progress.
    quarters = [q.code for q in open_quarters(date(2026, 12, 2), "administrative")]
    assert quarters == ["2026-Q4", "2026-Q3", "2026-Q2", "2026-Q1"]
    # Statistical calendar: on 02/01/2027 the year's first quarter is in progress.
    assert [q.code for q in open_quarters(date(2027, 1, 2), "statistical", 2)] == ["2027-Q1", "2026-Q4"]


def test_dates_are_read_as_staff_type_them() -> None:
    assert typed_date("05/01/2025") == typed_date("5/1/2025") == typed_date("2025-01-05") == date(2025, 1, 5)
    assert typed_date(" ") is None
    for wrong in ("31/02/2025", "05-01", "hôm nay"):
        with pytest.raises(ValueError):
            typed_date(wrong)


def test_period_choices_are_periods_begun() -> None:
    codes = [p.code for p in period_choices(date(2026, 5, 1), "statistical", years=1)]
    # Every period of 2026 that has begun by 1 May, the year first (a half-year report is written early).
    assert codes == ["2026", "2026-9M", "2026-H1", "2026-Q2", "2026-Q1"]


def test_a_late_change_is_held_until_staff_confirm_it(portal: TestClient, tmp_path: Path) -> None:
    from tests.support import DATA_SHEET, cell_of, set_cell

    page = sign_in(portal, "batxat")
    token = csrf_of(page.text)  # type: ignore[attr-defined]
    form = _form(portal, Period.parse("2024-Q4"), tmp_path)
    changed, _ = fill_form(form, "BATXAT", tmp_path / "sua-so-lieu.xlsx")
    set_cell(changed, DATA_SHEET, cell_of(changed, "VT01"), 999)  # a 2024-Q4 figure changed two years on
    answer = portal.post(
        "/unit/lao-cai/BATXAT/upload",
        data={"csrf": token},
        files={"file": ("BATXAT.xlsx", changed.read_bytes(), "application/octet-stream")},
    )
    assert "Đã nhận, chờ Sở xác nhận" in answer.text
    inputs = Path(portal.app.state.portal.provinces["lao-cai"])  # type: ignore[attr-defined]
    published = inputs / "submissions" / "2024-Q4" / "BATXAT.xlsx"
    assert published.read_bytes() != changed.read_bytes()  # held: the published version stays

    page = sign_in(portal, "so")
    board = portal.get("/periods/lao-cai/2024-Q4").text
    assert "Bản chờ xác nhận" in board and "VT01: 1.641 (thực hiện) → 999 (thực hiện)" in board
    assert '<span class="state held">' in board.split("Huyện Bát Xát", 1)[1].split("</tr>", 1)[0]
    sha = board.split('name="version" value="', 1)[1].split('"', 1)[0]
    confirmed = portal.post(
        "/periods/lao-cai/2024-Q4/held",
        data={"csrf": csrf_of(board), "version": sha, "verdict": "confirm", "why": "Huyện đính chính"},
    )
    assert "Đã xác nhận tệp BATXAT.xlsx của BATXAT." in confirmed.text
    assert published.read_bytes() == changed.read_bytes()
    [decision] = [
        json.loads(line) for line in (inputs / "store" / "decisions.jsonl").read_text().splitlines()
    ]
    assert (decision["decision"], decision["who"], decision["why"]) == ("confirmed", "so", "Huyện đính chính")


@pytest.mark.slow
def test_a_2025_provinces_board_shows_its_own_quarters_and_folds_the_on_time_units(tmp_path: Path) -> None:
    import re
    import shutil

    from baocao.setup import PROJECT_ROOT
    from baocao.web.views import BOARD_FOLD

    inputs = tmp_path / "lao-cai"
    shutil.copytree(PROJECT_ROOT / "inputs" / "2025" / "lao-cai", inputs)
    app = create_app(_config(tmp_path, inputs))
    add_accounts(app.state.portal.engine)
    with TestClient(app) as client:
        sign_in(client, "so")
        folded = client.get("/periods/lao-cai/2025").text
        every = client.get("/periods/lao-cai/2025?every=1").text

    def board(page: str) -> tuple[list[str], list[str]]:
        table = page[page.index('<table class="grid board">') : page.index("</table>")]
        head = re.findall(r"<th>(quý [IV]+/2025)<br>", table)
        return head, re.findall(r"<tr><td>[^<]+</td>(.*?)</tr>", table[table.index("<tbody>") :])

    head, rows = board(every)
    # 2025-Q1 and Q2 were the old districts' to send: not columns of the communes' board.
    assert head == ["quý III/2025", "quý IV/2025"]
    assert len(rows) == 99 > BOARD_FOLD
    needing = [r for r in rows if re.search(r'class="state (late|missing|rejected|held)"', r)]
    shown_head, shown = board(folded)
    assert shown_head == head and shown == needing and 0 < len(shown) < len(rows)
    assert f"{99 - len(needing)} đơn vị gửi đúng hạn tất cả các quý" in folded
    assert "Xem tất cả 99 đơn vị" in folded and "Xem tất cả" not in every
