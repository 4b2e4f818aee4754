"""The records as a unit x indicator x quarter cube, built once per report, and one period's wide tables read
from it (values, estimate flags, completeness, ratios' paired inputs): the arrays aggregate.py works on.

A report reads eleven periods (this period, last year's, the year to date, eight trend quarters): each is a few
array sums here, where grouping the records again with pandas cost about 0.1 s a period.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import partial

import numpy as np
import pandas as pd

from baocao.catalogue import Catalogue, Indicator
from baocao.periods import Period
from baocao.province import Province


class Cube:
    """The records as arrays: unit x indicator x quarter, built once and read for any period.

    ``sent`` marks what a unit sent; ``value`` is the figure (NaN where not sent); ``estimate`` and ``complete``
    are the records' flags (a 'sum' indicator is incomplete where a part is missing). Units and indicators
    outside ``units`` and ``codes`` are left out, as the tables read from the cube leave them out."""

    def __init__(self, quarterly: pd.DataFrame, units: Sequence[str], codes: Sequence[str]) -> None:
        self.units, self.codes = list(units), list(codes)
        self.quarters = sorted(set(quarterly["period"].astype(str)))
        self._code = {code: i for i, code in enumerate(self.codes)}
        self._quarter = {q: i for i, q in enumerate(self.quarters)}
        u = pd.Index(self.units).get_indexer(pd.Index(quarterly["unit"].astype(str)))
        i = pd.Index(self.codes).get_indexer(pd.Index(quarterly["indicator"].astype(str)))
        q = pd.Index(self.quarters).get_indexer(pd.Index(quarterly["period"].astype(str)))
        keep = (u >= 0) & (i >= 0)
        at = (u[keep], i[keep], q[keep])
        shape = (len(self.units), len(self.codes), len(self.quarters))
        count, total = np.zeros(shape, dtype=int), np.zeros(shape)
        estimates, incomplete = np.zeros(shape, dtype=int), np.zeros(shape, dtype=int)
        np.add.at(count, at, 1)
        np.add.at(total, at, quarterly["value"].to_numpy(dtype="float64")[keep])
        np.add.at(estimates, at, quarterly["is_estimate"].to_numpy(dtype=bool)[keep])
        done = (
            quarterly["complete"].to_numpy(dtype=bool) if "complete" in quarterly else np.ones(len(u), bool)
        )
        np.add.at(incomplete, at, ~done[keep])
        self.sent = count > 0
        self.value = np.where(self.sent, total, np.nan)
        self.estimate, self.complete = estimates > 0, self.sent & (incomplete == 0)

    def columns(self, codes: Sequence[str], quarters: Sequence[Period]) -> tuple[list[int], list[int]]:
        """Where some indicators and quarters are in the cube (quarters nobody sent are left out)."""
        return [self._code[c] for c in codes], [
            self._quarter[q.code] for q in quarters if q.code in self._quarter
        ]


def cube_of(quarterly: pd.DataFrame, catalogue: Catalogue, province: Province) -> Cube:
    """The cube of a province's records (with their 'sum' indicators, see with_sums)."""
    additive = [i.code for i in catalogue.indicators if i.kind in ("flow", "stock", "sum")]
    return Cube(quarterly, province.unit_codes, additive)


def unit_period_values(
    cube: Cube, catalogue: Catalogue, period: Period, codes: Collection[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Wide tables (units x additive indicators, or ``codes`` of them) of a period's values, estimate flags
    and completeness: a flow sums the quarters the unit sent (complete when it sent them all, each one
    complete), a stock is its value at the period's last quarter."""
    additive = [i.code for i in catalogue.indicators if i.kind in ("flow", "stock", "sum")]
    codes = additive if codes is None else [c for c in additive if c in codes]
    values = np.full((len(cube.units), len(codes)), np.nan)
    estimates = np.zeros(values.shape, dtype=bool)
    complete = np.zeros(values.shape, dtype=bool)
    for rule, quarters in (("flow", period.quarters), ("stock", (period.end_quarter,))):
        where = [k for k, c in enumerate(codes) if catalogue.time_rule(c) == rule]
        inds, qs = cube.columns([codes[k] for k in where], quarters)
        sent = cube.sent[:, inds][:, :, qs]
        any_sent = sent.any(axis=2)
        total = np.where(sent, cube.value[:, inds][:, :, qs], 0.0).sum(axis=2)
        values[:, where] = np.where(any_sent, total, np.nan)
        estimates[:, where] = (cube.estimate[:, inds][:, :, qs] & sent).any(axis=2)
        parts_done = (cube.complete[:, inds][:, :, qs] | ~sent).all(axis=2)
        complete[:, where] = any_sent & (sent.sum(axis=2) == len(quarters)) & parts_done
    frame = partial(pd.DataFrame, index=pd.Index(cube.units), columns=pd.Index(codes, name="indicator"))
    return frame(values), frame(estimates), frame(complete)


def paired_inputs(cube: Cube, catalogue: Catalogue, ind: Indicator, period: Period) -> pd.DataFrame:
    """A ratio's numerator and denominator per unit, summed over the quarters where both were sent (so a
    rate never divides one quarter's numerator by four quarters' denominator), with completeness."""
    num, den = ind.numerator or "", ind.denominator or ""
    flow = catalogue.time_rule(num) == "flow"
    quarters = period.quarters if flow else (period.end_quarter,)
    inds, qs = cube.columns([num, den], quarters)
    sent = cube.sent[:, inds][:, :, qs]
    both = np.asarray(sent.all(axis=1))  # units x quarters
    value = np.where(both[:, None, :], cube.value[:, inds][:, :, qs], 0.0).sum(axis=2)
    n = both.sum(axis=1)
    ok = np.logical_or((cube.complete[:, inds][:, :, qs] | ~sent).all(axis=1), ~both)
    any_pair = n > 0
    return pd.DataFrame(
        {
            "num": np.where(any_pair, value[:, 0], np.nan),
            "den": np.where(any_pair, value[:, 1], np.nan),
            "n": np.where(any_pair, n, np.nan),
            "complete": any_pair & (n == len(quarters)) & ok.all(axis=1),
        },
        index=pd.Index(cube.units),
    )
