"""`baocao run` finds the standing Prefect server of `baocao serve` through its note, and only a live one."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.server import announced, server_file, standing_server


class _Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/api/health" else 404)
        self.end_headers()
        self.wfile.write(b"true")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def api() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 answering /api/health like Prefect's."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api"
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def prefect_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect-home"))
    return tmp_path / "prefect-home"


def test_a_served_server_is_found_while_it_runs(api: str, prefect_home: Path) -> None:
    assert standing_server() is None
    with announced(api) as note:
        assert note == server_file() and note.parent == prefect_home
        assert standing_server() == api
    assert not server_file().exists() and standing_server() is None


def test_a_stale_note_is_not_used(api: str) -> None:
    down = "http://127.0.0.1:9/api"  # nothing listens on the discard port
    with announced(down):
        assert standing_server(timeout=0.5) is None
    server_file().write_text("{not json", encoding="utf-8")
    assert standing_server() is None
    server_file().write_text('{"api": "http://203.0.113.7:4200/api"}', encoding="utf-8")
    assert standing_server() is None  # only a server on this machine is taken unasked
