"""The demo office: a year of demo-portal messages taken in through the real intake, then played
through the workflow. Most older items are answered (some late) or 回退, a live queue remains,
and only a few items are 红牌 — the proportions a working office has, not 130 red of 192."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from demoportal.state import PortalState
from ledger.demo.history import play_history
from ledger.intake.pipeline import IntakeContext, intake
from ledger.intake.records import IntakeRecord
from ledger.models import Event, Item, ItemStatus, Reply, ReplyStatus
from ledger.settings import Settings
from ledger.workflow.guards import Clock
from ledger.workflow.supervision import state

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 10, 10, 30, tzinfo=SHANGHAI)  # a Wednesday
SOURCES = {"board": ("demo_board", "留言板"), "feed": ("demo_12345", "12345")}


def _take_in(session: Session) -> None:
    portal = PortalState.build(anchor=NOW, counts={"board": 260, "feed": 160, "mailbox": 0})
    ctx = IntakeContext.load(session, Settings.from_env())
    for name, (slug, kind) in SOURCES.items():
        for m in portal.messages[name]:
            if not m.visible(NOW):
                continue
            replied = m.replied(NOW)
            record = IntakeRecord(
                source=slug,
                external_id=m.ext_id,
                item_type=kind,
                title=m.title,
                body=m.body,
                received_at=m.posted_at,
                author=m.author,
                request_kind=m.kind,
                reply_unit=m.reply_unit if replied else None,
                reply_text=m.reply_text if replied else None,
                replied_at=m.reply_at if replied else None,
            )
            intake(session, record, ctx, now=NOW)
    session.flush()


def test_history_gives_a_plausible_office(session: Session, data_dir) -> None:  # type: ignore[no-untyped-def]
    _take_in(session)
    clock = Clock.from_data_dir(data_dir)
    before_open = session.scalar(
        select(func.count()).where(Item.status.in_([ItemStatus.NEW, ItemStatus.IN_PROGRESS]))
    )
    report = play_history(session, clock, NOW)
    assert sum(report.outcomes.values()) == before_open

    items = session.scalars(select(Item)).all()
    states = Counter(state(i, NOW) for i in items)
    statuses = Counter(i.status for i in items)
    open_items = [i for i in items if ItemStatus(i.status).is_open]

    # older items (received over two months ago) are handled: answered, 回退 or closed
    old = [i for i in items if i.received_at < NOW - timedelta(days=60)]
    assert old and sum(ItemStatus(i.status).is_open for i in old) / len(old) < 0.02

    # answered by the office through review; some of them after the deadline
    staff = session.scalars(
        select(Reply).where(Reply.origin == "staff", Reply.status == ReplyStatus.APPROVED)
    ).all()
    assert len(staff) > 50
    late = [r for r in staff if r.item.due_at and r.item.replied_at > r.item.due_at]
    assert 0.03 <= len(late) / len(staff) <= 0.3
    for reply in staff:  # four eyes: approved by someone who wrote no revision of the text
        assert reply.reviewer_id not in {rev.author_id for rev in reply.revisions}

    # a realistic live queue and a few cards, not a sea of red
    assert statuses[ItemStatus.NEW] >= 1
    assert statuses[ItemStatus.IN_REVIEW] >= 1
    assert 1 <= states["红牌"] <= max(3, len(open_items) // 4)
    assert states["红牌"] / len(items) < 0.03
    assert statuses[ItemStatus.RETURNED] >= 1

    # done through the workflow: every staff-answered item has its review and triage events
    approved_ids = {r.item_id for r in staff}
    actions = Counter(
        session.scalars(select(Event.action).where(Event.item_id.in_(approved_ids))).all()
    )
    assert actions["审核通过"] == len(approved_ids)
    assert actions["提交审核"] >= len(approved_ids)

    # a second run changes nothing that the first one did
    events = session.scalar(select(func.count(Event.id)))
    again = play_history(session, clock, NOW)
    assert "回退（非本厅职责）" not in again.outcomes
    assert session.scalar(select(func.count(Event.id))) == events
