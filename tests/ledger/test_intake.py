"""The one intake path: idempotent by (source, external id), updates on change, audited, routed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.intake.pipeline import IntakeContext, IntakeError, intake, known_items
from ledger.intake.records import IntakeRecord
from ledger.models import Event, Item, ItemStatus, Reply, RoutingDecision
from ledger.settings import Settings

CST = timezone(timedelta(hours=8))


@pytest.fixture
def ctx(session: Session, data_dir: Path, instance_dir: Path) -> IntakeContext:
    settings = Settings(database_url="unused", data_dir=data_dir, instance_dir=instance_dir)
    return IntakeContext.load(session, settings)


def make_record(**overrides: object) -> IntakeRecord:
    values: dict[str, object] = {
        "source": "demo_board",
        "external_id": "LY-0001",
        "item_type": "留言板",
        "title": "企业被拖欠货款两年未付，请求协调",
        "body": "我公司为某国企供货，货款 86 万元拖欠两年，联系电话 13812345678。",
        "received_at": datetime(2026, 9, 25, 10, 0, tzinfo=CST),
        "author": "张三",
        "source_status": "待回复",
    }
    values.update(overrides)
    return IntakeRecord(**values)  # type: ignore[arg-type]


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_new_record_is_stored_routed_and_audited(session: Session, ctx: IntakeContext) -> None:
    result = intake(session, make_record(), ctx)
    assert result.outcome == "new"
    item = session.get(Item, result.item_id)
    assert item is not None
    assert item.author_masked == "张*"
    assert item.received_at == datetime(2026, 9, 25, 2, 0, tzinfo=UTC)
    assert item.received_at.tzinfo is not None
    assert item.item_type == "message_board"
    assert item.due_at is not None and item.due_at > item.received_at
    assert item.deadline_explanation, "the deadline carries its explanation"
    assert item.suggestions and item.suggestions[0]["code"] == "sme"
    actions = session.scalars(select(Event.action).where(Event.item_id == item.id)).all()
    assert "收件" in actions
    assert session.scalar(select(func.count()).select_from(RoutingDecision)) >= 1


def test_same_record_twice_changes_nothing(session: Session, ctx: IntakeContext) -> None:
    first = intake(session, make_record(), ctx)
    items, events = count(session, Item), count(session, Event)
    second = intake(session, make_record(), ctx)
    assert second.outcome == "unchanged"
    assert second.item_id == first.item_id
    assert (count(session, Item), count(session, Event)) == (items, events)


def test_changed_record_updates_and_records_before_after(
    session: Session, ctx: IntakeContext
) -> None:
    first = intake(session, make_record(), ctx)
    changed = intake(session, make_record(body="补充：货款已拖欠两年零三个月。"), ctx)
    assert changed.outcome == "updated"
    assert changed.item_id == first.item_id
    assert "body" in changed.changed
    event = session.scalars(
        select(Event).where(Event.item_id == first.item_id, Event.action == "来源更新")
    ).one()
    assert event.before and event.after
    assert event.after["body"].startswith("补充")


def test_reply_appearing_on_source_marks_item_answered(
    session: Session, ctx: IntakeContext
) -> None:
    first = intake(session, make_record(), ctx)
    replied = make_record(
        source_status="已办理",
        reply_unit="中小企业局",
        reply_text="已协调欠款方，承诺于十月底前支付。",
        replied_at=datetime(2026, 10, 9, 16, 0, tzinfo=CST),
    )
    result = intake(session, replied, ctx)
    assert result.outcome == "updated"
    item = session.get(Item, first.item_id)
    assert item is not None
    assert item.status == ItemStatus.REPLIED
    assert item.replied_at == datetime(2026, 10, 9, 8, 0, tzinfo=UTC)
    replies = session.scalars(select(Reply).where(Reply.item_id == item.id)).all()
    assert [r.origin for r in replies] == ["source"]
    assert intake(session, replied, ctx).outcome == "unchanged"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"external_id": ""}, "编号"),
        ({"body": "   "}, "正文"),
        ({"title": ""}, "标题"),
        ({"received_at": datetime(2026, 9, 25, 10, 0)}, "时区"),
        ({"item_type": "快递投诉"}, "快递投诉"),
    ],
)
def test_bad_records_are_refused_with_a_reason(
    session: Session, ctx: IntakeContext, overrides: dict, message: str
) -> None:
    with pytest.raises(IntakeError, match=message):
        intake(session, make_record(**overrides), ctx)
    assert count(session, Item) == 0


def test_same_external_id_in_two_sources_is_two_items(session: Session, ctx: IntakeContext) -> None:
    a = intake(session, make_record(), ctx)
    b = intake(session, make_record(source="other_board"), ctx)
    assert a.item_id != b.item_id


def test_known_items_reports_state_for_incremental_crawls(
    session: Session, ctx: IntakeContext
) -> None:
    intake(session, make_record(), ctx)
    intake(
        session,
        make_record(external_id="LY-0002", reply_text="已答复", replied_at=datetime.now(UTC)),
        ctx,
    )
    states = known_items(session, "demo_board")
    assert set(states) == {"LY-0001", "LY-0002"}
    assert states["LY-0001"].is_open and not states["LY-0001"].has_reply
    assert states["LY-0002"].has_reply


def test_source_given_due_time_wins_for_12345(session: Session, ctx: IntakeContext) -> None:
    due = datetime(2026, 10, 1, 18, 0, tzinfo=CST)
    rec = replace(make_record(), source="hotline", item_type="12345", source_due_at=due)
    item = session.get(Item, intake(session, rec, ctx).item_id)
    assert item is not None and item.due_at == due.astimezone(UTC)


def test_platform_moving_the_time_limit_moves_the_deadline(
    session: Session, ctx: IntakeContext
) -> None:
    first_due = datetime(2026, 10, 9, 18, 0, tzinfo=CST)
    rec = replace(make_record(), source="hotline", item_type="12345", source_due_at=first_due)
    item_id = intake(session, rec, ctx).item_id
    later = datetime(2026, 10, 16, 18, 0, tzinfo=CST)
    result = intake(session, replace(rec, source_due_at=later), ctx)
    assert result.outcome == "updated" and "source_due_at" in result.changed
    item = session.get(Item, item_id)
    assert item is not None and item.due_at == later.astimezone(UTC)
    assert any("2026-10-16" in line for line in item.deadline_explanation)


def test_likes_changing_is_an_update(session: Session, ctx: IntakeContext) -> None:
    item_id = intake(session, make_record(likes=1), ctx).item_id
    assert intake(session, make_record(likes=50), ctx).outcome == "updated"
    item = session.get(Item, item_id)
    assert item is not None and item.likes == 50


def test_overlong_source_fields_are_clipped_not_refused(
    session: Session, ctx: IntakeContext
) -> None:
    rec = make_record(source_status="待回复" * 30, urgency="紧急" * 20, request_kind="投诉" * 20)
    item = session.get(Item, intake(session, rec, ctx).item_id)
    assert item is not None
    assert len(item.source_status or "") == 40 and len(item.urgency or "") == 20


def test_an_overlong_external_id_is_refused(session: Session, ctx: IntakeContext) -> None:
    with pytest.raises(IntakeError, match="120"):
        intake(session, make_record(external_id="X" * 121), ctx)


def test_inactive_departments_receive_nothing_automatically(
    session: Session, data_dir: Path, instance_dir: Path
) -> None:
    from ledger.models import Department

    for dept in session.scalars(select(Department)):
        dept.active = dept.code == "not_ours"
    session.flush()
    ctx = IntakeContext.load(session, Settings("unused", data_dir, instance_dir))
    assert set(ctx.department_ids) == {"not_ours"}
    item = session.get(Item, intake(session, make_record(), ctx).item_id)
    assert item is not None and item.department_id is None and item.status == ItemStatus.NEW
