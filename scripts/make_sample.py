"""Write the sample province's submissions: 9 districts x 8 quarters (2023-2024) of filled Excel forms, and
the department's own workbook for each quarter (department/<quarter>.xlsx).

The figures are invented but shaped like the seeds' (trends, seasonality, a city that dominates revenue,
estimates in the latest quarters). Fixed seed: running it again writes the same figures. The department's
workbooks come from their own seeded generator, so adding them changed none of the units' figures.

    .venv/bin/python scripts/make_sample.py [--inputs inputs/lao-cai] [--department-only]
"""

from __future__ import annotations

import argparse
import random
from datetime import date, timedelta
from pathlib import Path

from baocao.catalogue import Catalogue, load_catalogue
from baocao.intake.department import department_path, ministry_name
from baocao.intake.department_form import write_department_form
from baocao.intake.form import FormContent, write_form
from baocao.intake.layout import DeptNoteSection
from baocao.intake.model import DepartmentReport, Note, Proposal, Task
from baocao.periods import ROMAN, Period, add_working_days
from baocao.province import Province, load_province

ROOT = Path(__file__).resolve().parents[1]
SEED = 20240630
DEPARTMENT_SEED = 20241010  # apart from SEED: the units' figures must not move when this part changes
QUARTERS = [Period.quarter(y, q) for y in (2023, 2024) for q in (1, 2, 3, 4)]

# Province-wide level in 2023-Q1 and growth per quarter. Flows: per quarter; stocks: at quarter end.
LEVELS: dict[str, tuple[float, float]] = {
    "BC01": (285, 0.003),
    "BC03": (37.5, 0.02),
    "BC04": (940, 0.015),
    "VT01": (16800, -0.015),
    "VT02": (820000, 0.008),
    "VT05": (2050, 0.01),
    "VT06": (298, 0.018),
    "VT08": (2050, 0.0),
    "IN01": (118000, 0.026),
    "IN03": (540000, 0.02),
    "CN01": (84, 0.01),
    "CN02": (420, 0.0),
    "CN07": (6800, 0.002),
    "CN12": (760, 0.03),
    "CN13": (1150, -0.01),
    "CN14": (17200, 0.05),
    "CN15": (19.5, 0.025),
    "BX01": (12, 0.0),
    "BX02": (180, 0.005),
    "BX03": (30, 0.0),
    "IP01": (104, 0.01),
    "IP02": (52000, 0.01),
    "IP03": (5.1, 0.01),
    "IP04": (0.55, 0.01),
    "PT01": (4180, 0.004),
    "PT03": (5320, 0.004),
    "PT05": (28000, 0.01),
    "TC01": (152, 0.0),
    "TC03": (1610, 0.01),
    "TC04": (9000, 0.015),
}
# Shares of a parent (or of a denominator) and how they drift per quarter.
SHARES: dict[str, tuple[str, float, float]] = {
    "BC02": ("BC01", 0.41, 0.0),
    "IN02": ("IN01", 0.955, 0.004),
    "VT07": ("VT08", 0.86, 0.012),
    "CN03": ("CN02", 0.95, 0.006),
    "CN05": ("CN02", 0.93, 0.01),
    "CN08": ("CN07", 0.84, 0.012),
    "CN10": ("CN07", 0.93, 0.004),
    "PT02": ("PT01", 0.14, 0.0),
    "PT04": ("PT03", 0.11, 0.0),
    "TC02": ("TC01", 0.36, 0.05),
}
# Revenue, printing and pay-TV concentrate in the city; the rest follows population.
CITY_WEIGHT = {
    "BC03": 3.0,
    "VT06": 2.6,
    "CN15": 5.0,
    "IP01": 12.0,
    "IP03": 12.0,
    "IP04": 4.0,
    "IP02": 3.0,
    "PT05": 2.5,
    "BX01": 2.0,
}
SEASON = {1: 0.96, 2: 0.99, 3: 1.0, 4: 1.06}

NOTES: dict[str, list[tuple[str | None, str]]] = {
    "highlights": [
        (
            "CN",
            "Hệ thống quản lý văn bản và điều hành được sử dụng thường xuyên; 100% văn bản đi được ký số.",
        ),
        ("CN", "Bộ phận một cửa cấp huyện tiếp nhận hồ sơ trực tuyến tăng rõ rệt so với quý trước."),
        (
            "TC",
            "Đài truyền thanh các xã duy trì tiếp sóng chương trình thời sự của Đài tỉnh và Đài Trung ương.",
        ),
        (
            "PT",
            "Đài Truyền thanh – Truyền hình sản xuất nhiều chuyên mục tuyên truyền về xây dựng nông thôn mới.",
        ),
        ("VT", "Doanh nghiệp viễn thông lắp đặt mới trạm BTS, phủ sóng 4G tại các thôn vùng cao."),
        ("BX", "Cổng thông tin điện tử thành viên cập nhật kịp thời tin, bài về hoạt động của địa phương."),
        ("BC", "Các điểm bưu điện văn hóa xã hoạt động ổn định, chuyển phát báo chí công ích đúng quy định."),
        (None, "Tổ chức tốt công tác tuyên truyền các ngày lễ lớn và sự kiện chính trị của địa phương."),
    ],
    "difficulties": [
        ("TC", "Nhiều cụm loa truyền thanh cơ sở xuống cấp, hư hỏng, chưa có kinh phí sửa chữa."),
        ("CN", "Kinh phí đầu tư cho ứng dụng công nghệ thông tin còn hạn chế; nhiều máy tính đã cũ."),
        ("CN", "Đội ngũ cán bộ phụ trách công nghệ thông tin cấp xã còn thiếu, chủ yếu kiêm nhiệm."),
        ("VT", "Một số thôn, bản vùng sâu vẫn còn lõm sóng di động, ảnh hưởng đến chuyển đổi số."),
        ("PT", "Trang thiết bị sản xuất chương trình của Đài Truyền thanh – Truyền hình đã cũ, lạc hậu."),
        ("BC", "Một số điểm bưu điện văn hóa xã hoạt động chưa hiệu quả, ít người sử dụng dịch vụ."),
        (None, "Biên chế của Phòng Văn hóa và Thông tin còn ít so với khối lượng công việc."),
    ],
    "proposals": [
        (
            "TC",
            "Đề nghị Sở tham mưu UBND tỉnh hỗ trợ kinh phí chuyển đổi đài truyền thanh cơ sở sang ứng dụng CNTT – viễn thông.",
        ),
        (
            "CN",
            "Đề nghị Sở tổ chức tập huấn cho cán bộ quản trị cổng thông tin điện tử và cán bộ một cửa cấp xã.",
        ),
        (
            "VT",
            "Đề nghị Sở đôn đốc các doanh nghiệp viễn thông phát triển hạ tầng tại các thôn còn lõm sóng.",
        ),
        (
            "PT",
            "Đề nghị hỗ trợ đầu tư trang thiết bị sản xuất chương trình cho Đài Truyền thanh – Truyền hình.",
        ),
        ("BX", "Đề nghị Sở hướng dẫn chế độ nhuận bút cho cổng thông tin điện tử thành viên."),
    ],
    "next_tasks": [
        ("CN", "Tiếp tục đẩy mạnh tiếp nhận và giải quyết hồ sơ trực tuyến toàn trình."),
        ("TC", "Tăng cường thời lượng tuyên truyền trên hệ thống truyền thanh cơ sở."),
        ("VT", "Phối hợp với doanh nghiệp viễn thông hoàn thành phủ sóng tại các thôn còn lõm sóng."),
        ("PT", "Nâng cao chất lượng chương trình phát thanh, truyền hình địa phương."),
        (None, "Hoàn thành các chỉ tiêu thông tin và truyền thông trong xây dựng nông thôn mới."),
    ],
}
PEOPLE = [
    "Nguyễn Thị Hồng",
    "Trần Văn Bình",
    "Lê Thị Thu Hà",
    "Phạm Quốc Huy",
    "Hoàng Văn Sơn",
    "Vũ Thị Lan",
    "Đỗ Mạnh Cường",
    "Lý Seo Chứ",
    "Giàng A Pao",
]


def unit_weights(province: Province) -> dict[str, float]:
    """Each unit's share of the province by 2024 population."""
    total = sum(u.population_in(2024) or 0 for u in province.units)
    return {u.code: (u.population_in(2024) or 0) / total for u in province.units}


def quarter_values(
    catalogue: Catalogue, province: Province, rng: random.Random
) -> dict[tuple[str, str], dict[str, float]]:
    """Figures per (unit, quarter) for every submitted indicator."""
    weights = unit_weights(province)
    city = province.units[0].code
    unit_bias = {u.code: rng.uniform(0.85, 1.15) for u in province.units}
    out: dict[tuple[str, str], dict[str, float]] = {}
    for step, quarter in enumerate(QUARTERS):
        for unit in province.units:
            values: dict[str, float] = {}
            for code, (level, growth) in LEVELS.items():
                ind = catalogue.get(code)
                base = level * (1 + growth) ** step
                share = weights[unit.code] * (CITY_WEIGHT.get(code, 1.0) if unit.code == city else 1.0)
                share /= 1 + (CITY_WEIGHT.get(code, 1.0) - 1) * weights[city]
                if ind.kind == "flow":
                    noise = rng.gauss(1, 0.06) * SEASON[quarter.first_quarter]
                else:
                    # Stocks drift a little; those that do not grow (villages, stations) stay put.
                    noise = 1 + rng.gauss(0, 0.004) if growth else 1.0
                values[code] = max(0.0, base * share * unit_bias[unit.code] * noise)
            for code, (parent, share, drift) in SHARES.items():
                ratio = min(1.0, share * (1 + drift) ** step * rng.uniform(0.97, 1.03))
                values[code] = values[parent] * ratio
            out[(unit.code, quarter.code)] = {
                code: round(v, catalogue.get(code).decimals) for code, v in values.items()
            }
    return out


def unit_notes(rng: random.Random) -> list[Note]:
    """A plausible set of notes: a few highlights, difficulties, proposals and tasks."""
    notes: list[Note] = []
    counts = {"highlights": (1, 3), "difficulties": (1, 2), "proposals": (0, 2), "next_tasks": (1, 2)}
    for section, (low, high) in counts.items():
        for field_code, text in rng.sample(NOTES[section], rng.randint(low, high)):
            notes.append(Note(section=section, text=text, field=field_code))  # type: ignore[arg-type]
    return notes


def write_sample(inputs: Path) -> list[Path]:
    """Write every sample submission under ``inputs/submissions`` and return the paths."""
    catalogue = load_catalogue(ROOT / "templates" / "indicators.yaml")
    province = load_province(inputs / "province.yaml", catalogue)
    rng = random.Random(SEED)
    figures = quarter_values(catalogue, province, rng)
    # Two slips a department meets in real submissions, for the checks to find in the latest quarter:
    # a computer count that breaks a warning rule, and a flow six times the unit's usual level.
    figures[("SIMACAI", "2024-Q4")]["CN10"] = round(figures[("SIMACAI", "2024-Q4")]["CN07"] * 2.2)
    figures[("BACHA", "2024-Q4")]["IP02"] = round(figures[("BACHA", "2024-Q3")]["IP02"] * 6)
    flows = {i.code for i in catalogue.submitted if i.kind == "flow"}
    written = []
    for quarter in QUARTERS:
        cutoff = quarter.end(province.calendar)
        for n, unit in enumerate(province.units):
            values = figures[(unit.code, quarter.code)]
            estimates: frozenset[str] = frozenset()
            if quarter.code == "2024-Q4" and n % 3 != 0:
                estimates = frozenset(flows)  # written before the quarter's books close
            if quarter.code == "2024-Q2" and n in (2, 5):
                estimates = frozenset({"BC03", "VT06", "CN15"})
            late = quarter.code == "2024-Q4" and unit.code == "BAOYEN"  # one unit past the deadline
            content = FormContent(
                values=values,
                estimates=estimates,
                notes=unit_notes(rng),
                person=PEOPLE[n % len(PEOPLE)],
                phone=f"0214.38{rng.randint(10000, 99999)}",
                prepared_on=add_working_days(cutoff, 8 if late else rng.randint(1, 4)),
            )
            target = inputs / "submissions" / quarter.code / f"{unit.code}.xlsx"
            written.append(write_form(target, catalogue, province, unit, quarter, content))
    return written


OWNERS = {
    "cntt": "Phòng Bưu chính, Viễn thông và Công nghệ thông tin",
    "bc": "Phòng Thông tin – Báo chí – Xuất bản",
    "tt": "Thanh tra Sở",
    "tt-cntt": "Trung tâm Công nghệ thông tin và Truyền thông",
    "vp": "Văn phòng Sở",
}
# What the department advised the province to issue, by quarter of the year ({y}: the year).
ADVISED = {
    1: [
        "Kế hoạch chuyển đổi số năm {y}",
        "Kế hoạch ứng dụng công nghệ thông tin trong cơ quan nhà nước năm {y}",
    ],
    2: [
        "Kế hoạch bảo đảm an toàn thông tin mạng năm {y}",
        "Quyết định phê duyệt danh mục dịch vụ công trực tuyến",
    ],
    3: ["Kế hoạch tổ chức các hoạt động hưởng ứng Ngày Chuyển đổi số quốc gia 10/10/{y}"],
    4: ["Kế hoạch thông tin đối ngoại năm {n}", "Chỉ thị về tăng cường bảo đảm an toàn thông tin mạng"],
}
LIMITATIONS: list[tuple[str | None, str]] = [
    ("CN", "Việc triển khai ứng dụng công nghệ thông tin chưa đồng đều giữa các cơ quan, đơn vị."),
    ("CN", "Tỷ lệ hồ sơ trực tuyến toàn trình còn thấp so với chỉ tiêu được giao."),
    ("TC", "Hệ thống truyền thanh cơ sở tại một số xã xuống cấp, hoạt động chưa hiệu quả."),
    ("BX", "Công tác quản lý thông tin trên mạng xã hội còn gặp nhiều khó khăn."),
    (None, "Chất lượng số liệu báo cáo của một số đơn vị chưa cao, phải rà soát, đối chiếu nhiều lần."),
]
CAUSES: list[tuple[str | None, str]] = [
    ("CN", "Kinh phí đầu tư cho ứng dụng công nghệ thông tin còn hạn chế."),
    ("CN", "Nhân lực công nghệ thông tin tại cấp huyện, cấp xã còn thiếu, chủ yếu kiêm nhiệm."),
    (None, "Địa bàn rộng, giao thông khó khăn, ảnh hưởng đến công tác thanh tra, kiểm tra."),
]


def _decimal(value: float) -> str:
    """A figure the Vietnamese way: 7,5 and 10."""
    return f"{value:g}".replace(".", ",")


def _quarter_words(quarter: Period) -> str:
    return f"quý {ROMAN[quarter.last_quarter]}/{quarter.year}"


def department_figures(step: int, rng: random.Random) -> dict[str, float]:
    """One quarter's figures of the department's own indicators."""
    cases = rng.randint(1, 4)
    classes = rng.randint(2, 5)
    return {
        "SO01": float(rng.randint(3, 7)),
        "SO02": float(rng.randint(12, 26)),
        "SO03": float(rng.randint(2, 5)),
        "SO04": float(rng.randint(10, 24)),
        "SO05": float(cases),
        "SO06": cases * rng.choice([5.0, 7.5, 10.0]),
        "SO07": float(rng.randint(0, 2)),
        "SO08": float(rng.randint(2, 6)),
        "SO09": float(rng.randint(0, 2)),
        "SO10": float(rng.randint(1, 4)),
        "SO11": float(classes),
        "SO12": float(classes * rng.randint(45, 80)),
        "SO13": float(rng.randint(8, 30)),
        "SO14": float(16 + 3 * step),
    }


def department_report(province: Province, quarter: Period, step: int, rng: random.Random) -> DepartmentReport:
    """The sample department's quarter: figures, and the seeds' kind of sentences built from them."""
    f = department_figures(step, rng)
    y = quarter.year
    advised = [t.format(y=y, n=y + 1) for t in ADVISED[quarter.last_quarter]]
    results: dict[tuple[DeptNoteSection, str | None], tuple[str, ...]] = {
        ("results", "TH"): (
            *(f"Tham mưu UBND tỉnh ban hành {t}." for t in advised),
            f"Tổ chức {f['SO03']:02.0f} cuộc thanh tra, kiểm tra; kiểm tra {f['SO04']:.0f} đại lý Internet, "
            f"điểm truy nhập Internet công cộng, xử phạt {f['SO05']:02.0f} trường hợp, "
            f"{_decimal(f['SO06'])} triệu đồng.",
        ),
        ("results", "BX"): (
            f"Cấp {f['SO08']:02.0f} giấy phép xuất bản bản tin, {f['SO09']:02.0f} giấy phép thiết lập trang thông tin "
            "điện tử tổng hợp.",
        ),
        ("results", "CN"): (
            f"Tổ chức {f['SO11']:02.0f} lớp tập huấn về chuyển đổi số, an toàn thông tin cho {f['SO12']:.0f} lượt "
            "cán bộ, công chức cấp huyện, cấp xã.",
            f"Tiếp nhận, hướng dẫn xử lý {f['SO13']:.0f} sự cố, cảnh báo an toàn thông tin.",
        ),
    }
    notes = dict(results)
    for section, pool in (("limitations", LIMITATIONS), ("causes", CAUSES)):
        for field_code, text in rng.sample(pool, 2):
            key: tuple[DeptNoteSection, str | None] = (section, field_code)  # type: ignore[assignment]
            notes[key] = (*notes.get(key, ()), text)
    end = quarter.end("statistical")
    next_end = (end + timedelta(days=92)).replace(day=1) - timedelta(days=1)
    due = date(next_end.year, next_end.month, 15) if next_end.month != end.month else next_end
    tasks = (
        Task(f"Hoàn thành báo cáo kết quả thực hiện {advised[0]}", OWNERS["cntt"], due, "CN"),
        Task(
            "Tổ chức kiểm tra hoạt động in, phát hành xuất bản phẩm trên địa bàn tỉnh",
            OWNERS["tt"],
            next_end,
            "IP",
        ),
        Task("Duy trì vận hành an toàn Trung tâm dữ liệu tỉnh", OWNERS["tt-cntt"], None, "CN"),
        Task(
            f"Tổng hợp báo cáo công tác {_quarter_words(quarter)} gửi Bộ, UBND tỉnh",
            OWNERS["vp"],
            end + timedelta(days=10),
            None,
        ),
    )
    proposals = (
        Proposal(
            "Bố trí kinh phí chuyển đổi hệ thống truyền thanh cơ sở sang ứng dụng CNTT – viễn thông.",
            "UBND tỉnh",
            "TC",
        ),
        Proposal(
            "Hướng dẫn tiêu chí, định mức kinh tế – kỹ thuật cho các nhiệm vụ chuyển đổi số cấp xã.",
            ministry_name(province),
            "CN",
        ),
    )
    prepared = add_working_days(quarter.end(province.calendar), 3)
    estimates = frozenset({"SO12"}) if quarter.code == "2024-Q4" else frozenset()
    return DepartmentReport(
        period=quarter.code,
        figures=f,
        estimates=estimates,
        notes=notes,
        proposals=proposals[: 1 + step % 2],
        tasks=tasks,
        person="Trần Thị Minh Hằng",
        prepared_on=prepared,
        quarters=(quarter.code,),
        files=(f"{quarter.code}.xlsx",),
    )


def write_department_sample(inputs: Path) -> list[Path]:
    """Write the department's workbook of every sample quarter under ``inputs/department``."""
    catalogue = load_catalogue(ROOT / "templates" / "indicators.yaml")
    province = load_province(inputs / "province.yaml", catalogue)
    rng = random.Random(DEPARTMENT_SEED)
    written = []
    for step, quarter in enumerate(QUARTERS):
        report = department_report(province, quarter, step, rng)
        target = department_path(inputs, quarter)
        written.append(write_department_form(target, catalogue, province, quarter, report))
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=Path, default=ROOT / "inputs" / "lao-cai")
    parser.add_argument(
        "--department-only", action="store_true", help="only the department's workbooks (units' untouched)"
    )
    args = parser.parse_args()
    if not args.department_only:
        paths = write_sample(args.inputs)
        print(f"wrote {len(paths)} submissions under {args.inputs / 'submissions'}")
    own = write_department_sample(args.inputs)
    print(f"wrote {len(own)} department workbooks under {args.inputs / 'department'}")


if __name__ == "__main__":
    main()
