"""Working-day calendar for China (statutory holidays and 调休 workdays), pure and file-free.

Data comes, per year, from one of three places (see ``WorkingCalendar.coverage``):
- ``file``: an administrator's override ``data/holidays/<year>.toml`` (wins, even for years the
  package knows: the file then replaces the package's data for that whole year);
- ``package``: the ``chinesecalendar`` package (2004–2026 in 1.11);
- ``fallback``: Monday–Friday, with a warning saying the year's holidays are not loaded.

The package raises NotImplementedError for years it lacks, even inside ``find_workday``; we never
call it outside its known range, so nothing here raises for a missing year.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, NoReturn

import chinese_calendar
from chinese_calendar import constants as _cc

__all__ = [
    "Coverage",
    "HolidayFileError",
    "HolidayYear",
    "WorkdayCount",
    "WorkingCalendar",
    "load_holiday_file",
    "parse_holiday_year",
]

Coverage = Literal["package", "file", "fallback"]

WEEKEND = "周末"

# chinesecalendar names holidays in English; staff read Chinese.
_HOLIDAY_NAMES_ZH: dict[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}

_PACKAGE_YEARS = range(min(d.year for d in _cc.holidays), max(d.year for d in _cc.holidays) + 1)


class HolidayFileError(ValueError):
    """A holiday override file (or dict) is malformed; the message says where and what to do."""


@dataclass(frozen=True)
class HolidayYear:
    """One year's overrides: every non-working weekday and every 调休 working weekend day."""

    year: int
    holidays: Mapping[date, str]  # date -> holiday name (元旦, 春节...)
    workdays: Mapping[date, str] = field(default_factory=dict)  # weekend date -> label
    source: str = ""  # where it came from (file path, notice number)


@dataclass(frozen=True)
class WorkdayCount:
    """Result of ``add_workdays``: the end date and how it was reached."""

    end: date
    skipped: list[tuple[date, str]]  # non-working days stepped over, with the reason
    warnings: list[str]


class WorkingCalendar:
    """Answers "is this a working day?" for any date; never raises for a missing year."""

    def __init__(self, overrides: Iterable[HolidayYear] | Mapping[int, HolidayYear] = ()) -> None:
        items = overrides.values() if isinstance(overrides, Mapping) else overrides
        self._overrides: dict[int, HolidayYear] = {}
        for item in items:
            if item.year in self._overrides:
                raise HolidayFileError(f"{item.year} 年的节假日数据重复提供（{item.source}）。")
            self._overrides[item.year] = item
        # describe() is asked about the same days for every item of a crawl; the answer for a day
        # never changes within one calendar object (overrides are fixed at construction).
        self._described: dict[date, tuple[bool, str | None]] = {}

    @classmethod
    def from_dir(cls, path: str | Path) -> WorkingCalendar:
        """Load every ``<year>.toml`` in ``path``; other ``*.toml`` names are an error.

        A missing folder means "no overrides" (years past the package then fall back to
        Mon–Fri with a warning) rather than stopping intake.
        """
        folder = Path(path)
        if not folder.is_dir():
            return cls()
        years = []
        for file in sorted(folder.glob("*.toml")):
            if not re.fullmatch(r"\d{4}\.toml", file.name):
                raise HolidayFileError(
                    f"节假日文件 {file} 的文件名不对：应命名为 <年份>.toml，例如 2027.toml。"
                )
            years.append(load_holiday_file(file))
        return cls(years)

    # -- per-day questions -------------------------------------------------------------

    def coverage(self, year: int) -> Coverage:
        if year in self._overrides:
            return "file"
        if year in _PACKAGE_YEARS:
            return "package"
        return "fallback"

    def describe(self, d: date) -> tuple[bool, str | None]:
        """(is working day, label): a holiday name or 周末 for rest days, 调休 label for make-up
        working weekend days, None for ordinary weekdays."""
        d = _as_date(d)
        known = self._described.get(d)
        if known is None:
            known = self._described[d] = self._describe(d)
        return known

    def _describe(self, d: date) -> tuple[bool, str | None]:
        source = self.coverage(d.year)
        if source == "file":
            ov = self._overrides[d.year]
            if d in ov.workdays:
                return True, ov.workdays[d]
            if d in ov.holidays:
                return False, ov.holidays[d]
        elif source == "package":
            try:
                _, name = chinese_calendar.get_holiday_detail(d)
                working = chinese_calendar.is_workday(d)
            except NotImplementedError:  # defensive: the package's range moved
                name, working = None, d.weekday() < 5
            if name is not None:
                zh = _HOLIDAY_NAMES_ZH.get(name, name)
                if working:
                    return True, f"{zh}调休上班" if d.weekday() >= 5 else None
                return False, zh
            return working, None if working else WEEKEND
        if d.weekday() >= 5:
            return False, WEEKEND
        return True, None

    def is_workday(self, d: date) -> bool:
        return self.describe(d)[0]

    def fallback_warning(self, year: int) -> str | None:
        """The visible warning for a year with neither package data nor a file, else None."""
        if self.coverage(year) != "fallback":
            return None
        last = _PACKAGE_YEARS[-1]
        why = (
            f"chinesecalendar 仅到 {last} 年"
            if year > last
            else f"chinesecalendar 仅含 {_PACKAGE_YEARS[0]}–{last} 年"
        )
        return (
            f"{year} 年节假日未载入（{why}，也无 data/holidays/{year}.toml），"
            "按周一至周五计算；请管理员补充节假日文件"
        )

    # -- counting ----------------------------------------------------------------------

    def add_workdays(self, start: date, n: int) -> WorkdayCount:
        """The n-th working day after ``start`` (``start`` is day zero; n < 0 counts backwards).

        n == 0 returns ``start`` itself, working day or not.
        """
        start = _as_date(start)
        step = timedelta(days=1 if n >= 0 else -1)
        skipped: list[tuple[date, str]] = []
        warnings: list[str] = []
        day, remaining = start, abs(n)
        while remaining:
            day += step
            self._note_year(day.year, warnings)
            working, label = self.describe(day)
            if working:
                remaining -= 1
            else:
                skipped.append((day, label or WEEKEND))
        return WorkdayCount(end=day, skipped=skipped, warnings=warnings)

    def workdays_between(self, a: date, b: date) -> int:
        """Working days in (a, b]; negative when b is before a."""
        a, b = _as_date(a), _as_date(b)
        if b < a:
            return -self.workdays_between(b, a)
        count, day = 0, a
        while day < b:
            day += timedelta(days=1)
            count += self.is_workday(day)
        return count

    def _note_year(self, year: int, warnings: list[str]) -> None:
        warning = self.fallback_warning(year)
        if warning and warning not in warnings:
            warnings.append(warning)


def _as_date(d: date) -> date:
    # A datetime is a date subclass; its clock time must not leak into day arithmetic.
    if isinstance(d, datetime):
        raise TypeError(
            "WorkingCalendar 需要 date（当地日期），不是 datetime；请先换算为北京时间日期"
        )
    return d


# -- override files -------------------------------------------------------------------------

_EXAMPLE = (
    "格式示例见 data/holidays/README.md：\n"
    '  [[holidays]]\n  name = "春节"\n  start = 2027-02-06\n  end = 2027-02-13\n'
    '  [[workdays]]\n  date = 2027-02-20\n  name = "春节调休上班"'
)


def load_holiday_file(path: str | Path) -> HolidayYear:
    """Parse and validate ``<year>.toml``; errors name the file, the line and the fix."""
    file = Path(path)
    match = re.fullmatch(r"(\d{4})\.toml", file.name)
    if not match:
        raise HolidayFileError(f"节假日文件 {file} 的文件名应为 <年份>.toml，例如 2027.toml。")
    text = file.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        where = f"第 {line.group(1)} 行附近" if line else ""
        raise HolidayFileError(
            f"节假日文件 {file} {where}不是合法的 TOML（{exc}）。"
            "常见原因：日期两边加了引号以外的字符、漏了等号或引号。" + _EXAMPLE
        ) from exc
    return parse_holiday_year(data, year=int(match.group(1)), source=str(file), text=text)


def parse_holiday_year(
    data: Mapping[str, Any], *, year: int, source: str = "<内存>", text: str | None = None
) -> HolidayYear:
    """Validate one year's override data (the parsed TOML). ``text`` only serves line numbers."""
    checker = _Checker(year, source, text)
    return checker.check(data)


class _Checker:
    def __init__(self, year: int, source: str, text: str | None) -> None:
        self.year, self.source, self.text = year, source, text

    def fail(self, msg: str, section: str | None = None, index: int | None = None) -> NoReturn:
        where = ""
        if section is not None and index is not None:
            line = self._line_of(section, index)
            where = (
                f"第 {line} 行（[[{section}]] 第 {index + 1} 项）"
                if line
                else (f"{section} 第 {index + 1} 项")
            )
        raise HolidayFileError(f"节假日文件 {self.source} {where}：{msg}")

    def _line_of(self, section: str, index: int) -> int | None:
        if self.text is None:
            return None
        pattern = re.compile(rf"^\s*\[\[\s*{section}\s*\]\]")
        lines = [i for i, ln in enumerate(self.text.splitlines(), 1) if pattern.match(ln)]
        return lines[index] if index < len(lines) else None

    def check(self, data: Mapping[str, Any]) -> HolidayYear:
        unknown = set(data) - {"year", "source", "holidays", "workdays"}
        if unknown:
            self.fail(f"不认识的字段 {sorted(unknown)}；只允许 year、source、holidays、workdays。")
        if "year" in data and data["year"] != self.year:
            self.fail(f"year = {data['year']!r} 与文件对应的年份 {self.year} 不一致，请改成一致。")
        holidays = self._holidays(data.get("holidays", []))
        workdays = self._workdays(data.get("workdays", []))
        both = sorted(set(holidays) & set(workdays))
        if both:
            self.fail(f"{both[0]} 同时列为假日和调休上班日，请删去其中一处。")
        label = str(data.get("source", "")) or self.source
        return HolidayYear(self.year, holidays, workdays, source=label)

    def _date(self, value: Any, what: str, section: str, index: int) -> date:
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value.strip())
            except ValueError:
                self.fail(
                    f"{what} = {value!r} 不是日期；请写成 {self.year}-01-01 这样的格式。",
                    section,
                    index,
                )
        if isinstance(value, datetime) or not isinstance(value, date):
            self.fail(
                f"{what} 应为日期（如 {self.year}-01-01），不要带时间或写成数字。", section, index
            )
        if value.year != self.year:
            self.fail(
                f"{what} = {value} 不在 {self.year} 年内；每个文件只写本年的日期。", section, index
            )
        return value

    def _holidays(self, entries: Any) -> dict[date, str]:
        if not isinstance(entries, list):
            self.fail("holidays 应为列表：每个假期写一个 [[holidays]] 段。" + _EXAMPLE)
        result: dict[date, str] = {}
        for i, entry in enumerate(entries):
            if not isinstance(entry, Mapping):
                self.fail(
                    "每个假期应写成一段，含 name 与 date（或 start/end）。" + _EXAMPLE,
                    "holidays",
                    i,
                )
            unknown = set(entry) - {"name", "date", "start", "end"}
            if unknown:
                self.fail(
                    f"不认识的字段 {sorted(unknown)}；只允许 name、date、start、end。",
                    "holidays",
                    i,
                )
            name = entry.get("name")
            if not isinstance(name, str) or not name.strip():
                self.fail('缺少假期名称 name（如 name = "春节"）。', "holidays", i)
            if "date" in entry and ("start" in entry or "end" in entry):
                self.fail(
                    "单日假期写 date，多日假期写 start 与 end，二者不要同时写。", "holidays", i
                )
            if "date" in entry:
                first = last = self._date(entry["date"], "date", "holidays", i)
            elif "start" in entry:
                first = self._date(entry["start"], "start", "holidays", i)
                last = self._date(entry.get("end", entry["start"]), "end", "holidays", i)
            else:
                self.fail(
                    "缺少日期：单日写 date = …，多日写 start = … 与 end = …（含首尾）。",
                    "holidays",
                    i,
                )
            if last < first:
                self.fail(f"end（{last}）早于 start（{first}），请检查。", "holidays", i)
            day = first
            while day <= last:
                if day in result:
                    self.fail(
                        f"{day} 已在前面的假期「{result[day]}」中出现，请删去重复。", "holidays", i
                    )
                result[day] = name.strip()
                day += timedelta(days=1)
        return result

    def _workdays(self, entries: Any) -> dict[date, str]:
        if not isinstance(entries, list):
            self.fail("workdays 应为列表：每个调休上班日写一个 [[workdays]] 段。" + _EXAMPLE)
        result: dict[date, str] = {}
        for i, entry in enumerate(entries):
            name = "调休上班"
            if isinstance(entry, Mapping):
                unknown = set(entry) - {"date", "name"}
                if unknown:
                    self.fail(f"不认识的字段 {sorted(unknown)}；只允许 date、name。", "workdays", i)
                if "date" not in entry:
                    self.fail("缺少 date（调休上班的周六或周日）。", "workdays", i)
                name = str(entry.get("name") or name)
                value = entry["date"]
            else:
                value = entry
            day = self._date(value, "date", "workdays", i)
            if day.weekday() < 5:
                self.fail(
                    f"{day} 是周{'一二三四五'[day.weekday()]}，本来就是工作日；"
                    "workdays 只列调休上班的周六、周日，请检查日期。",
                    "workdays",
                    i,
                )
            if day in result:
                self.fail(f"{day} 重复列出，请删去一处。", "workdays", i)
            result[day] = name
        return result
