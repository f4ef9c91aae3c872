"""Reminders with a frozen clock: 催办 at the warning point, 督办 on the first overdue working day,
once each; e-mail through a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import socket
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.intake.pipeline import IntakeContext, intake
from ledger.intake.records import IntakeRecord
from ledger.models import Item, ItemStatus, Notice, ReminderLog, User
from ledger.settings import Settings
from ledger.workflow import triage
from ledger.workflow.guards import Clock
from ledger.workflow.notices import SmtpMailer
from ledger.workflow.reminders import load_escalation, run_reminders

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Sink:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Sink, SmtpMailer]]:
    sink = Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, SmtpMailer(host="127.0.0.1", port=port, sender="huiying@example.test")
    finally:
        controller.stop()


def routed_item(session: Session, clock: Clock, ext: str, received: datetime) -> Item:
    ctx = IntakeContext.load(session, Settings.from_env())  # the real routing model
    rec = IntakeRecord(
        source="demo_board",
        external_id=ext,
        item_type="留言板",
        title="拖欠账款 联系 13812345678",
        body="国企拖欠货款。",
        received_at=received,
    )
    item = session.get(Item, intake(session, rec, ctx, now=received).item_id)
    assert item is not None
    fenban = session.scalars(select(User).where(User.username == "fenban")).one()
    if item.status == ItemStatus.NEW:  # the model may have routed it by itself
        triage.confirm(session, fenban, item.id, item.version, now=received, department_code="sme")
    assert item.department is not None and item.department.code == "sme"
    return item


def run(session: Session, clock: Clock, data_dir, mailer):  # type: ignore[no-untyped-def]
    return run_reminders(
        session,
        datetime.now(UTC),
        load_escalation(data_dir / "escalation.toml"),
        clock.calendar,
        mailer,
    )


def test_urge_at_warning_point_and_escalate_on_first_overdue_workday_once_each(
    session: Session, data_dir, smtp
) -> None:  # type: ignore[no-untyped-def]
    sink, mailer = smtp
    clock = Clock.from_data_dir(data_dir)
    handler = session.scalars(select(User).where(User.username == "zxqy")).one()
    handler.email = "zxqy@example.test"
    # Friday 2026-11-13: ten working days end on Friday 2026-11-27.
    item = routed_item(session, clock, "R-1", datetime(2026, 11, 13, 9, 0, tzinfo=SHANGHAI))
    assert item.due_at is not None and item.warn_at is not None
    assert item.due_at.astimezone(SHANGHAI).date().isoformat() == "2026-11-27"

    with time_machine.travel(item.warn_at - timedelta(minutes=1), tick=False):
        report = run(session, clock, data_dir, mailer)
    assert report.urged == [] and report.escalated == []

    with time_machine.travel(item.warn_at + timedelta(minutes=1), tick=False):
        report = run(session, clock, data_dir, mailer)
        assert report.urged == [item.id] and report.emails == 1
        assert run(session, clock, data_dir, mailer).urged == []  # once only

    # Saturday after the Friday due date: overdue, but not yet an overdue *working* day.
    with time_machine.travel(datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI), tick=False):
        assert run(session, clock, data_dir, mailer).escalated == []

    # Monday 2026-11-30: the first overdue working day → 督办 to the 处室 level, once.
    with time_machine.travel(datetime(2026, 11, 30, 8, 0, tzinfo=SHANGHAI), tick=False):
        report = run(session, clock, data_dir, mailer)
        assert report.escalated == [(item.id, "处室")]
        assert run(session, clock, data_dir, mailer).escalated == []

    kinds = session.scalars(
        select(ReminderLog.kind).where(ReminderLog.item_id == item.id).order_by(ReminderLog.id)
    ).all()
    assert kinds == ["催办", "督办"]
    notices = session.scalars(select(Notice).where(Notice.item_id == item.id)).all()
    assert {n.kind for n in notices} >= {"催办", "督办"}
    assert all("13812345678" not in n.text for n in notices)  # personal data masked
    assert len(sink.messages) == 2
    assert all(rcpts == ["zxqy@example.test"] for rcpts, _ in sink.messages)


def test_escalation_climbs_the_chain_one_level_per_run(session: Session, data_dir) -> None:  # type: ignore[no-untyped-def]
    clock = Clock.from_data_dir(data_dir)
    item = routed_item(session, clock, "R-2", datetime(2026, 11, 13, 9, 0, tzinfo=SHANGHAI))
    # 2026-12-07 (Mon) is the 6th working day after the due date: all three levels are due, but
    # each run climbs one level only.
    climbed: list[list[str]] = []
    with time_machine.travel(datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI), tick=False):
        for _ in range(4):
            report = run(session, clock, data_dir, None)
            climbed.append([name for i, name in report.escalated if i == item.id])
    assert climbed == [["处室"], ["分管领导"], ["厅领导"], []]


TEXTS = {
    "sme": ("拖欠中小企业账款", "国有企业拖欠我公司货款一年多，请求协调。"),
    "software": ("软件企业认定咨询", "我公司开发工业软件，想咨询软件企业认定和软件产品评估。"),
    "chemical": ("化工园区搬迁进度", "危险化学品生产企业搬迁入园申请已报送半年，请问审批进度。"),
}


def test_500_overdue_items_one_digest_per_recipient_per_run(  # type: ignore[no-untyped-def]
    session: Session, data_dir, smtp
) -> None:
    sink, mailer = smtp
    clock = Clock.from_data_dir(data_dir)
    ctx = IntakeContext.load(session, Settings.from_env())
    fenban = session.scalars(select(User).where(User.username == "fenban")).one()
    for name in ("zxqy", "duban"):
        session.scalars(select(User).where(User.username == name)).one().email = f"{name}@x.test"
    received = datetime(2026, 11, 13, 9, 0, tzinfo=SHANGHAI)  # due Friday 2026-11-27
    codes = list(TEXTS)
    for n in range(500):
        code = codes[n % 3]
        title, body = TEXTS[code]
        rec = IntakeRecord(
            source="demo_board",
            external_id=f"BULK-{n:04d}",
            item_type="留言板",
            title=f"{title}（{n}）",
            body=body,
            received_at=received,
        )
        item = session.get(Item, intake(session, rec, ctx, now=received).item_id)
        assert item is not None
        if item.status == ItemStatus.NEW:
            triage.confirm(
                session, fenban, item.id, item.version, now=received, department_code=code
            )
    session.flush()

    levels = ["处室", "分管领导", "厅领导"]
    frozen = datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI)  # every level's threshold is reached
    for run_no in range(4):
        now = frozen + timedelta(minutes=15 * run_no)
        sink.messages.clear()
        with time_machine.travel(now, tick=False):
            report = run(session, clock, data_dir, mailer)
        notices = session.scalars(select(Notice).where(Notice.created_at == now)).all()
        per_user = Counter(n.user_id for n in notices)
        if run_no == 3:  # the chain is exhausted: nothing more to send
            assert report.escalated == [] and notices == [] and sink.messages == []
            continue
        # escalation climbs exactly one level per run, for every item
        assert len(report.escalated) == 500
        assert {name for _, name in report.escalated} == {levels[run_no]}
        # one digest per recipient per run, however many items it covers
        assert per_user and set(per_user.values()) == {1}
        assert report.notices == len(notices)
        duban = session.scalars(select(User).where(User.username == "duban")).one()
        digest = next(n for n in notices if n.user_id == duban.id)
        assert len(digest.entries) == 500 and "督办 500 件" in digest.text
        rcpts = [tuple(r) for r, _ in sink.messages]
        assert len(rcpts) == len(set(rcpts))  # one e-mail per address per run
        assert ("duban@x.test",) in rcpts
    # 500 items × 3 levels, each logged once
    assert (
        session.scalar(select(func.count(ReminderLog.id)).where(ReminderLog.kind == "督办")) == 1500
    )
