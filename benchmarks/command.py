"""CPU of the whole ``baocao run --no-prefect`` command for one sample period, against a base commit.

    .venv/bin/python benchmarks/command.py [--repeat 7] [--period 2024-Q4] [--base 5fcfe85] [--prefect]

Each run is a fresh interpreter running the command as the console script does, from this checkout and (with
``--base REV``) from a copy of commit REV, interleaved run by run so that both see the same load; prints the
medians of CPU (user + system of the child, from os.wait4) and wall seconds, and the ratios. ``--prefect``
adds the same command through the Prefect flow against a standing local server (as ``baocao serve`` keeps
one) and what Prefect adds over ``--no-prefect``. The machine is shared: compare CPU, not wall.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from benchmarks.startup import AS_SCRIPT, ROOT, copy_of


def run_cpu(checkout: Path, arguments: list[str], env: dict[str, str]) -> tuple[float, float]:
    """CPU and wall seconds of one ``baocao ARGUMENTS`` in ``checkout``."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", AS_SCRIPT, *arguments],
        cwd=checkout,
        env={**env, "PYTHONPATH": str(checkout)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"baocao {' '.join(arguments)} failed in {checkout}")
    return usage.ru_utime + usage.ru_stime, time.perf_counter() - start


def _folder(path: Path) -> Path:
    """``path``, made."""
    path.mkdir(parents=True)
    return path


def _server(wanted: bool, home: Path) -> AbstractContextManager[str | None]:
    """A standing local Prefect server while timing (``--prefect``), else nothing."""
    if not wanted:
        return nullcontext(None)
    from flows.schedules import local_server

    return local_server(home=home)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--period", default="2024-Q4")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--base", help="a commit to compare with (e.g. the one before the change)")
    parser.add_argument("--prefect", action="store_true", help="also through the flow, on a standing server")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    with tempfile.TemporaryDirectory(prefix="baocao-command-") as scratch:
        checkouts = {"this checkout": ROOT}
        if args.base:
            checkouts = {args.base: copy_of(args.base, _folder(Path(scratch) / "base")), **checkouts}
        out = Path(scratch) / "out"
        common = ["run", "--period", args.period, "--outputs", str(out), "--date", "2025-01-05"]
        modes = {"--no-prefect": ([*common, "--no-prefect"], env)}
        with _server(args.prefect, Path(scratch) / "prefect-home") as api:
            if api:
                modes["through Prefect"] = (common, {**env, "PREFECT_API_URL": api})
            for arguments, mode_env in modes.values():
                for where in checkouts.values():
                    run_cpu(
                        where, arguments, mode_env
                    )  # warm the file cache, the bytecode, the flow's first run
            runs: dict[tuple[str, str], list[tuple[float, float]]] = {}
            for _ in range(args.repeat):
                for mode, (arguments, mode_env) in modes.items():
                    for name, where in checkouts.items():
                        runs.setdefault((mode, name), []).append(run_cpu(where, arguments, mode_env))
    print(
        f"baocao run --period {args.period}: median of {args.repeat} runs, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    cpu = {key: statistics.median(c for c, _ in values) for key, values in runs.items()}
    for (mode, name), values in runs.items():
        wall = statistics.median(w for _, w in values)
        print(f"  {mode:<16} {name:<14} cpu {cpu[mode, name]:6.2f} s  wall {wall:6.2f} s")
    if args.base:
        for mode in modes:
            print(f"  {mode:<16} {'ratio':<14} cpu ×{cpu[mode, args.base] / cpu[mode, 'this checkout']:5.2f}")
    if "through Prefect" in modes:
        for name in checkouts:
            added = cpu["through Prefect", name] - cpu["--no-prefect", name]
            print(f"  Prefect adds     {name:<14} cpu {added:6.2f} s")


if __name__ == "__main__":
    main()
