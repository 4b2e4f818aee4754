"""Tests of baocao.story: the shared wording helpers (near-duplicates, quarters named)."""

from __future__ import annotations

import pytest

from baocao.intake.cells import fold
from baocao.story import count_noun, covered_by, near_duplicate, quarters_text


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (
            "Đề nghị Sở hỗ trợ kinh phí sửa chữa loa truyền thanh.",
            "đề nghị sở hỗ trợ kinh phí sửa chữa loa truyền thanh",
            True,
        ),
        (
            "Đề nghị Sở hỗ trợ kinh phí sửa chữa loa truyền thanh",
            "Đề nghị Sở hổ trợ kinh phí sửa chửa loa truyền thanh",
            True,
        ),
        (
            "Đề nghị Sở hỗ trợ kinh phí sửa chữa loa truyền thanh",
            "Đề nghị Sở tổ chức tập huấn cho cán bộ một cửa",
            False,
        ),
        ("Đề nghị hỗ trợ kinh phí sửa chữa loa", "Đề nghị hỗ trợ kinh phí mua máy tính", False),
    ],
)
def test_near_duplicates(a: str, b: str, same: bool) -> None:
    assert near_duplicate(fold(a), fold(b)) is same


def test_a_task_said_at_more_length_is_covered() -> None:
    standing = fold(
        "Phối hợp với các doanh nghiệp viễn thông phủ sóng di động băng rộng tại các thôn, bản còn lõm sóng; "
        "thúc đẩy dùng chung hạ tầng."
    )
    assert covered_by(
        fold("Phối hợp với doanh nghiệp viễn thông hoàn thành phủ sóng tại các thôn còn lõm sóng"), standing
    )
    assert not covered_by(
        fold("Tăng cường thời lượng tuyên truyền trên hệ thống truyền thanh cơ sở"), standing
    )


def test_quarters_text() -> None:
    assert quarters_text(["2024-Q1"]) == "quý I/2024"
    assert quarters_text(["2024-Q3", "2024-Q4"]) == "quý III/2024 và quý IV/2024"


@pytest.mark.parametrize(
    ("name", "unit", "noun"),
    [
        ("Số máy chủ tại các cơ quan nhà nước", "máy", "máy chủ tại các cơ quan nhà nước"),
        ("Thuê bao Internet băng rộng cố định", "thuê bao", "thuê bao Internet băng rộng cố định"),
        ("Tổng số thuê bao điện thoại", "thuê bao", "thuê bao điện thoại"),
        ("Số trạm thu phát sóng di động (BTS)", "trạm", "trạm thu phát sóng di động (BTS)"),
        # The unit is not what the name counts: keep the name.
        ("Số cổng, trang thông tin điện tử của cơ quan nhà nước", "trang", None),
        ("Tổng số cán bộ, công chức, viên chức", "người", None),
    ],
)
def test_count_noun(name: str, unit: str, noun: str | None) -> None:
    assert count_noun(name, unit) == noun
