"""Finding the standing local Prefect server of ``baocao serve``.

``baocao serve`` notes the API address of the server it started in ``$PREFECT_HOME/baocao-server.json``
while it runs; ``baocao run`` uses that server when it answers (a run then costs no server start), else
Prefect's embedded one.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from baocao.files import write_bytes_atomic

SERVER_FILE = "baocao-server.json"


def server_file() -> Path:
    """Where ``baocao serve`` notes its server: in Prefect's home folder (PREFECT_HOME, else ~/.prefect)."""
    home = os.environ.get("PREFECT_HOME")
    return (Path(home).expanduser() if home else Path.home() / ".prefect") / SERVER_FILE


@contextmanager
def announced(api: str) -> Iterator[Path]:
    """Note ``api`` as the standing server while the block runs; remove the note after (if still ours)."""
    path = server_file()
    note = {"api": api, "pid": os.getpid()}
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(path, json.dumps(note).encode("utf-8"))
    try:
        yield path
    finally:
        with suppress(OSError, ValueError):
            if json.loads(path.read_text(encoding="utf-8")) == note:
                path.unlink()


def standing_server(timeout: float = 1.0) -> str | None:
    """The API address noted by a running ``baocao serve`` if its server answers within ``timeout``
    seconds; None otherwise (no note, a stale one, a server that is down)."""
    try:
        api = str(json.loads(server_file().read_text(encoding="utf-8"))["api"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not api.startswith(("http://127.0.0.1:", "http://localhost:")):
        return None  # only a local server is taken without being configured
    try:
        with urllib.request.urlopen(f"{api}/health", timeout=timeout) as response:
            return api if response.status == 200 else None
    except (OSError, ValueError):
        return None
