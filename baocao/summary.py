"""Pure: what a run shows in Prefect: a markdown summary and a table of the headline figures."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from baocao.catalogue import Catalogue
from baocao.figure import figure_rows
from baocao.intake.model import QuarterStatus
from baocao.periods import Period
from baocao.phrases import Phrases
from baocao.province import Province
from baocao.status import arrived, count_word, counts_text
from baocao.vietnamese import capitalize_first, number


def artifact_key(*parts: str) -> str:
    """A Prefect artifact key: lower-case letters, digits and dashes."""
    text = "-".join(parts).lower()
    return re.sub(r"[^a-z0-9-]+", "-", text).strip("-")


def headline_rows(figures: pd.DataFrame, catalogue: Catalogue, province: Province) -> list[dict[str, Any]]:
    """The province's key indicators as table rows (strings, as the Prefect UI shows them)."""
    index = figure_rows(figures)
    rows = []
    for ind in catalogue.indicators:
        fig = index.get((province.code, ind.code))
        if not ind.key or fig is None:
            continue
        rows.append(
            {
                "Chỉ tiêu": ind.name,
                "Giá trị": ("ước " if fig.is_estimate else "") + number(fig.value, ind.decimals),
                "Đơn vị tính": ind.unit,
                "% kế hoạch năm": number(fig.plan_pct, 2),
                "So cùng kỳ (%)": number(fig.yoy_pct, 1),
            }
        )
    return rows


def summary_markdown(
    *,
    province: Province,
    phrases: Phrases,
    period: Period,
    statuses: Sequence[QuarterStatus],
    headline: Sequence[dict[str, Any]],
    warnings: int,
    documents: Sequence[str],
    delivery: str,
    links: Mapping[str, str] | None = None,
    version: int | None = None,
) -> str:
    """The run's summary: completeness and timeliness, headline figures, warnings, documents (``links``: name
    -> the portal's address, shown instead of ``documents`` when given), the kept version, delivery."""
    lines = [
        f"# {province.agency.name} {province.name} – báo cáo {period.label}",
        "",
        f"**Đã nhận {arrived(statuses)}/{len(statuses)}** báo cáo đơn vị ({counts_text(phrases, statuses)}).",
        "",
    ]
    for state in ("missing", "late", "rejected"):
        names = [_named(province, s) for s in statuses if s.state == state]
        if names:
            label = capitalize_first(count_word(phrases, state))
            lines.append(f"- {label}: {', '.join(dict.fromkeys(names))}")
    if headline:
        lines += [
            "",
            "## Chỉ tiêu chính",
            "",
            "| Chỉ tiêu | Giá trị | % kế hoạch | So cùng kỳ |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {r['Chỉ tiêu']} | {r['Giá trị']} {r['Đơn vị tính']} | {r['% kế hoạch năm']} | "
            f"{r['So cùng kỳ (%)']} |"
            for r in headline
        ]
    lines += ["", f"Điểm cần lưu ý khi kiểm tra số liệu: {warnings}.", "", "## Tài liệu", ""]
    if links:
        lines += [f"- [{name}]({url})" for name, url in links.items()]
    else:
        lines += [f"- `{d}`" for d in documents]
    if version is not None:
        lines += ["", f"Lưu thành lần {version} của kỳ báo cáo (không bị ghi đè khi chạy lại)."]
    lines += ["", f"Gửi thư: {delivery}."]
    return "\n".join(lines) + "\n"


def _named(province: Province, status: QuarterStatus) -> str:
    """The unit's name, with how many working days late it was if it was."""
    name = province.unit(status.unit).full_name
    return f"{name} ({status.days_late} ngày làm việc)" if status.state == "late" else name
