"""Deadline rules, computation and explanation (pure: no database, no wall clock)."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from ledger.clock.calendar import WorkingCalendar, parse_holiday_year
from ledger.clock.deadlines import (
    SHANGHAI,
    ClockEvent,
    RuleBook,
    RuleFileError,
    UnknownItemType,
    compute_deadline,
    deadline_status,
    load_rules,
    parse_rules,
)

RULES_FILE = Path(__file__).resolve().parents[2] / "data" / "deadline_rules.toml"


@pytest.fixture(scope="module")
def book() -> RuleBook:
    return load_rules(RULES_FILE)


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar()


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


# -- rules file --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alias", "key"),
    [
        ("12345", "hotline_12345"),
        ("留言板", "message_board"),
        ("领导信箱", "leader_mailbox"),
        ("依申请公开", "foi_request"),
        ("建议提案", "proposal"),
        ("舆情", "opinion"),
        ("舆情重大", "opinion_major"),
        ("foi_request", "foi_request"),
        ("１２３４５", "hotline_12345"),  # full-width digits
        (" Hotline_12345 ", "hotline_12345"),
    ],
)
def test_aliases(book: RuleBook, alias: str, key: str) -> None:
    assert book.get(alias).key == key


def test_default_rules(book: RuleBook) -> None:
    hotline = book.get("12345")
    assert (hotline.unit, hotline.amount, hotline.extension_max) == ("workdays", 5, 10)
    assert hotline.return_within == 2 and hotline.warn_before == 1
    foi = book.get("依申请公开")
    assert (foi.amount, foi.extension_max, foi.pause_max, foi.pausable, foi.restartable) == (
        20,
        20,
        15,
        True,
        True,
    )
    assert "711" in foi.legal_source
    assert book.get("留言板").amount == book.get("领导信箱").amount == 10
    assert (book.get("建议提案").unit, book.get("建议提案").amount) == ("months", 3)
    assert (book.get("舆情").unit, book.get("舆情").amount) == ("hours", 48)
    assert book.get("舆情重大").amount == 24
    for rule in book:
        assert rule.legal_source and rule.key.isascii()


def test_unknown_type_lists_accepted_names(book: RuleBook) -> None:
    with pytest.raises(UnknownItemType) as info:
        book.get("投诉箱")
    message = str(info.value)
    assert "投诉箱" in message and "依申请公开" in message and "12345" in message


def _base() -> dict:
    return tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["foi_request"].pop("amount"), "缺少字段 amount"),
        (lambda d: d["foi_request"].update(unit="weeks"), "unit = 'weeks' 无效"),
        (lambda d: d["foi_request"].update(amount="20"), "类型不对"),
        (lambda d: d["foi_request"].update(amount=0), "正整数"),
        (lambda d: d["foi_request"].update(warn_before=30), "不能大于 amount"),
        (lambda d: d["foi_request"].update(extention_max=1), "不认识的字段"),
        (lambda d: d["foi_request"].update(aliases=["12345"]), "已被 [hotline_12345] 使用"),
        (lambda d: d.update({"依申请": d.pop("foi_request")}), "段名应为英文 key"),
        (lambda d: d["foi_request"].update(pausable="yes"), "true 或 false"),
    ],
)
def test_rules_validation(change, expected: str) -> None:
    data = _base()
    change(data)
    with pytest.raises(RuleFileError, match=expected.replace("[", r"\[").replace("]", r"\]")):
        parse_rules(data, source="rules.toml")


def test_rules_file_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text('[a]\nname = "甲"\n', encoding="utf-8")
    with pytest.raises(RuleFileError, match="第 1 行 \\[a\\]：缺少字段 aliases"):
        load_rules(path)
    path.write_text("[a\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match="不是合法的 TOML"):
        load_rules(path)


# -- the documented examples ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("alias", "received", "due"),
    [
        ("12345", sh(2026, 9, 25, 10, 0), date(2026, 10, 9)),
        ("12345", sh(2026, 2, 11), date(2026, 2, 25)),
        ("依申请公开", sh(2026, 9, 25), date(2026, 10, 29)),
        ("依申请公开", sh(2026, 12, 20), date(2027, 1, 15)),
    ],
)
def test_examples(book: RuleBook, cal: WorkingCalendar, alias: str, received, due) -> None:
    result = compute_deadline(book.get(alias), received, cal)
    assert result.due_date == due
    assert result.due_at.tzinfo is UTC
    assert result.due_at.astimezone(SHANGHAI).time().isoformat() == "23:59:59"


def test_2027_fallback_warns_and_explains(book: RuleBook, cal: WorkingCalendar) -> None:
    result = compute_deadline(book.get("依申请公开"), sh(2026, 12, 20), cal)
    assert any("2027 年节假日未载入" in w for w in result.warnings)
    assert any(line.startswith("警告：2027 年节假日未载入") for line in result.explain())


def test_explanation_lines(book: RuleBook, cal: WorkingCalendar) -> None:
    lines = compute_deadline(book.get("依申请公开"), sh(2026, 9, 25), cal).explain()
    text = "\n".join(lines)
    assert lines[0].startswith("规则：依申请公开（foi_request），20 个工作日；依据：")
    assert "收到当日为第0日" in text
    assert "2026-10-01至10-07 国庆节" in text
    assert "计入的调休上班日：2026-10-10 国庆节调休上班" in text
    assert "到期：2026-10-29 23:59:59（北京时间，周四）" in text


def test_receipt_time_is_read_in_shanghai(book: RuleBook, cal: WorkingCalendar) -> None:
    # 2026-09-27 17:00 UTC is already 09-28 01:00 in Shanghai: day zero is Monday 09-28.
    result = compute_deadline(book.get("12345"), datetime(2026, 9, 27, 17, tzinfo=UTC), cal)
    assert result.start == date(2026, 9, 28)
    assert result.due_date == date(2026, 10, 10)  # 29, 30, 8, 9, 10 (调休 Saturday)


def test_naive_datetimes_rejected(book: RuleBook, cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="带时区"):
        compute_deadline(book.get("12345"), datetime(2026, 9, 25), cal)
    with pytest.raises(ValueError, match="带时区"):
        ClockEvent("pause", datetime(2026, 9, 25))


# -- warn / status ------------------------------------------------------------------------


def test_yellow_with_one_working_day_left(book: RuleBook, cal: WorkingCalendar) -> None:
    result = compute_deadline(book.get("12345"), sh(2026, 9, 25, 10), cal)
    assert result.warn_at == sh(2026, 10, 9).astimezone(UTC)  # from the end of day 4 (10-08)
    assert deadline_status(result, sh(2026, 10, 8, 12)) == "正常"
    assert deadline_status(result, sh(2026, 10, 9, 8)) == "黄牌"
    assert deadline_status(result, sh(2026, 10, 9, 23, 59, 59)) == "黄牌"
    assert deadline_status(result, sh(2026, 10, 10, 0)) == "红牌"
    assert deadline_status(result.due_at, sh(2026, 10, 9, 8), result.warn_at) == "黄牌"
    assert deadline_status(result.due_at, sh(2026, 10, 9, 8)) == "正常"
    with pytest.raises(ValueError):
        deadline_status(result, datetime(2026, 10, 9))


# -- clock events -------------------------------------------------------------------------


def test_pause_does_not_count(book: RuleBook, cal: WorkingCalendar) -> None:
    events = [
        ClockEvent("pause", sh(2026, 10, 12, 9), reason="征求第三方意见"),
        ClockEvent("resume", sh(2026, 10, 20, 16), reason="第三方已答复"),
    ]
    result = compute_deadline(book.get("依申请公开"), sh(2026, 9, 25), cal, events)
    # (10-12, 10-20] holds 6 working days: 13, 14, 15, 16, 19, 20
    assert result.pauses[0].not_counted == 6
    assert result.due_date == cal.add_workdays(date(2026, 10, 29), 6).end == date(2026, 11, 6)
    assert not result.clock_stopped
    assert "暂停：2026-10-12 09:00 至 2026-10-20 16:00（征求第三方意见），不计入 6 个工作日" in (
        result.explain()
    )


def test_pause_longer_than_the_legal_cap_warns(book: RuleBook, cal: WorkingCalendar) -> None:
    events = [ClockEvent("pause", sh(2026, 10, 12)), ClockEvent("resume", sh(2026, 11, 30))]
    result = compute_deadline(book.get("依申请公开"), sh(2026, 9, 25), cal, events)
    assert any("超过规则允许的 15 个工作日" in w for w in result.warnings)


def test_open_pause_stops_the_clock(book: RuleBook, cal: WorkingCalendar) -> None:
    events = [ClockEvent("pause", sh(2026, 10, 12, 9), reason="征求第三方意见")]
    result = compute_deadline(book.get("依申请公开"), sh(2026, 9, 25), cal, events)
    assert result.clock_stopped
    assert result.due_date == date(2026, 10, 29)  # the earliest it can be
    assert deadline_status(result, sh(2026, 12, 31)) == "正常"
    assert any("尚未恢复" in w for w in result.warnings)


def test_pause_after_deadline_changes_nothing(book: RuleBook, cal: WorkingCalendar) -> None:
    events = [ClockEvent("pause", sh(2026, 11, 2)), ClockEvent("resume", sh(2026, 11, 9))]
    result = compute_deadline(book.get("依申请公开"), sh(2026, 9, 25), cal, events)
    assert result.due_date == date(2026, 10, 29)
    assert result.pauses[0].not_counted == 0
    open_late = compute_deadline(
        book.get("依申请公开"), sh(2026, 9, 25), cal, [ClockEvent("pause", sh(2026, 11, 2))]
    )
    assert not open_late.clock_stopped


def test_pause_on_the_due_day_moves_due_to_resume_day(book: RuleBook, cal: WorkingCalendar) -> None:
    events = [ClockEvent("pause", sh(2026, 10, 29, 9)), ClockEvent("resume", sh(2026, 11, 3))]
    result = compute_deadline(book.get("依申请公开"), sh(2026, 9, 25), cal, events)
    assert result.due_date == date(2026, 11, 3)


def test_pause_ignored_when_rule_forbids_it(book: RuleBook, cal: WorkingCalendar) -> None:
    events = [ClockEvent("pause", sh(2026, 9, 28)), ClockEvent("resume", sh(2026, 9, 30))]
    result = compute_deadline(book.get("12345"), sh(2026, 9, 25, 10), cal, events)
    assert result.due_date == date(2026, 10, 9)
    assert any("不允许暂停" in w for w in result.warnings)


def test_extension_and_cap(book: RuleBook, cal: WorkingCalendar) -> None:
    rule = book.get("12345")
    ok = compute_deadline(
        rule, sh(2026, 9, 25, 10), cal, [ClockEvent("extend", sh(2026, 10, 8), 10)]
    )
    assert ok.due_date == cal.add_workdays(date(2026, 10, 9), 10).end == date(2026, 10, 22)
    assert ok.warnings == ()
    events = [
        ClockEvent("extend", sh(2026, 10, 8), 6, "情况复杂"),
        ClockEvent("extend", sh(2026, 10, 15), 6, "再次延期"),
    ]
    capped = compute_deadline(rule, sh(2026, 9, 25, 10), cal, events)
    assert capped.due_date == date(2026, 10, 22)
    assert [x.granted for x in capped.extensions] == [6, 4]
    assert any("超过规则上限 10 个工作日" in w for w in capped.warnings)
    assert any(line.startswith("延期：") and "申请 6" in line for line in capped.explain())


def test_restart_after_correction(book: RuleBook, cal: WorkingCalendar) -> None:
    events = [
        ClockEvent("pause", sh(2026, 9, 29), reason="早于补正，应被忽略"),
        ClockEvent("restart", sh(2026, 10, 12, 15), reason="收到补正材料"),
    ]
    result = compute_deadline(book.get("依申请公开"), sh(2026, 9, 25), cal, events)
    assert result.start == date(2026, 10, 12)
    assert result.due_date == cal.add_workdays(date(2026, 10, 12), 20).end == date(2026, 11, 9)
    assert result.pauses == ()
    assert any("补正后重新起算" in line for line in result.explain())


def test_restart_ignored_for_rules_without_it(book: RuleBook, cal: WorkingCalendar) -> None:
    events = [ClockEvent("restart", sh(2026, 10, 12))]
    result = compute_deadline(book.get("12345"), sh(2026, 9, 25, 10), cal, events)
    assert result.due_date == date(2026, 10, 9)
    assert result.warnings


def test_hours_are_calendar_hours(book: RuleBook, cal: WorkingCalendar) -> None:
    received = sh(2026, 9, 30, 20, 30)  # the eve of National Day: holidays do not matter
    result = compute_deadline(book.get("舆情"), received, cal)
    assert result.due_at == received + timedelta(hours=48)
    assert result.warn_at == received + timedelta(hours=36)
    major = compute_deadline(book.get("舆情重大"), received, cal)
    assert major.due_at == received + timedelta(hours=24)
    assert "按自然小时计算" in "\n".join(major.explain())


def test_months_are_calendar_months(book: RuleBook, cal: WorkingCalendar) -> None:
    result = compute_deadline(book.get("建议提案"), sh(2026, 3, 15, 10), cal)
    assert result.due_at == sh(2026, 6, 15, 23, 59, 59)
    end_of_month = compute_deadline(book.get("建议提案"), sh(2026, 11, 30), cal)
    assert end_of_month.due_date == date(2027, 2, 28)
    assert end_of_month.warnings == ()  # no working days involved


def test_source_due_at_wins(book: RuleBook, cal: WorkingCalendar) -> None:
    given = sh(2026, 10, 16, 18)
    result = compute_deadline(book.get("12345"), sh(2026, 9, 25, 10), cal, source_due_at=given)
    assert result.due_at == given and result.source_due_at == given
    assert any("以来源工单为准" in line for line in result.explain())
    extended = compute_deadline(
        book.get("12345"),
        sh(2026, 9, 25, 10),
        cal,
        [ClockEvent("extend", sh(2026, 10, 15), 2)],
        source_due_at=given,
    )
    assert extended.due_date == date(2026, 10, 20)


def test_holiday_file_changes_the_deadline(book: RuleBook) -> None:
    data = {"holidays": [{"name": "元旦", "start": date(2027, 1, 1), "end": date(2027, 1, 3)}]}
    cal = WorkingCalendar([parse_holiday_year(data, year=2027)])
    result = compute_deadline(book.get("依申请公开"), sh(2026, 12, 20), cal)
    assert result.due_date == date(2027, 1, 18)
    assert result.warnings == ()
    assert (date(2027, 1, 1), "元旦") in result.skipped
