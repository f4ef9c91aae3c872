"""依申请公开 clock, checked against the cases the 条例 (国务院令第711号) itself describes.

Every expected due date is worked out by hand in the comments, from the 2026 State Council holiday
notice (国办发明电〔2025〕7号, as shipped in chinesecalendar):
- 春节 02-15..02-23 off; 调休 workdays Sat 02-14 and Sat 02-28;
- 清明 04-04..04-06 off (Mon 04-06); 端午 06-19..06-21 off (Fri 06-19);
- 中秋 09-25..09-27 off (Fri 09-25); 国庆 10-01..10-07 off; 调休 workdays Sun 09-20 and Sat 10-10.
The receipt day is day zero; counting starts on the next day; the due day ends 23:59:59 北京时间.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from ledger.clock.calendar import WorkingCalendar
from ledger.clock.deadlines import (
    SHANGHAI,
    ClockEvent,
    DeadlineRule,
    compute_deadline,
    load_rules,
)

RULES_FILE = Path(__file__).resolve().parents[2] / "data" / "deadline_rules.toml"


@pytest.fixture(scope="module")
def foi() -> DeadlineRule:
    return load_rules(RULES_FILE).get("依申请公开")


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar()


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_rule_is_the_statutory_one(foi: DeadlineRule) -> None:
    # Art. 33: 20 working days, extension ≤ 20; Art. 32: third party 15 (not counted); Art. 30: 补正.
    assert (foi.unit, foi.amount, foi.extension_max, foi.pause_max) == ("workdays", 20, 20, 15)
    assert foi.pausable and foi.restartable


def test_received_on_a_makeup_saturday(foi: DeadlineRule, cal: WorkingCalendar) -> None:
    # Received in person on Sat 2026-02-14, a 调休 workday before 春节: that Saturday is day zero.
    # 02-15..02-23 春节 skipped; 02-24 (1) 25 (2) 26 (3) 27 (4) Sat 02-28 调休 (5);
    # 03-02..03-06 (6-10); 03-09..03-13 (11-15); 03-16..03-20 (16-20) → due Fri 2026-03-20.
    result = compute_deadline(foi, sh(2026, 2, 14, 10), cal)
    assert result.start == date(2026, 2, 14)
    assert result.due_date == date(2026, 3, 20)
    assert result.due_at == sh(2026, 3, 20, 23, 59, 59)
    assert (date(2026, 2, 28), "春节调休上班") in result.makeup_workdays
    assert (date(2026, 2, 17), "春节") in result.skipped
    assert any("2026-02-15至02-23 春节" in line for line in result.explain())


def test_spanning_spring_festival(foi: DeadlineRule, cal: WorkingCalendar) -> None:
    # Received Tue 2026-02-10: 02-11 (1) 12 (2) 13 (3) Sat 14 调休 (4); 02-15..02-23 off;
    # 02-24..02-27 (5-8) Sat 28 调休 (9); 03-02..03-06 (10-14); 03-09..03-13 (15-19);
    # Mon 03-16 (20) → due 2026-03-16. Without the holiday it would have been 03-10.
    result = compute_deadline(foi, sh(2026, 2, 10, 15), cal)
    assert result.due_date == date(2026, 3, 16)
    assert len(result.makeup_workdays) == 2


def test_spanning_national_day(foi: DeadlineRule, cal: WorkingCalendar) -> None:
    # Received Mon 2026-09-28: 09-29 (1) 30 (2); 10-01..10-07 国庆 off; 10-08 (3) 09 (4)
    # Sat 10-10 调休 (5); 10-12..16 (6-10); 10-19..23 (11-15); 10-26..30 (16-20) → due Fri 2026-10-30.
    result = compute_deadline(foi, sh(2026, 9, 28, 9), cal)
    assert result.due_date == date(2026, 10, 30)
    assert (date(2026, 10, 10), "国庆节调休上班") in result.makeup_workdays


def test_correction_restarts_the_clock(foi: DeadlineRule, cal: WorkingCalendar) -> None:
    # Art. 30: received by post, signed for Mon 2026-05-11. Without 补正 it would be due
    # 05-12..15 (1-4), 05-18..22 (5-9), 05-25..29 (10-14), 06-01..05 (15-19), Mon 06-08 (20).
    plain = compute_deadline(foi, sh(2026, 5, 11, 11), cal)
    assert plain.due_date == date(2026, 6, 8)
    # 补正告知 sent Thu 05-14 (within 7 working days); the completed request arrives Mon 05-25,
    # which becomes day zero: 05-26..29 (1-4), 06-01..05 (5-9), 06-08..12 (10-14),
    # 06-15..18 (15-18), Fri 06-19 端午 skipped, Mon 06-22 (19), Tue 06-23 (20) → due 2026-06-23.
    events = [ClockEvent("restart", sh(2026, 5, 25, 14, 30), reason="收到补正后的申请")]
    result = compute_deadline(foi, sh(2026, 5, 11, 11), cal, events)
    assert result.start == date(2026, 5, 25)
    assert result.restarted_at == sh(2026, 5, 25, 14, 30)
    assert result.due_date == date(2026, 6, 23)
    assert (date(2026, 6, 19), "端午节") in result.skipped
    assert "补正后重新起算：2026-05-25 14:30，起算日改为 2026-05-25" in result.explain()
    # The 补正 wait as the workbench records it (a pause still open at the restart) is the
    # expected course, not something lost: same due date and no warning.
    waited = [ClockEvent("pause", sh(2026, 5, 14, 10), reason="补正"), *events]
    result = compute_deadline(foi, sh(2026, 5, 11, 11), cal, waited)
    assert result.due_date == date(2026, 6, 23) and result.warnings == ()


def test_third_party_consultation_is_not_counted(foi: DeadlineRule, cal: WorkingCalendar) -> None:
    # Art. 32: received Mon 2026-03-02, due 03-30 without consultation
    # (03-03..06 = 4, 03-09..13 = 9, 03-16..20 = 14, 03-23..27 = 19, Mon 03-30 = 20).
    assert compute_deadline(foi, sh(2026, 3, 2, 10), cal).due_date == date(2026, 3, 30)
    # Letter to the third party Mon 03-09 15:00 (5 working days used: 03-03..03-09), opinion back
    # Mon 03-30. Not counted: (03-09, 03-30] = 03-10..13, 16..20, 23..27, 30 = 15 working days,
    # exactly the statutory 15. Remaining 15 from 03-30: 03-31 (1), 04-01..03 (2-4), Mon 04-06 清明
    # skipped, 04-07..10 (5-8), 04-13..17 (9-13), 04-20 (14), Tue 04-21 (15) → due 2026-04-21.
    events = [
        ClockEvent("pause", sh(2026, 3, 9, 15), reason="征求第三方意见"),
        ClockEvent("resume", sh(2026, 3, 30, 10), reason="第三方已答复"),
    ]
    result = compute_deadline(foi, sh(2026, 3, 2, 10), cal, events)
    assert result.pauses[0].not_counted == 15
    assert result.due_date == date(2026, 4, 21)
    assert not result.warnings  # 15 is within the cap
    # One more day of waiting (reply Tue 03-31) is 16 working days: over the cap, warned.
    late = [events[0], ClockEvent("resume", sh(2026, 3, 31, 10))]
    over = compute_deadline(foi, sh(2026, 3, 2, 10), cal, late)
    assert over.pauses[0].not_counted == 16
    assert over.due_date == date(2026, 4, 22)
    assert any("超过规则允许的 15 个工作日" in w for w in over.warnings)


def test_extension_up_to_twenty_working_days(foi: DeadlineRule, cal: WorkingCalendar) -> None:
    # Art. 33 ¶2: received Mon 2026-09-28, due Fri 10-30 (see the National Day case). Extension of 20
    # working days approved Tue 10-27: 11-02..06 (1-5), 09..13 (6-10), 16..20 (11-15),
    # 23..27 (16-20) → due Fri 2026-11-27.
    approved = [ClockEvent("extend", sh(2026, 10, 27, 9), amount=20, reason="负责人同意延期")]
    result = compute_deadline(foi, sh(2026, 9, 28, 9), cal, approved)
    assert result.due_date == date(2026, 11, 27)
    assert result.extensions[0].granted == 20
    # A second extension is beyond the 20-day total: nothing more is granted, and it says so.
    again = [*approved, ClockEvent("extend", sh(2026, 11, 20, 9), amount=5)]
    capped = compute_deadline(foi, sh(2026, 9, 28, 9), cal, again)
    assert capped.due_date == date(2026, 11, 27)
    assert capped.extensions[1].granted == 0
    assert any("延期合计超过规则上限 20 个工作日" in w for w in capped.warnings)


def test_correction_then_consultation_then_extension(
    foi: DeadlineRule, cal: WorkingCalendar
) -> None:
    # All three in one request. Received by post Wed 2026-09-16; 补正 completed Mon 09-21 (day
    # zero). Count: 09-22..24 (1-3), 09-25..27 中秋 off, 09-28..30 (4-6), 国庆 off, 10-08 (7)
    # 10-09 (8) — letter to the third party Fri 10-09 16:00. Opinion back Wed 10-14: not counted
    # (10-09, 10-14] = Sat 10-10 调休, 10-12, 10-13, 10-14 = 4 working days. Then 10-15..16 (9-10),
    # 10-19..23 (11-15), 10-26..30 (16-20) → due 10-30; extension of 10 approved on 10-28:
    # 11-02..06 (1-5), 11-09..13 (6-10) → due Fri 2026-11-13.
    events = [
        ClockEvent("pause", sh(2026, 9, 17, 9), reason="补正前的误操作，重新起算后不算"),
        ClockEvent("resume", sh(2026, 9, 18, 9)),
        ClockEvent("restart", sh(2026, 9, 21, 9), reason="收到补正后的申请"),
        ClockEvent("pause", sh(2026, 10, 9, 16), reason="征求第三方意见"),
        ClockEvent("resume", sh(2026, 10, 14, 11)),
        ClockEvent("extend", sh(2026, 10, 28, 9), amount=10, reason="负责人同意延期"),
    ]
    result = compute_deadline(foi, sh(2026, 9, 16, 10), cal, events)
    assert result.start == date(2026, 9, 21)
    assert [p.not_counted for p in result.pauses] == [4]
    assert result.due_date == date(2026, 11, 13)
    assert any("重新起算前的暂停、延期不再计算" in w for w in result.warnings)
