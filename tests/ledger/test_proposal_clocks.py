"""The clocks of a 人大建议/政协提案, each due date worked out by hand in the comments.

Conventions (data/deadline_rules.toml): the 交办 day is day zero, counting starts the next day,
month and working-day clocks end at 23:59:59 Beijing time on the due day.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from ledger.clock.calendar import WorkingCalendar
from ledger.clock.deadlines import SHANGHAI, RuleBook, RuleFileError, compute_deadline, load_rules
from ledger.clock.proposals import ProposalClockRules, load_proposal_clocks

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def book() -> RuleBook:
    return load_rules(DATA / "deadline_rules.toml")


@pytest.fixture(scope="module")
def clocks() -> ProposalClockRules:
    return load_proposal_clocks(DATA / "proposal_clocks.toml")


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar()


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def local(moment: datetime) -> datetime:
    return moment.astimezone(SHANGHAI)


@pytest.mark.parametrize("alias", ["建议提案", "人大建议", "政协提案", "人大代表建议", "提案"])
def test_every_alias_finds_the_proposal_rule(book: RuleBook, alias: str) -> None:
    rule = book.get(alias)
    assert (rule.key, rule.unit, rule.amount, rule.warn_before) == ("proposal", "months", 3, 1)


def test_assigned_before_national_day(
    book: RuleBook, clocks: ProposalClockRules, cal: WorkingCalendar
) -> None:
    assigned = sh(2026, 9, 28, 9, 0)  # Monday 2026-09-28, day zero
    # 主办 reply: 3 calendar months → 2026-12-28, 23:59:59; 黄牌 1 month before, i.e. from the
    # end of 2026-11-28 (midnight starting 11-29). Holidays do not matter for months.
    reply = compute_deadline(book.get("proposal"), assigned, cal)
    assert local(reply.due_at) == sh(2026, 12, 28, 23, 59, 59)
    assert local(reply.warn_at) == sh(2026, 11, 29, 0, 0)
    # 协办 opinion: 1 calendar month → 2026-10-28 23:59:59, the 国庆 week included.
    opinion = clocks.opinion_due(assigned, cal)
    assert local(opinion.due_at) == sh(2026, 10, 28, 23, 59, 59)
    # Not ours: 5 working days. 09-29 Tue (1), 09-30 Wed (2), 10-01..10-07 国庆 skipped,
    # 10-08 Thu (3), 10-09 Fri (4), 10-10 Sat — a 调休 working day — (5) → 2026-10-10 23:59:59.
    window = clocks.not_ours_due(assigned, cal)
    assert local(window.due_at) == sh(2026, 10, 10, 23, 59, 59)
    assert window.makeup_workdays and window.makeup_workdays[0][0].isoformat() == "2026-10-10"
    # 黄牌 with 1 working day left: from the end of 10-09 (the 4th working day).
    assert local(window.warn_at) == sh(2026, 10, 10, 0, 0)
    text = "\n".join(window.explain())
    assert "非本单位办理说明" in text and "国庆节" in text and "计入的调休上班日" in text


def test_assigned_before_spring_festival(
    book: RuleBook, clocks: ProposalClockRules, cal: WorkingCalendar
) -> None:
    assigned = sh(2026, 2, 12, 15, 30)  # Thursday 2026-02-12
    # Not ours: 02-13 Fri (1), 02-14 Sat 调休 workday (2), 02-15..02-23 春节 skipped,
    # 02-24 Tue (3), 02-25 Wed (4), 02-26 Thu (5) → 2026-02-26 23:59:59.
    assert local(clocks.not_ours_due(assigned, cal).due_at) == sh(2026, 2, 26, 23, 59, 59)
    # 协办: 02-12 + 1 month = 2026-03-12; 主办: 02-12 + 3 months = 2026-05-12.
    assert local(clocks.opinion_due(assigned, cal).due_at) == sh(2026, 3, 12, 23, 59, 59)
    reply = compute_deadline(book.get("人大建议"), assigned, cal)
    assert local(reply.due_at) == sh(2026, 5, 12, 23, 59, 59)


def test_month_end_is_clamped(
    book: RuleBook, clocks: ProposalClockRules, cal: WorkingCalendar
) -> None:
    assigned = sh(2026, 11, 30, 10, 0)  # Monday 2026-11-30
    # 11-30 + 3 months: February has no 30th, so the last day of February: 2027-02-28.
    reply = compute_deadline(book.get("政协提案"), assigned, cal)
    assert local(reply.due_at) == sh(2027, 2, 28, 23, 59, 59)
    # 11-30 + 1 month = 2026-12-30.
    assert local(clocks.opinion_due(assigned, cal).due_at) == sh(2026, 12, 30, 23, 59, 59)
    # Not ours: 12-01 Tue (1), 12-02 (2), 12-03 (3), 12-04 Fri (4), weekend, 12-07 Mon (5).
    assert local(clocks.not_ours_due(assigned, cal).due_at) == sh(2026, 12, 7, 23, 59, 59)


def test_a_window_reaching_a_year_the_calendar_lacks_warns(
    clocks: ProposalClockRules, cal: WorkingCalendar
) -> None:
    assigned = sh(2026, 12, 28, 9, 0)  # Monday 2026-12-28
    # 12-29 (1), 12-30 (2), 12-31 (3); 2027 is unknown to chinesecalendar and there is no
    # holiday file for it: Mon–Fri fallback, so 2027-01-01 Fri counts (4), 01-04 Mon (5).
    window = clocks.not_ours_due(assigned, cal)
    assert local(window.due_at) == sh(2027, 1, 4, 23, 59, 59)
    assert any("2027" in w for w in window.warnings)


def test_rehandling_runs_a_month_from_the_unsatisfied_feedback(
    clocks: ProposalClockRules, cal: WorkingCalendar
) -> None:
    # 不满意 recorded 2026-11-03 → 再次办理 due 2026-12-03 23:59:59.
    again = clocks.rehandling_due(sh(2026, 11, 3, 16, 0), cal)
    assert local(again.due_at) == sh(2026, 12, 3, 23, 59, 59)


def test_a_clock_file_missing_a_section_is_refused(tmp_path: Path) -> None:
    text = (DATA / "proposal_clocks.toml").read_text("utf-8")
    cut = text[: text.index("\n[rehandling]")]
    (tmp_path / "proposal_clocks.toml").write_text(cut, "utf-8")
    with pytest.raises(RuleFileError, match=r"缺少 \[rehandling\]"):
        load_proposal_clocks(tmp_path / "proposal_clocks.toml")
