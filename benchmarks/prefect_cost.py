"""CPU of one whole `baocao run` process for the sample quarter, without Prefect and through the flow against a
standing local Prefect server (as `baocao serve` keeps one): medians, and what Prefect adds.

    .venv/bin/python benchmarks/prefect_cost.py [--repeat 3] [--period 2024-Q2] [--project DIR]

``--project`` times another checkout of baocao (e.g. ``git worktree add /tmp/before <commit>``) with the same
server, for a before/after ratio. CPU is user + system time of the child process (os.wait4), which a loaded
machine disturbs less than wall time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from flows.schedules import local_server

HERE = Path(__file__).resolve().parents[1]


def run_cpu(project: Path, args: list[str], env: dict[str, str]) -> float:
    """CPU seconds of one ``python -m baocao ...`` in ``project``."""
    process = subprocess.Popen(
        [sys.executable, "-m", "baocao", *args],
        cwd=project,
        env={**env, "PYTHONPATH": str(project)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"baocao {' '.join(args)} failed in {project}")
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--period", default="2024-Q2")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--project", type=Path, default=HERE)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="baocao-bench-"))
    common = ["run", "--period", args.period, "--outputs", str(out), "--date", "2024-07-05"]
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    with local_server(home=out / "prefect-home") as api:
        run_cpu(args.project, common, {**env, "PREFECT_API_URL": api})  # warm-up: the flow's first run
        plain = [run_cpu(args.project, [*common, "--no-prefect"], env) for _ in range(args.repeat)]
        flow = [run_cpu(args.project, common, {**env, "PREFECT_API_URL": api}) for _ in range(args.repeat)]
    a, b = statistics.median(plain), statistics.median(flow)
    print(f"{args.project}: period {args.period}, CPU seconds, median of {args.repeat}")
    print(f"  baocao run --no-prefect            {a:6.2f}")
    print(f"  baocao run (standing server)       {b:6.2f}")
    print(f"  Prefect adds                       {b - a:6.2f}  ({b / a:.2f}x)")


if __name__ == "__main__":
    main()
