"""The same deployments on a Prefect server backed by PostgreSQL (several users): a private cluster in a
temporary folder, made with initdb, no system change."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from baocao.report import SAMPLE_INPUTS
from flows.schedules import TIMEZONE, build_deployments, free_port, local_server

BINARIES = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
LOADED = 240  # s: how long a Prefect server may take to be healthy on a loaded machine (healthy in 8-30 s)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not BINARIES or os.geteuid() != 0 or not shutil.which("runuser"),
        reason="needs PostgreSQL's binaries and root (to run initdb as postgres)",
    ),
]


def as_postgres(*command: str) -> None:
    subprocess.run(
        ["runuser", "-u", "postgres", "--", *command], check=True, capture_output=True, timeout=120
    )


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    """A private PostgreSQL cluster on 127.0.0.1 with a 'prefect' database; its SQLAlchemy URL."""
    bin_dir = BINARIES[-1]
    # Not under pytest's tmp folder: the postgres user cannot enter root's private directories.
    root = Path(tempfile.mkdtemp(prefix="baocao-pg-"))
    root.chmod(0o755)
    data, sockets = root / "data", root / "sock"
    sockets.mkdir()
    shutil.chown(root, "postgres")
    shutil.chown(sockets, "postgres")
    port = free_port()
    as_postgres(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
    as_postgres(
        str(bin_dir / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(root / "log"),
        "-w",
        "-o",
        f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets}",
        "start",
    )
    try:
        as_postgres(str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "prefect")
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/prefect"
    finally:
        as_postgres(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


def test_deployments_on_postgres(postgres: str, tmp_path: Path) -> None:
    from prefect import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with (
        local_server(home=tmp_path / "home", database_url=postgres, timeout=LOADED) as api,
        temporary_settings(updates={PREFECT_API_URL: api}),
    ):
        for deployment in build_deployments([SAMPLE_INPUTS], tmp_path / "out"):
            deployment.apply()

        async def read() -> dict[str, tuple[str, str]]:
            async with get_client() as client:
                found = await client.read_deployments()
                return {
                    d.name: (d.schedules[0].schedule.cron, d.schedules[0].schedule.timezone) for d in found
                }

        deployments = asyncio.run(read())
    assert deployments["bao-cao-quy-lao-cai"] == ("0 7 22 3,6,9,12 *", TIMEZONE)
    assert len(deployments) == 5


def test_the_portal_on_postgres(postgres: str, tmp_path: Path, sample_inputs_copy: Path) -> None:
    """BAOCAO_DATABASE_URL on PostgreSQL: accounts, a login, and the audit log append-only in the database."""
    import re

    from fastapi.testclient import TestClient
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import DatabaseError

    from baocao.web.app import create_app
    from baocao.web.base import PortalConfig
    from tests.web_support import PASSWORD, add_accounts

    # A database of its own beside Prefect's, as a department would give the portal.
    server = create_engine(postgres.replace("+asyncpg", "+psycopg"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text("CREATE DATABASE portal"))
    server.dispose()
    url = postgres.replace("+asyncpg", "+psycopg").rsplit("/", 1)[0] + "/portal"
    app = create_app(PortalConfig((sample_inputs_copy,), tmp_path / "out", url, "secret-" * 8))
    engine = app.state.portal.engine
    assert engine.dialect.name == "postgresql"
    add_accounts(engine)
    with TestClient(app) as client:
        token = re.findall(r'name="csrf" value="([^"]+)"', client.get("/login").text)[0]
        answer = client.post("/login", data={"login": "so", "password": PASSWORD, "csrf": token})
        assert answer.url.path == "/staff"
        audit_page = client.get("/audit").text
    with engine.connect() as connection:
        [(login, action, at)] = connection.execute(text("SELECT login, action, at FROM audit")).all()
        assert (login, action) == ("so", "login")
        # timestamptz: the moment comes back aware, and the page shows it in Vietnam time.
        assert at.utcoffset() is not None
        assert at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%H:%M %d/%m/%Y") in audit_page
        with pytest.raises(DatabaseError, match="append-only"):
            connection.execute(text("UPDATE audit SET login = 'x'"))
        connection.rollback()
        with pytest.raises(DatabaseError, match="append-only"):
            connection.execute(text("DELETE FROM audit"))
