"""WorkingCalendar alone: package years, override files, fallback years (no database, no network)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ledger.clock.calendar import (
    HolidayFileError,
    HolidayYear,
    WorkingCalendar,
    load_holiday_file,
    parse_holiday_year,
)

# A made-up 2027 override: the dates are examples for the tests, not the official schedule.
FAKE_2027 = """\
year = 2027
source = "测试用 2027 年安排"

[[holidays]]
name = "元旦"
date = 2027-01-01

[[holidays]]
name = "测试假期"
start = 2027-01-11
end = 2027-01-13

[[workdays]]
date = 2027-01-09
name = "测试调休上班"
"""


@pytest.fixture
def cal() -> WorkingCalendar:
    return WorkingCalendar()


def test_national_day_2026_with_makeup_saturday(cal: WorkingCalendar) -> None:
    assert not cal.is_workday(date(2026, 10, 1))
    assert cal.describe(date(2026, 10, 5)) == (False, "国庆节")
    assert cal.describe(date(2026, 10, 10)) == (True, "国庆节调休上班")  # a Saturday
    assert cal.describe(date(2026, 10, 11)) == (False, "周末")
    count = cal.add_workdays(date(2026, 9, 25), 5)
    assert count.end == date(2026, 10, 9)
    assert (date(2026, 10, 1), "国庆节") in count.skipped
    assert (date(2026, 9, 26), "中秋节") in count.skipped
    assert count.warnings == []


def test_spring_festival_2026_makeup_saturday_counts(cal: WorkingCalendar) -> None:
    count = cal.add_workdays(date(2026, 2, 11), 5)
    assert count.end == date(2026, 2, 25)
    assert cal.is_workday(date(2026, 2, 14)) and cal.is_workday(date(2026, 2, 28))
    assert [d for d, _ in count.skipped] == [date(2026, 2, d) for d in range(15, 24)]


def test_day_zero_and_negative_counts(cal: WorkingCalendar) -> None:
    assert cal.add_workdays(date(2026, 10, 3), 0).end == date(2026, 10, 3)
    assert cal.add_workdays(date(2026, 10, 9), -5).end == date(2026, 9, 24)


def test_workdays_between_is_half_open(cal: WorkingCalendar) -> None:
    assert cal.workdays_between(date(2026, 9, 25), date(2026, 10, 9)) == 5
    assert cal.workdays_between(date(2026, 10, 9), date(2026, 9, 25)) == -5
    assert cal.workdays_between(date(2026, 10, 9), date(2026, 10, 9)) == 0


def test_coverage(cal: WorkingCalendar) -> None:
    assert cal.coverage(2026) == "package"
    assert cal.coverage(2027) == "fallback"
    assert cal.coverage(1999) == "fallback"
    with_file = WorkingCalendar([HolidayYear(2027, {date(2027, 1, 1): "元旦"})])
    assert with_file.coverage(2027) == "file"


def test_fallback_year_is_monday_to_friday_with_warning(cal: WorkingCalendar) -> None:
    assert cal.is_workday(date(2027, 1, 1))  # a Friday; real holiday unknown
    assert not cal.is_workday(date(2027, 1, 2))
    count = cal.add_workdays(date(2027, 1, 4), 5)
    assert count.end == date(2027, 1, 11)
    assert count.warnings == [
        "2027 年节假日未载入（chinesecalendar 仅到 2026 年，也无 data/holidays/2027.toml），"
        "按周一至周五计算；请管理员补充节假日文件"
    ]


def test_span_from_late_december_2026_into_2027_never_raises(cal: WorkingCalendar) -> None:
    count = cal.add_workdays(date(2026, 12, 20), 20)
    assert count.end == date(2027, 1, 15)
    assert len(count.warnings) == 1 and "2027" in count.warnings[0]
    assert cal.workdays_between(date(2026, 12, 30), date(2027, 2, 1)) > 0
    # far future years too
    assert cal.add_workdays(date(2030, 12, 31), 3).end == date(2031, 1, 3)


def test_holiday_file_for_2027_is_used(tmp_path: Path) -> None:
    (tmp_path / "2027.toml").write_text(FAKE_2027, encoding="utf-8")
    cal = WorkingCalendar.from_dir(tmp_path)
    assert cal.coverage(2027) == "file"
    assert cal.describe(date(2027, 1, 1)) == (False, "元旦")
    assert cal.describe(date(2027, 1, 9)) == (True, "测试调休上班")
    count = cal.add_workdays(date(2026, 12, 31), 5)
    # 1-1 holiday, 1-2/1-3 weekend; 1-4..1-8 are five working days
    assert count.end == date(2027, 1, 8)
    assert count.warnings == []
    count = cal.add_workdays(date(2027, 1, 8), 2)  # Sat 1-9 works, 1-11..13 off
    assert count.end == date(2027, 1, 14)
    assert (date(2027, 1, 12), "测试假期") in count.skipped


def test_override_replaces_package_year() -> None:
    # National Day 2026 is a holiday in the package; a file for 2026 replaces the whole year.
    cal = WorkingCalendar([parse_holiday_year({"holidays": []}, year=2026)])
    assert cal.coverage(2026) == "file"
    assert cal.is_workday(date(2026, 10, 1))
    assert not cal.is_workday(date(2026, 10, 10))  # no longer a 调休 Saturday


def test_missing_folder_means_no_overrides(tmp_path: Path) -> None:
    assert WorkingCalendar.from_dir(tmp_path / "nope").coverage(2027) == "fallback"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[holidays]]\nname = "春节"\nstart = 2027-02-10\nend = 2027-02-01\n', "第 1 行"),
        ('[[holidays]]\nname = "春节"\n', "缺少日期"),
        ("[[holidays]]\ndate = 2027-01-01\n", "缺少假期名称"),
        ('[[holidays]]\nname = "元旦"\ndate = 2026-01-01\n', "不在 2027 年内"),
        ("[[workdays]]\ndate = 2027-01-04\n", "本来就是工作日"),
        ("year = 2028\n", "与文件对应的年份 2027 不一致"),
        ("holidayz = []\n", "不认识的字段"),
        ('[[holidays]]\nname = "元旦"\ndate = "2027-13-01"\n', "不是日期"),
        ('[[holidays]]\nname = "元旦"\ndate = 2027-01-01T08:00:00\n', "不要带时间"),
        ("[[holidays]\nname = 1\n", "不是合法的 TOML"),
    ],
)
def test_malformed_holiday_file_gives_clear_error(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "2027.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(HolidayFileError) as info:
        load_holiday_file(path)
    message = str(info.value)
    assert expected in message
    assert "2027.toml" in message


def test_error_names_the_line_of_the_bad_entry(tmp_path: Path) -> None:
    bad = FAKE_2027 + '\n[[holidays]]\nname = "坏"\nstart = 2027-05-05\nend = 2027-05-01\n'
    (tmp_path / "2027.toml").write_text(bad, encoding="utf-8")
    with pytest.raises(HolidayFileError, match=r"第 17 行（\[\[holidays\]\] 第 3 项）"):
        WorkingCalendar.from_dir(tmp_path)


def test_badly_named_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "2027年.toml").write_text(FAKE_2027, encoding="utf-8")
    with pytest.raises(HolidayFileError, match="<年份>.toml"):
        WorkingCalendar.from_dir(tmp_path)


def test_overlapping_holiday_and_workday_rejected() -> None:
    data = {"holidays": [{"name": "甲", "date": date(2027, 1, 2)}], "workdays": [date(2027, 1, 2)]}
    with pytest.raises(HolidayFileError, match="同时列为假日和调休上班日"):
        parse_holiday_year(data, year=2027)


def test_repository_holiday_folder_loads() -> None:
    folder = Path(__file__).resolve().parents[2] / "data" / "holidays"
    WorkingCalendar.from_dir(folder)  # README only, no guessed 2027 file
    assert not (folder / "2027.toml").exists()
