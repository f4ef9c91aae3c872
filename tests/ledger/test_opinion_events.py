"""舆情事件: the response clock in calendar hours (48 h; 24 h for 重大, 国办发〔2016〕61号), the steps
and their refusals (nothing saved half-way), proposals from a 重大 item or a burst of similar
items, and the 临期/超时 reminders. Real database, real intake and classifier."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.intake.pipeline import IntakeContext, intake
from ledger.intake.records import IntakeRecord
from ledger.models import (
    Event,
    EventProposal,
    EventResponse,
    Item,
    Notice,
    OpinionEvent,
    User,
)
from ledger.settings import Settings
from ledger.states import EventStatus
from ledger.workflow.events import proposals as event_proposals
from ledger.workflow.events import steps as events
from ledger.workflow.events.config import EventConfig, load_event_config
from ledger.workflow.events.reads import clock_state
from ledger.workflow.events.reminders import remind_events
from ledger.workflow.guards import Clock, VersionConflict, WorkflowError

SH = ZoneInfo("Asia/Shanghai")
MAJOR_TEXT = "化工园区企业发生泄漏，几十名工友头晕恶心，记者已到现场拍视频，请立即处置。"


def bj(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[misc]


@pytest.fixture
def clock(data_dir: Path) -> Clock:
    return Clock.from_data_dir(data_dir)


@pytest.fixture
def config(data_dir: Path) -> EventConfig:
    return load_event_config(data_dir / "opinion_events.toml")


def user(session: Session, name: str) -> User:
    return session.scalars(select(User).where(User.username == name)).one()


def take_in(session: Session, ext: str, title: str, body: str, received: datetime) -> Item:
    ctx = IntakeContext.load(session, Settings.from_env())
    record = IntakeRecord(
        source="demo_board",
        external_id=ext,
        item_type="留言板",
        title=title,
        body=body,
        received_at=received,
    )
    item = session.get(Item, intake(session, record, ctx, now=received).item_id)
    assert item is not None
    return item


def open_one(session, config, clock, level="一般", seen=None, **kw):  # type: ignore[no-untyped-def]
    seen = seen or bj(2026, 12, 1, 22, 15)
    return events.open_event(
        session,
        user(session, "fenban"),
        title=kw.pop("title", "某化工园区异味引发网民关注"),
        level=level,
        first_seen_at=seen,
        now=kw.pop("now", seen + timedelta(minutes=30)),
        config=config,
        clock=clock,
        **kw,
    )


# -- the clock ---------------------------------------------------------------------------------


def test_general_event_has_48_calendar_hours_across_midnight(session, config, clock) -> None:
    # first seen Tue 2026-12-01 22:15 Beijing → due Thu 2026-12-03 22:15 (48 h later, whatever
    # the date change); 黄牌 12 h before: 2026-12-03 10:15.
    event = open_one(session, config, clock, "一般", bj(2026, 12, 1, 22, 15))
    assert event.due_at == bj(2026, 12, 3, 22, 15)
    assert event.warn_at == bj(2026, 12, 3, 10, 15)
    assert event.rule_key == "opinion"
    assert any("按自然小时计算" in line for line in event.explanation)


def test_major_event_has_24_hours_across_midnight(session, config, clock) -> None:
    # 重大: first seen 2026-12-01 22:15 → due 2026-12-02 22:15; 黄牌 6 h before: 16:15.
    event = open_one(session, config, clock, "重大", bj(2026, 12, 1, 22, 15))
    assert event.due_at == bj(2026, 12, 2, 22, 15)
    assert event.warn_at == bj(2026, 12, 2, 16, 15)
    assert event.rule_key == "opinion_major"


def test_national_day_does_not_stop_the_clock(session, config, clock) -> None:
    # first seen Wed 2026-09-30 20:00, the eve of the 国庆 holiday (10-01..10-07). Working days
    # would not count until 10-08; calendar hours do: due Fri 2026-10-02 20:00.
    event = open_one(session, config, clock, "较大", bj(2026, 9, 30, 20, 0))
    assert event.due_at == bj(2026, 10, 2, 20, 0)


def test_spring_festival_major_event_due_on_new_years_day(session, config, clock) -> None:
    # 重大, first seen 2026-02-16 (除夕) 23:30, inside the 春节 holiday (02-15..02-23) →
    # due 2026-02-17 (正月初一) 23:30: 24 calendar hours, the holiday stops nothing.
    event = open_one(session, config, clock, "重大", bj(2026, 2, 16, 23, 30))
    assert event.due_at == bj(2026, 2, 17, 23, 30)


def test_clock_state_counts_hours_left_then_over(session, config, clock) -> None:
    event = open_one(session, config, clock, "重大", bj(2026, 12, 1, 22, 15))  # due 12-02 22:15
    assert clock_state(event, bj(2026, 12, 1, 23, 0)).label == "剩余 23 小时 15 分"
    assert clock_state(event, bj(2026, 12, 1, 23, 0)).state == "正常"
    assert clock_state(event, bj(2026, 12, 2, 21, 15)).state == "黄牌"  # 1 h left, < 6 h
    late = clock_state(event, bj(2026, 12, 3, 0, 20))
    assert (late.state, late.label) == ("超时", "超时 2 小时 5 分")
    assert late.due_local == "2026-12-02 22:15"


def test_raising_the_level_at_assessment_shortens_the_clock(session, config, clock) -> None:
    event = open_one(session, config, clock, "一般", bj(2026, 12, 1, 22, 15))
    events.assess(
        session,
        user(session, "fenban"),
        event.id,
        event.version,
        level="重大",
        note="涉及人身安全，升为重大",
        now=bj(2026, 12, 1, 23, 0),
        config=config,
        clock=clock,
    )
    # 48 h → 24 h from the same first-seen moment: 2026-12-02 22:15
    assert event.status == EventStatus.ASSESSING
    assert event.due_at == bj(2026, 12, 2, 22, 15)
    audit = session.scalars(select(Event).where(Event.opinion_event_id == event.id)).all()
    assert [a.action for a in audit] == ["立舆情事件", "研判"]
    assert audit[1].before and audit[1].before["等级"] == "一般"


def test_response_within_the_clock_stops_it(session, config, clock) -> None:
    event = open_one(session, config, clock, "重大", bj(2026, 12, 1, 22, 15))
    events.record_response(
        session,
        user(session, "fenban"),
        event.id,
        event.version,
        channel="厅门户网站",
        responded_at=bj(2026, 12, 2, 9, 0),
        content="已派工作组赴现场核查，将及时发布进展。",
        approved_by="张副厅长",
        now=bj(2026, 12, 2, 9, 5),
        config=config,
    )
    assert event.status == EventStatus.RESPONDED
    assert event.first_response_at == bj(2026, 12, 2, 9, 0)
    state = clock_state(event, bj(2026, 12, 5, 0, 0))  # days later: still "on time"
    assert (state.state, state.label) == ("按时回应", "已回应（用时 10 小时 45 分）")


def test_follow_up_and_close(session, config, clock) -> None:
    event = open_one(session, config, clock, "一般")
    fenban = user(session, "fenban")
    now = bj(2026, 12, 2, 10, 0)
    events.record_response(
        session,
        fenban,
        event.id,
        event.version,
        channel="政务微博",
        responded_at=now,
        content="情况通报",
        approved_by="李主任",
        now=now,
        config=config,
    )
    events.add_note(
        session, fenban, event.id, event.version, text="网民评论趋于平稳", now=now, config=config
    )
    assert event.status == EventStatus.TRACKING
    events.close_event(
        session,
        fenban,
        event.id,
        event.version,
        summary="整改完成，舆情平息",
        now=now,
        config=config,
    )
    assert event.status == EventStatus.CLOSED and event.closing_summary == "整改完成，舆情平息"
    with pytest.raises(WorkflowError, match="已办结"):
        events.add_note(session, fenban, event.id, event.version, text="x", now=now, config=config)


# -- refusals: clear, and nothing saved half-way -----------------------------------------------


def _counts(session: Session) -> tuple[int, int, int]:
    return (
        session.scalar(select(func.count()).select_from(OpinionEvent)) or 0,
        session.scalar(select(func.count()).select_from(EventResponse)) or 0,
        session.scalar(select(func.count()).where(Event.opinion_event_id.is_not(None))) or 0,
    )


def test_response_before_first_seen_is_refused_and_nothing_changes(session, config, clock) -> None:
    event = open_one(session, config, clock, "重大", bj(2026, 12, 1, 22, 15))
    session.flush()
    before, version = _counts(session), event.version
    with pytest.raises(WorkflowError) as err:
        events.record_response(
            session,
            user(session, "fenban"),
            event.id,
            event.version,
            channel="厅门户网站",
            responded_at=bj(2026, 12, 1, 21, 0),
            content="通报",
            approved_by="张副厅长",
            now=bj(2026, 12, 2, 9, 0),
            config=config,
        )
    assert str(err.value) == (
        "回应时间（2026-12-01 21:00）早于首次发现时间（2026-12-01 22:15），请核对。"
    )
    session.flush()
    assert _counts(session) == before
    assert event.status == EventStatus.FOUND and event.first_response_at is None
    assert event.version == version


@pytest.mark.parametrize(
    ("level", "message"),
    [
        (None, "请选择事件等级（一般、较大、重大）：等级决定回应时限。"),
        ("", "请选择事件等级（一般、较大、重大）：等级决定回应时限。"),
        ("特别重大", "事件等级「特别重大」无效，只能是：一般、较大、重大。"),
    ],
)
def test_missing_or_unknown_level_is_refused(session, config, clock, level, message) -> None:
    before = _counts(session)
    with pytest.raises(WorkflowError) as err:
        open_one(session, config, clock, level)
    assert str(err.value) == message
    session.flush()
    assert _counts(session) == before


def test_response_in_the_future_and_without_approver_are_refused(session, config, clock) -> None:
    event = open_one(session, config, clock, "一般", bj(2026, 12, 1, 22, 15))
    kw = dict(channel="厅门户网站", content="通报", now=bj(2026, 12, 2, 9, 0), config=config)
    fenban = user(session, "fenban")
    with pytest.raises(WorkflowError, match="晚于当前时间"):
        events.record_response(
            session,
            fenban,
            event.id,
            event.version,
            responded_at=bj(2026, 12, 3, 9, 0),
            approved_by="张副厅长",
            **kw,
        )
    with pytest.raises(WorkflowError, match="请填写审批人"):
        events.record_response(
            session,
            fenban,
            event.id,
            event.version,
            responded_at=bj(2026, 12, 2, 8, 0),
            approved_by="  ",
            **kw,
        )
    with pytest.raises(VersionConflict):
        events.record_response(
            session,
            fenban,
            event.id,
            event.version + 1,
            responded_at=bj(2026, 12, 2, 8, 0),
            approved_by="张副厅长",
            **kw,
        )
    assert event.responses == []


def test_a_handler_may_not_open_events(session, config, clock) -> None:
    with pytest.raises(WorkflowError, match="只有"):
        events.open_event(
            session,
            user(session, "zxqy"),
            title="x",
            level="一般",
            first_seen_at=bj(2026, 12, 1, 9, 0),
            now=bj(2026, 12, 1, 10, 0),
            config=config,
            clock=clock,
        )


# -- proposals ---------------------------------------------------------------------------------


def test_a_major_item_proposes_an_event_once_and_opening_links_it(session, config, clock) -> None:
    seen = bj(2026, 12, 1, 8, 0)
    item = take_in(session, "yq-1", "化工园区泄漏", MAJOR_TEXT, seen)
    assert item.risk_level == "重大", item.risk_reasons
    now = seen + timedelta(hours=1)
    first = event_proposals.scan(session, now, config)
    again = event_proposals.scan(session, now + timedelta(minutes=5), config)
    mine = [p for p in first.created if p.item_ids == [item.id]]
    assert len(mine) == 1 and mine[0].kind == "重大事项"
    assert not [p for p in again.created if p.item_ids == [item.id]]
    office = session.scalars(
        select(Notice).where(Notice.kind == "舆情", Notice.item_id == item.id)
    ).all()
    assert {n.user_id for n in office} >= {user(session, "fenban").id, user(session, "duban").id}

    event = event_proposals.open_from(
        session,
        user(session, "fenban"),
        mine[0].id,
        title="化工园区泄漏事件",
        level="重大",
        first_seen_at=seen,
        now=now,
        config=config,
        clock=clock,
    )
    assert event.items == [item]
    assert mine[0].decision == "已立事件" and mine[0].event_id == event.id
    assert event.due_at == bj(2026, 12, 2, 8, 0)  # 24 h from 12-01 08:00
    item_history = session.scalars(select(Event.action).where(Event.item_id == item.id)).all()
    assert "关联舆情事件" in item_history and "舆情提示已立事件" in item_history
    # a linked item is not proposed again
    later = event_proposals.scan(session, now + timedelta(hours=1), config)
    assert all(item.id not in p.item_ids for p in later.created)


def test_a_burst_of_similar_items_is_proposed_and_dismissal_needs_a_reason(
    session, config, clock
) -> None:
    start = bj(2026, 11, 20, 9, 0)
    texts = [
        f"幸福小区旁的鲁华化工厂夜间排放刺鼻气味，居民无法入睡，第{n}次反映请环保和工信部门处理"
        for n in range(config.burst_count)
    ]
    items = [
        take_in(session, f"burst-{n}", "鲁华化工厂夜间排放刺鼻气味", t, start + timedelta(hours=n))
        for n, t in enumerate(texts)
    ]
    now = start + timedelta(hours=config.burst_count)
    report = event_proposals.scan(session, now, config)
    bursts = [p for p in report.created if p.kind == "相似聚集"]
    assert len(bursts) == 1
    assert set(bursts[0].item_ids) == {i.id for i in items}
    assert f"收到 {config.burst_count} 件相似事项" in bursts[0].reason

    with pytest.raises(WorkflowError, match="须写明理由"):
        event_proposals.dismiss(
            session, user(session, "fenban"), bursts[0].id, " ", now=now, config=config
        )
    assert bursts[0].decision is None
    event_proposals.dismiss(
        session,
        user(session, "fenban"),
        bursts[0].id,
        "同一诉求，已按留言合并办理",
        now=now,
        config=config,
    )
    kept = session.get(EventProposal, bursts[0].id)
    assert kept is not None and kept.decision == "已忽略"
    assert kept.dismiss_reason == "同一诉求，已按留言合并办理"
    notes = session.scalars(
        select(Event.note).where(Event.item_id == items[0].id, Event.action == "舆情提示已忽略")
    ).all()
    assert notes == ["同一诉求，已按留言合并办理"]
    # dismissed items do not come back as a new burst
    assert not event_proposals.scan(session, now + timedelta(minutes=1), config).created
    with pytest.raises(WorkflowError, match="已处理"):
        event_proposals.dismiss(
            session, user(session, "fenban"), kept.id, "再次", now=now, config=config
        )


def test_fewer_similar_items_than_the_threshold_propose_nothing(session, config, clock) -> None:
    start = bj(2026, 11, 10, 9, 0)
    for n in range(config.burst_count - 1):
        take_in(
            session,
            f"few-{n}",
            "某路口信号灯故障",
            f"建设路与和平路路口信号灯故障第{n}天",
            start + timedelta(hours=n),
        )
    report = event_proposals.scan(session, start + timedelta(hours=6), config)
    assert not [p for p in report.created if p.kind == "相似聚集"]


# -- reminders ---------------------------------------------------------------------------------


def test_reminders_near_and_past_the_clock_go_once(session, config, clock) -> None:
    event = open_one(session, config, clock, "重大", bj(2026, 12, 1, 22, 15))  # due 12-02 22:15
    session.flush()
    assert (event.id, "临期") not in remind_events(session, bj(2026, 12, 2, 10, 0), config)
    sent = remind_events(session, bj(2026, 12, 2, 17, 0), config)  # 黄牌 from 16:15
    assert (event.id, "临期") in sent
    assert (event.id, "临期") not in remind_events(session, bj(2026, 12, 2, 18, 0), config)
    assert (event.id, "超时") in remind_events(session, bj(2026, 12, 2, 23, 0), config)
    assert (event.id, "超时") not in remind_events(session, bj(2026, 12, 3, 1, 0), config)
    texts = session.scalars(select(Notice.text).where(Notice.text.contains(event.title))).all()
    assert any("2026-12-02 22:15 前回应" in t for t in texts)
    assert any("已过" in t for t in texts)


def test_the_reminder_run_includes_events(session, config, clock, data_dir) -> None:
    from ledger.workflow.reminders import load_escalation, run_reminders

    event = open_one(session, config, clock, "一般", bj(2026, 12, 1, 22, 15))  # due 12-03 22:15
    session.flush()
    escalation = load_escalation(data_dir / "escalation.toml")
    report = run_reminders(
        session, bj(2026, 12, 3, 23, 0), escalation, clock.calendar, events=config
    )
    assert (event.id, "超时") in report.events
    assert run_reminders(session, bj(2026, 12, 3, 23, 0), escalation, clock.calendar).events == []


def test_an_unknown_item_is_refused_by_number_and_no_event_is_made(session, config, clock) -> None:
    before = _counts(session)
    with pytest.raises(WorkflowError, match="没有序号为 999999 的事项"):
        open_one(session, config, clock, "一般", item_ids=[999999])
    session.flush()
    assert _counts(session) == before
