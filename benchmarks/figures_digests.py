"""Print the manifest's figures hash (and a hash of the trend series) of every sample period: run it before and
after a change to the aggregation; the output must not change.

    .venv/bin/python benchmarks/figures_digests.py > before.txt
"""

from __future__ import annotations

import hashlib

from baocao import report as core
from baocao.periods import Period
from baocao.provenance import figures_digest

PERIODS = [
    *(f"{year}-Q{q}" for year in (2023, 2024) for q in (1, 2, 3, 4)),
    "2024-H1",
    "2024-9M",
    "2024",
]


def main() -> None:
    setup = core.load_setup(core.SAMPLE_INPUTS)
    for code in PERIODS:
        period = Period.parse(code)
        collection = core.collection_for(setup, period)
        figures = core.figures_for(setup, collection, period)
        trend = core.trend_for(setup, collection, period)
        trend_text = trend.round(9).to_csv(na_rep="")
        trend_sha = hashlib.sha256(trend_text.encode("utf-8")).hexdigest()
        print(f"{code:8} figures {figures_digest(figures)} trend {trend_sha}")


if __name__ == "__main__":
    main()
