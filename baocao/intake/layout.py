"""The submission workbook's layout, shared by the form writer and the reader.

The reader finds sheets, columns and metadata rows by their labels (compared without diacritics or case), not
by position, so a unit that inserts a row or reorders columns is still read correctly.
"""

from __future__ import annotations

from typing import Literal

SHEET_INFO = "Thông tin"
SHEET_DATA = "Số liệu"
SHEET_NOTES = "Ghi chú"
SHEET_HELP = "Hướng dẫn"

INFO_UNIT = "Mã đơn vị"
INFO_UNIT_NAME = "Tên đơn vị"
INFO_PERIOD = "Kỳ báo cáo"
INFO_PERSON = "Người lập"
INFO_PHONE = "Điện thoại"
INFO_DATE = "Ngày lập"
INFO_LABELS = (INFO_UNIT, INFO_UNIT_NAME, INFO_PERIOD, INFO_PERSON, INFO_PHONE, INFO_DATE)

COL_NO = "STT"
COL_CODE = "Mã chỉ tiêu"
COL_NAME = "Tên chỉ tiêu"
COL_UNIT = "Đơn vị tính"
COL_VALUE = "Giá trị"
COL_STATUS = "Tình trạng"
COL_REMARK = "Ghi chú"
COL_PREVIOUS = "Kỳ trước (tham khảo)"
DATA_COLUMNS = (COL_NO, COL_CODE, COL_NAME, COL_UNIT, COL_VALUE, COL_STATUS, COL_REMARK, COL_PREVIOUS)

STATUS_ACTUAL = "thực hiện"
STATUS_ESTIMATE = "ước"

COL_SECTION = "Mục"
COL_FIELD = "Lĩnh vực"
COL_TEXT = "Nội dung"
NOTE_COLUMNS = (COL_SECTION, COL_FIELD, COL_TEXT)

NoteSection = Literal["highlights", "difficulties", "proposals", "next_tasks"]
NOTE_SECTIONS: dict[NoteSection, str] = {
    "highlights": "Kết quả nổi bật",
    "difficulties": "Khó khăn – vướng mắc",
    "proposals": "Kiến nghị – đề xuất",
    "next_tasks": "Nhiệm vụ kỳ tới",
}

# CSV long format: one figure per line.
CSV_COLUMNS = ("unit", "period", "indicator", "value")
CSV_OPTIONAL = ("status",)

# The department's own workbook per quarter (inputs/<province>/department/<quarter>.xlsx).
SHEET_DEPT_DATA = "Chỉ tiêu của Sở"
SHEET_DEPT_NOTES = "Nội dung báo cáo"
INFO_AGENCY = "Cơ quan báo cáo"
DEPT_INFO_LABELS = (INFO_AGENCY, INFO_PERIOD, INFO_PERSON, INFO_PHONE, INFO_DATE)
DEPT_DATA_COLUMNS = (COL_NO, COL_CODE, COL_NAME, COL_UNIT, COL_VALUE, COL_STATUS, COL_REMARK)
COL_ADDRESSEE = "Kiến nghị với"
COL_OWNER = "Đơn vị chủ trì"
COL_DEADLINE = "Thời hạn"
DEPT_NOTE_COLUMNS = (COL_SECTION, COL_FIELD, COL_TEXT, COL_ADDRESSEE, COL_OWNER, COL_DEADLINE)
ADDRESSEE_PROVINCE = "UBND tỉnh"

DeptNoteSection = Literal["results", "limitations", "causes"]
DeptSection = Literal["results", "limitations", "causes", "proposals", "tasks"]
DEPT_SECTIONS: dict[DeptSection, str] = {
    "results": "Kết quả",
    "limitations": "Tồn tại, hạn chế",
    "causes": "Nguyên nhân",
    "proposals": "Kiến nghị",
    "tasks": "Nhiệm vụ kỳ tới",
}
# Other ways staff write a section (folded): the seeds' own headings.
DEPT_SECTION_ALIASES: dict[str, DeptSection] = {
    "ket qua dat duoc": "results",
    "ket qua noi bat": "results",
    "ton tai": "limitations",
    "han che": "limitations",
    "ton tai han che": "limitations",
    "kho khan vuong mac": "limitations",
    "nguyen nhan": "causes",
    "kien nghi de xuat": "proposals",
    "de xuat": "proposals",
    "nhiem vu": "tasks",
    "nhiem vu trong tam": "tasks",
    "nhiem vu ky toi": "tasks",
}
