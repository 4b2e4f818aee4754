"""Time the start of the ``baocao`` command: ``--help``, ``check FILE`` and ``import baocao.cli``.

    .venv/bin/python benchmarks/startup.py [--repeat 15] [--base REV]

Each command runs in a fresh interpreter, as the ``baocao`` console script runs it, from this checkout;
prints the median wall time and the median CPU time (user + system of the child) of ``--repeat`` runs. With
``--base REV`` the same commands also run from a copy of commit REV (``git archive``), interleaved run by run
with this checkout so that both see the same load, and the ratios are printed.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_FILE = Path("inputs/lao-cai/submissions/2024-Q2/BATXAT.xlsx")
# What the console script does (see the `baocao` file pip writes into the venv's bin/).
AS_SCRIPT = "import sys; from baocao.cli import app; sys.argv[0] = 'baocao'; sys.exit(app())"
COMMANDS: dict[str, list[str]] = {
    "baocao --help": ["-c", AS_SCRIPT, "--help"],
    f"baocao check {SAMPLE_FILE.name}": ["-c", AS_SCRIPT, "check", str(SAMPLE_FILE)],
    'python -c "import baocao.cli"': ["-c", "import baocao.cli"],
}


def run_once(arguments: list[str], checkout: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one run of the interpreter with ``arguments`` in ``checkout``."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, *arguments], cwd=checkout, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def copy_of(rev: str, into: Path) -> Path:
    """The project's code, templates and sample inputs as they were at commit ``rev``."""
    archive = subprocess.run(
        ["git", "archive", rev, "baocao", "flows", "templates", "inputs/lao-cai"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--base", help="a commit to compare with (e.g. the one before the change)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="baocao-startup-") as scratch:
        checkouts = {"this checkout": ROOT}
        if args.base:
            checkouts = {args.base: copy_of(args.base, Path(scratch)), **checkouts}
        times: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for label, arguments in COMMANDS.items():
            for where in checkouts.values():
                run_once(arguments, where)  # warm the file cache and the bytecode
            for _ in range(args.repeat):
                for name, where in checkouts.items():
                    times.setdefault((label, name), []).append(run_once(arguments, where))
    print(f"median of {args.repeat} runs, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    width = max(len(label) for label in COMMANDS)
    for label in COMMANDS:
        medians = {}
        for name in checkouts:
            runs = times[(label, name)]
            medians[name] = statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)
            wall, cpu = medians[name]
            print(f"  {label:<{width}}  {name:<14} wall {wall:6.3f} s  cpu {cpu:6.3f} s")
        if args.base:
            (base_wall, base_cpu), (wall, cpu) = medians[args.base], medians["this checkout"]
            print(
                f"  {'':<{width}}  {'ratio':<14} wall ×{base_wall / wall:5.1f}   cpu ×{base_cpu / cpu:5.1f}"
            )


if __name__ == "__main__":
    main()
