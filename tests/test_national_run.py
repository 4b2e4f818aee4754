"""The national orchestrator: any executor with submit/result/add_done_callback, progress told in the
caller's thread as provinces finish, a callback for this process only that pickles to nothing."""

from __future__ import annotations

import pickle
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

from baocao.national import ROLLUP, Outcome
from baocao.national_run import LocalCallback, largest_first, run_national
from baocao.periods import Period

PERIOD = Period.parse("2026-Q2")
WHEN = date(2026, 7, 10)


def broken_root(tmp_path: Path, names: list[str]) -> Path:
    """Province folders whose province.yaml cannot be read: each fails at once, nothing is rendered."""
    root = tmp_path / "vn"
    for name in names:
        folder = root / name
        (folder / "submissions" / "2026-Q2").mkdir(parents=True)
        (folder / "province.yaml").write_text("name: [\n", encoding="utf-8")
    return root


def test_local_callback_calls_here_and_pickles_to_nothing() -> None:
    seen: list[str] = []
    lock = threading.Lock()  # what the CLI's progress bar holds: it cannot be pickled

    def advance(outcome: Outcome) -> None:
        with lock:
            seen.append(outcome.folder)

    callback = LocalCallback(advance)
    outcome = Outcome("lao-cai", "Lào Cai", "written", 1.0)
    callback(outcome)
    elsewhere = pickle.loads(pickle.dumps(callback))
    elsewhere(outcome)
    assert seen == ["lao-cai"]


def test_any_executor_runs_the_provinces_and_progress_comes_in_this_thread(tmp_path: Path) -> None:
    root = broken_root(tmp_path, ["ha-noi", "hue", "lao-cai"])
    threads: list[str] = []
    seen: list[Outcome] = []

    def on_done(outcome: Outcome) -> None:
        threads.append(threading.current_thread().name)
        seen.append(outcome)

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="province") as pool:
        run = run_national(root, PERIOD, tmp_path / "out", WHEN, executor=pool, on_done=on_done)
    assert [o.folder for o in run.provinces] == ["ha-noi", "hue", "lao-cai"]
    assert all(o.status == "failed" and "province.yaml" in (o.error or "") for o in run.provinces)
    # Every province, then the roll-up (which has nothing to roll up), each told once, in the caller's thread.
    assert sorted(o.folder for o in seen[:3]) == ["ha-noi", "hue", "lao-cai"] and seen[3].folder == ROLLUP
    assert run.rollup is not None and run.rollup.status == "failed"
    assert set(threads) == {threading.current_thread().name}


def test_the_largest_province_starts_first(tmp_path: Path) -> None:
    root = broken_root(tmp_path, ["a", "b"])
    shutil.copytree(root / "a", root / "c")
    for i in range(3):
        (root / "b" / "submissions" / "2026-Q2" / f"X{i}.xlsx").write_bytes(b"")
    assert [f.name for f in largest_first(sorted(root.iterdir()))] == ["b", "a", "c"]


def test_pool_workers_import_the_pipeline_settled_before_their_first_province() -> None:
    """A worker's imports (pandas, matplotlib, WeasyPrint: about 300,000 objects) are frozen by
    baocao.heap.settled_imports before it runs anything."""
    import gc

    from baocao.national_run import process_pool

    with process_pool(1) as pool:
        frozen = pool.submit(gc.get_freeze_count).result(timeout=120)
    assert frozen > 200_000
