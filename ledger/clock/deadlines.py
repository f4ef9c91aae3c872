"""Deadline rules (data, in data/deadline_rules.toml), deadline computation and its explanation.

Conventions (also in data/deadline_rules.toml):
- The receipt day is day zero; counting starts the next day, on Asia/Shanghai dates.
- workdays / calendar_days / months end at 23:59:59 Asia/Shanghai on the due day; hours are calendar
  hours from the moment of receipt. Results are aware datetimes in UTC.
- A pause from P to R removes the days (P, R] (the resume day is a new day zero); a pause still open
  stops the clock: ``due_at`` is then the earliest possible due time (as if resumed at once) and
  ``clock_stopped`` is True, so ``deadline_status`` reports 正常 until it is recomputed.
- 黄牌 starts when only ``warn_before`` units are left (warn_before=1 working day: from the end
  of the second-to-last working day).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from ledger.clock.calendar import WorkingCalendar
from ledger.clock.rules import (  # re-exported: callers import rules from here too
    UNIT_ZH,
    DeadlineRule,
    RuleBook,
    RuleFileError,
    Unit,
    UnknownItemType,
    load_rules,
    parse_rules,
)

__all__ = [
    "UNIT_ZH",
    "ClockEvent",
    "DeadlineResult",
    "DeadlineRule",
    "RuleBook",
    "RuleFileError",
    "Unit",
    "UnknownItemType",
    "compute_deadline",
    "deadline_status",
    "load_rules",
    "parse_rules",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")
Status = Literal["正常", "黄牌", "红牌"]
EventKind = Literal["pause", "resume", "extend", "restart"]
_END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class ClockEvent:
    kind: EventKind
    at: datetime  # aware
    amount: int | None = None  # extend: units granted
    reason: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ("pause", "resume", "extend", "restart"):
            raise ValueError(f"未知的计时事件 {self.kind!r}（应为 pause/resume/extend/restart）")
        _require_aware(self.at, "ClockEvent.at")
        if self.kind == "extend" and (not isinstance(self.amount, int) or self.amount <= 0):
            raise ValueError("延期事件（extend）须给出正整数 amount")


@dataclass(frozen=True)
class Pause:
    start: datetime
    end: datetime | None  # None: still paused
    reason: str
    not_counted: int  # units removed from the clock (0 when paused after the deadline)


@dataclass(frozen=True)
class Extension:
    at: datetime
    requested: int
    granted: int  # after the extension_max cap
    reason: str


@dataclass(frozen=True)
class DeadlineResult:
    rule: DeadlineRule
    received_at: datetime  # UTC
    start: date  # day zero (Asia/Shanghai date); the 补正 date after a restart
    due_at: datetime  # UTC
    warn_at: datetime  # UTC
    skipped: tuple[tuple[date, str], ...] = ()  # non-working days stepped over
    makeup_workdays: tuple[tuple[date, str], ...] = ()  # 调休 weekend days that counted
    pauses: tuple[Pause, ...] = ()
    extensions: tuple[Extension, ...] = ()
    restarted_at: datetime | None = None
    source_due_at: datetime | None = None  # the order's own 办理时限, when it was used
    clock_stopped: bool = False
    warnings: tuple[str, ...] = field(default=())

    @property
    def due_date(self) -> date:
        return self.due_at.astimezone(SHANGHAI).date()

    def explain(self) -> list[str]:
        """How the deadline was computed, in Chinese, one fact per line."""
        r, unit = self.rule, UNIT_ZH[self.rule.unit]
        lines = [f"规则：{r.name}（{r.key}），{r.describe()}；依据：{r.legal_source}"]
        if self.source_due_at is not None:
            lines.append(
                f"办理时限以来源工单为准：{_fmt(self.source_due_at)}（优先于规则的{r.describe()}）"
            )
        if r.unit == "hours":
            lines.append(f"收到时间：{_fmt(self.received_at)}（北京时间），按自然小时计算")
        else:
            lines.append(
                f"收到时间：{_fmt(self.received_at)}（北京时间）；起算日 {self.start}"
                "（收到当日为第0日，次日起算）"
            )
        if self.restarted_at is not None:
            lines.append(f"补正后重新起算：{_fmt(self.restarted_at)}，起算日改为 {self.start}")
        if self.skipped:
            lines.append("跳过的节假日/周末：" + _ranges(self.skipped))
        if self.makeup_workdays:
            lines.append("计入的调休上班日：" + _ranges(self.makeup_workdays))
        for p in self.pauses:
            end = _fmt(p.end) if p.end else "尚未恢复"
            lines.append(
                f"暂停：{_fmt(p.start)} 至 {end}（{p.reason or '未注明原因'}），"
                f"不计入 {p.not_counted} {unit}"
            )
        for x in self.extensions:
            asked = f"（申请 {x.requested}，超出上限部分不计）" if x.granted != x.requested else ""
            why = f"，原因：{x.reason}" if x.reason else ""
            lines.append(f"延期：{_fmt(x.at)} 延期 {x.granted} {unit}{asked}{why}")
        local_due = self.due_at.astimezone(SHANGHAI)
        stopped = "；计时暂停中，这是最早可能的到期时间" if self.clock_stopped else ""
        weekday = "一二三四五六日"[local_due.weekday()]
        lines.append(f"到期：{local_due:%Y-%m-%d %H:%M:%S}（北京时间，周{weekday}）{stopped}")
        if r.warn_before and self.warn_at < self.due_at:
            lines.append(
                f"黄牌：自 {_fmt(self.warn_at)} 起（剩 {r.warn_before} {unit}），超期即红牌"
            )
        lines.extend(f"警告：{w}" for w in self.warnings)
        return lines


def compute_deadline(
    rule: DeadlineRule,
    received_at: datetime,
    calendar: WorkingCalendar,
    events: Sequence[ClockEvent] = (),
    source_due_at: datetime | None = None,
) -> DeadlineResult:
    """Due and warning times for one item, with everything needed to explain them."""
    _require_aware(received_at, "received_at")
    if source_due_at is not None:
        _require_aware(source_due_at, "source_due_at")
    warnings: list[str] = []
    t0, restarted_at, windows, extensions = _replay(rule, received_at, events, warnings)
    start = _local_date(t0)
    ext = sum(e.granted for e in extensions)
    walk = _Walk(calendar, rule.unit, windows)
    if source_due_at is not None:
        due_at = walk.shift(source_due_at, ext, paused_from=t0)
    else:
        due_at = walk.from_start(t0, rule.amount + ext)
    clock_stopped = any(end is None and begin < due_at for begin, end, _ in windows)
    warn_at = _warn_at(rule, calendar, due_at, walk)
    warn_at = max(min(warn_at, due_at), t0)
    warnings.extend(w for w in walk.warnings if w not in warnings)
    pauses = tuple(Pause(b, e, why, walk.paused.get(i, 0)) for i, (b, e, why) in enumerate(windows))
    for p in pauses:
        if rule.pause_max is not None and p.not_counted > rule.pause_max:
            warnings.append(
                f"暂停（{p.reason or '未注明原因'}）不计入 {p.not_counted} {UNIT_ZH[rule.unit]}，"
                f"超过规则允许的 {rule.pause_max} {UNIT_ZH[rule.unit]}"
            )
    return DeadlineResult(
        rule=rule,
        received_at=received_at.astimezone(UTC),
        start=start,
        due_at=due_at.astimezone(UTC),
        warn_at=warn_at.astimezone(UTC),
        skipped=tuple(walk.skipped),
        makeup_workdays=tuple(walk.makeup),
        pauses=pauses,
        extensions=tuple(extensions),
        restarted_at=restarted_at,
        source_due_at=source_due_at.astimezone(UTC) if source_due_at else None,
        clock_stopped=clock_stopped,
        warnings=tuple(warnings),
    )


def deadline_status(
    due: DeadlineResult | datetime, now: datetime, warn_at: datetime | None = None
) -> Status:
    """红牌 once ``now`` is past the due time, 黄牌 from the warning time, else 正常.

    Pass a DeadlineResult, or stored ``due_at`` (and ``warn_at``; without it there is no 黄牌).
    A result whose clock is stopped by an open pause is 正常.
    """
    _require_aware(now, "now")
    if isinstance(due, DeadlineResult):
        if due.clock_stopped:
            return "正常"
        warn_at = due.warn_at
        due = due.due_at
    _require_aware(due, "due_at")
    if now > due:
        return "红牌"
    if warn_at is not None and now >= _require_aware(warn_at, "warn_at"):
        return "黄牌"
    return "正常"


# -- internals -----------------------------------------------------------------------------

Window = tuple[datetime, datetime | None, str]  # pause start, resume (None: open), reason


def _replay(
    rule: DeadlineRule, received_at: datetime, events: Sequence[ClockEvent], warnings: list[str]
) -> tuple[datetime, datetime | None, list[Window], list[Extension]]:
    """Turn the event list into a start moment, pause windows and capped extensions."""
    t0, restarted_at = received_at, None
    ordered = sorted(events, key=lambda e: e.at)
    restarts = [e for e in ordered if e.kind == "restart"]
    if restarts and not rule.restartable:
        warnings.append(f"{rule.name}不适用补正重新起算，已忽略重新起算事件")
    elif restarts:
        t0 = restarted_at = restarts[-1].at
        # A pause still open at the restart is the 补正 wait itself (expected, no warning);
        # an earlier pause that was resumed, or an extension, is lost and worth saying.
        before = {e.kind for e in ordered if e.at < t0}
        if before & {"resume", "extend"}:
            warnings.append("重新起算前的暂停、延期不再计算")
    windows: list[Window] = []
    extensions: list[Extension] = []
    granted_total, open_pause = 0, None
    for e in ordered:
        if e.kind == "restart" or e.at < t0:
            if e.at < received_at:
                warnings.append(f"计时事件（{e.kind}，{_fmt(e.at)}）早于收到时间，已忽略")
            continue
        if e.kind == "extend":
            requested = e.amount or 0
            granted = max(0, min(requested, rule.extension_max - granted_total))
            if granted < requested:
                warnings.append(
                    f"延期合计超过规则上限 {rule.extension_max} {UNIT_ZH[rule.unit]}，"
                    f"本次申请 {requested}，只计 {granted}"
                )
            granted_total += granted
            extensions.append(Extension(e.at, requested, granted, e.reason))
        elif not rule.pausable:
            if e.kind == "pause":
                warnings.append(f"{rule.name}不允许暂停计时，已忽略暂停（{_fmt(e.at)}）")
        elif e.kind == "pause":
            if open_pause is None:
                open_pause = e
            else:
                warnings.append(f"已在暂停中，重复的暂停（{_fmt(e.at)}）已忽略")
        elif open_pause is None:
            warnings.append(f"没有对应暂停的恢复（{_fmt(e.at)}）已忽略")
        else:
            windows.append((open_pause.at, e.at, open_pause.reason))
            open_pause = None
    if open_pause is not None:
        windows.append((open_pause.at, None, open_pause.reason))
        warnings.append(f"计时自 {_fmt(open_pause.at)} 起暂停，尚未恢复；恢复后须重新计算到期时间")
    return t0, restarted_at, windows, extensions


class _Walk:
    """Steps through time from day zero, counting units and skipping rest days and pauses."""

    def __init__(self, calendar: WorkingCalendar, unit: Unit, windows: list[Window]) -> None:
        self.cal, self.unit, self.windows = calendar, unit, windows
        self.skipped: list[tuple[date, str]] = []
        self.makeup: list[tuple[date, str]] = []
        self.warnings: list[str] = []
        self.paused: dict[int, int] = {}  # window index -> units not counted

    def from_start(self, t0: datetime, amount: int) -> datetime:
        if self.unit == "hours":
            return self._hours(t0 + timedelta(hours=amount))
        if self.unit == "months":
            return self._months(_local_date(t0) + relativedelta(months=amount))
        return _end_of_day(self._days(_local_date(t0), amount))

    def shift(self, source_due: datetime, amount: int, paused_from: datetime) -> datetime:
        """Extensions and pauses on top of a due time the source gave (12345 办理时限)."""
        if self.unit == "hours":
            return self._hours(source_due + timedelta(hours=amount))
        day = _local_date(source_due)
        if self.unit == "months":
            moved = self._months(day + relativedelta(months=amount))
            unchanged = amount == 0 and moved.date() == day
            return source_due if unchanged else moved
        before = self._days_paused(_local_date(paused_from), day)
        if amount + before == 0:
            return source_due
        return _end_of_day(self._days(day, amount + before))

    def _hours(self, due: datetime) -> datetime:
        for i, (begin, end, _) in enumerate(self.windows):
            if end is not None and begin < due:
                due += end - begin
                self.paused[i] = round((end - begin).total_seconds() / 3600)
        return due

    def _months(self, day: date) -> datetime:
        for i, (begin, end, _) in enumerate(self.windows):
            b = _local_date(begin)
            if end is not None and b <= day:
                self.paused[i] = (_local_date(end) - b).days
                day += timedelta(days=self.paused[i])
        return _end_of_day(day)

    def _paused_index(self, day: date) -> int | None:
        for i, (begin, end, _) in enumerate(self.windows):
            if end is not None and _local_date(begin) < day <= _local_date(end):
                return i
        return None

    def _counts(self, day: date) -> bool:
        if self.unit != "workdays":
            return True
        warning = self.cal.fallback_warning(day.year)
        if warning and warning not in self.warnings:
            self.warnings.append(warning)
        working, label = self.cal.describe(day)
        if not working:
            self.skipped.append((day, label or "周末"))
        elif label:
            self.makeup.append((day, label))
        return working

    def _days(self, day: date, amount: int) -> date:
        counted = 0
        while counted < amount:
            day += timedelta(days=1)
            if not self._counts(day):
                continue
            index = self._paused_index(day)
            if index is None:
                counted += 1
            else:
                self.paused[index] = self.paused.get(index, 0) + 1
        # Paused on the due day itself: nothing is left when it resumes, so the resume day
        # (a new day zero) becomes the due day.
        while True:
            later = [_local_date(e) for b, e, _ in self.windows if e and _local_date(b) == day]
            if not later or later[0] <= day:
                return day
            self._days_paused(day, later[0])
            day = later[0]

    def _days_paused(self, first: date, last: date) -> int:
        """Counting days inside closed pauses in (first, last], recorded per window."""
        total, day = 0, first
        while day < last:
            day += timedelta(days=1)
            index = self._paused_index(day)
            if index is not None and (self.unit != "workdays" or self.cal.is_workday(day)):
                self.paused[index] = self.paused.get(index, 0) + 1
                total += 1
        return total


def _warn_at(rule: DeadlineRule, cal: WorkingCalendar, due_at: datetime, walk: _Walk) -> datetime:
    if rule.warn_before == 0:
        return due_at
    if rule.unit == "hours":
        return due_at - timedelta(hours=rule.warn_before)
    due_day = _local_date(due_at)
    if rule.unit == "workdays":
        back = cal.add_workdays(due_day, -rule.warn_before)
        walk.warnings.extend(w for w in back.warnings if w not in walk.warnings)
        day = back.end
    elif rule.unit == "months":
        day = due_day - relativedelta(months=rule.warn_before)
    else:
        day = due_day - timedelta(days=rule.warn_before)
    # 黄牌 from the end of that day, i.e. midnight starting the next one.
    return datetime.combine(day + timedelta(days=1), time(0), SHANGHAI)


def _require_aware(value: datetime, what: str) -> datetime:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValueError(f"{what} 必须是带时区的 datetime（不接受无时区时间）")
    return value


def _local_date(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def _end_of_day(day: date) -> datetime:
    return datetime.combine(day, _END_OF_DAY, SHANGHAI)


def _fmt(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _ranges(days: Sequence[tuple[date, str]]) -> str:
    """2026-10-01至10-07 国庆节、2026-10-11 周末: consecutive days with one label grouped."""
    groups: list[list[Any]] = []
    for day, label in days:
        if groups and groups[-1][2] == label and day - groups[-1][1] == timedelta(days=1):
            groups[-1][1] = day
        else:
            groups.append([day, day, label])
    return "、".join(
        f"{a}{'' if a == b else '至' + b.strftime('%m-%d')} {label}" for a, b, label in groups
    )
