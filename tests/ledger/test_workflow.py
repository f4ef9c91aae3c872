"""Triage, handling and review services: state changes, audit events, training examples, conflicts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.intake.pipeline import IntakeContext, intake
from ledger.intake.records import IntakeRecord
from ledger.models import (
    Event,
    Item,
    ItemStatus,
    ReplyStatus,
    RoutingDecision,
    Source,
    User,
)
from ledger.settings import Settings
from ledger.workflow import handling, review, triage
from ledger.workflow.guards import Clock, NotPermitted, VersionConflict, WorkflowError
from ledger.workflow.report_back import ReportBackResult

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai


# Texts the real (seed-corpus) model is unsure about, so the items wait for a person at triage;
# each text's routing is asserted in make(), so a retrained model that changes its mind fails there.
TEXTS = {
    "sme": ("合同款一年多未结清", "某单位欠我公司合同款 80 余万元，多次催要无果，请求协调。"),
    "sme_bulk": (
        "关于中小企业认定的咨询",
        "我厂是小企业，做纺织面料，想了解今年申报时间和条件，联系电话 13912345678。",
    ),
    "not_ours": ("小区物业乱收费", "小区物业公司乱收停车费，请求处理。"),
}


@pytest.fixture
def clock(data_dir) -> Clock:  # type: ignore[no-untyped-def]
    return Clock.from_data_dir(data_dir)


def user(session: Session, name: str) -> User:
    return session.scalars(select(User).where(User.username == name)).one()


def make(
    session: Session,
    clock: Clock,
    ext: str,
    *,
    kind: str = "留言板",
    source: str = "demo_board",
    text: str = "sme",
    received: datetime = NOW - timedelta(days=1),
) -> Item:
    """An item taken in through the real intake and routed by the real model; it waits for triage."""
    ctx = IntakeContext.load(session, Settings.from_env())
    title, body = TEXTS[text]
    rec = IntakeRecord(
        source=source, external_id=ext, item_type=kind, title=title, body=body, received_at=received
    )
    item = session.get(Item, intake(session, rec, ctx, now=received).item_id)
    assert item is not None
    top = item.suggestions[0]["code"] if item.suggestions else None
    assert item.status == ItemStatus.NEW and top == text.removesuffix("_bulk"), (
        item.status,
        item.suggestions,
    )
    return item


def test_confirm_routes_and_records_a_training_example(session: Session, clock: Clock) -> None:
    item = make(session, clock, "C1")
    triage.confirm(session, user(session, "fenban"), item.id, item.version, now=NOW)
    assert item.status == ItemStatus.IN_PROGRESS and item.department.code == "sme"
    decision = session.scalars(
        select(RoutingDecision)
        .where(RoutingDecision.item_id == item.id)
        .order_by(RoutingDecision.id.desc())
    ).first()
    assert decision is not None and decision.method == "confirmed" and decision.is_training_example
    assert session.scalar(select(Event).where(Event.item_id == item.id, Event.action == "确认分办"))


def test_reroute_keeps_history_as_correction(session: Session, clock: Clock) -> None:
    item = make(session, clock, "C2")
    fenban = user(session, "fenban")
    triage.confirm(session, fenban, item.id, item.version, now=NOW)
    due = item.due_at
    triage.reroute(session, fenban, item.id, item.version, "chemical", now=NOW, reason="属化工园区")
    routes = session.scalars(
        select(RoutingDecision)
        .where(RoutingDecision.item_id == item.id)
        .order_by(RoutingDecision.id)
    ).all()
    assert [r.method for r in routes] == ["model", "confirmed", "corrected"]
    assert routes[-1].is_training_example and routes[-1].reason == "属化工园区"
    assert (
        item.department.code == "chemical" and item.due_at == due
    )  # 转办 does not reset the clock


def test_stale_version_is_refused_with_a_chinese_message(session: Session, clock: Clock) -> None:
    item = make(session, clock, "C3")
    seen = item.version
    fenban = user(session, "fenban")
    triage.set_priority(session, fenban, item.id, seen, "紧急", now=NOW)
    with pytest.raises(VersionConflict, match="已被他人修改"):
        triage.confirm(session, fenban, item.id, seen, now=NOW)
    assert item.status == ItemStatus.NEW


def test_merge_and_undo(session: Session, clock: Clock) -> None:
    original = make(session, clock, "M1")
    dup = make(session, clock, "M2")
    fenban = user(session, "fenban")
    triage.merge(session, fenban, dup.id, dup.version, original.id, now=NOW)
    assert dup.status == ItemStatus.MERGED and dup.duplicate_of_id == original.id
    with pytest.raises(WorkflowError):
        triage.merge(session, fenban, original.id, original.version, dup.id, now=NOW)
    triage.undo_merge(session, fenban, dup.id, dup.version, now=NOW)
    assert dup.status == ItemStatus.NEW and dup.duplicate_of_id is None


def test_return_not_ours_needs_a_reason_and_is_a_training_example(
    session: Session, clock: Clock
) -> None:
    item = make(session, clock, "R1", kind="12345", source="demo_12345", text="not_ours")
    fenban = user(session, "fenban")
    with pytest.raises(WorkflowError, match="理由"):
        triage.return_not_ours(session, fenban, item.id, item.version, " ", now=NOW, clock=clock)
    triage.return_not_ours(
        session, fenban, item.id, item.version, "属市场监管部门职责", now=NOW, clock=clock
    )
    assert item.status == ItemStatus.RETURNED
    last = session.scalars(
        select(RoutingDecision)
        .where(RoutingDecision.item_id == item.id)
        .order_by(RoutingDecision.id.desc())
    ).first()
    assert last is not None and last.method == "confirmed" and last.is_training_example


def test_bulk_confirm_skips_low_confidence(session: Session, clock: Clock) -> None:
    high = make(session, clock, "B1", text="sme_bulk")
    low = make(session, clock, "B2")
    assert (high.route_confidence or 0) >= triage.BULK_MIN_CONFIDENCE
    assert (low.route_confidence or 0) < triage.BULK_MIN_CONFIDENCE
    result = triage.bulk_confirm(
        session, user(session, "fenban"), [(high.id, high.version), (low.id, low.version)], now=NOW
    )
    assert result.done == [high.id] and [i for i, _ in result.skipped] == [low.id]
    assert low.status == ItemStatus.NEW


def test_department_roles_cannot_triage(session: Session, clock: Clock) -> None:
    item = make(session, clock, "P1")
    with pytest.raises(NotPermitted):
        triage.confirm(session, user(session, "zxqy"), item.id, item.version, now=NOW)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def report(self, item, reply) -> ReportBackResult:  # type: ignore[no-untyped-def]
        self.calls.append(item.external_id)
        return ReportBackResult(True, "已回传（测试）")


def test_draft_submit_approve_counts_as_answered_and_reports_back_12345(
    session: Session, clock: Clock
) -> None:
    item = make(session, clock, "H1", kind="12345", source="demo_12345")
    triage.confirm(session, user(session, "fenban"), item.id, item.version, now=NOW)
    handler, head = user(session, "zxqy"), user(session, "zxqy-sh")
    handling.save_draft(
        session, handler, item.id, item.version, "已联系企业，解答认定条件。", now=NOW
    )
    assert item.replied_at is None
    handling.submit(session, handler, item.id, item.version, now=NOW)
    assert item.status == ItemStatus.IN_REVIEW and item.replied_at is None
    with pytest.raises(NotPermitted):
        review.approve(session, handler, item.id, item.version, now=NOW)
    recorder = Recorder()
    reply = review.approve(session, head, item.id, item.version, now=NOW, report_back=recorder)
    assert reply.status == ReplyStatus.APPROVED and item.status == ItemStatus.REPLIED
    assert item.replied_at == NOW and recorder.calls == ["H1"]
    assert session.scalar(
        select(Event).where(Event.item_id == item.id, Event.action == "12345回传")
    )


def test_return_for_changes_then_resubmit(session: Session, clock: Clock) -> None:
    item = make(session, clock, "H2")
    triage.confirm(session, user(session, "fenban"), item.id, item.version, now=NOW)
    handler, head = user(session, "zxqy"), user(session, "zxqy-sh")
    handling.save_draft(session, handler, item.id, item.version, "初稿", now=NOW)
    handling.submit(session, handler, item.id, item.version, now=NOW)
    review.return_reply(session, head, item.id, item.version, "请补充政策文号", now=NOW)
    assert item.status == ItemStatus.IN_PROGRESS and item.replied_at is None
    reply = handling.save_draft(session, handler, item.id, item.version, "修改稿", now=NOW)
    assert (
        reply.status == ReplyStatus.DRAFT
        and len([r for r in item.replies if r.origin == "staff"]) == 1
    )


def test_extension_moves_the_deadline_only_when_approved(session: Session, clock: Clock) -> None:
    item = make(session, clock, "E1")
    triage.confirm(session, user(session, "fenban"), item.id, item.version, now=NOW)
    handler, head = user(session, "zxqy"), user(session, "zxqy-sh")
    due = item.due_at
    adj = handling.request_extension(
        session, handler, item.id, item.version, 5, "需现场核实", now=NOW, clock=clock
    )
    assert item.due_at == due
    with pytest.raises(WorkflowError, match="待批准"):
        handling.request_extension(
            session, handler, item.id, item.version, 1, "再延", now=NOW, clock=clock
        )
    review.decide_clock_request(
        session, head, item.id, item.version, adj.id, True, now=NOW, clock=clock
    )
    assert item.due_at is not None and due is not None and item.due_at > due
    assert any("延期" in line for line in item.deadline_explanation)


def test_foi_pause_for_correction_then_restart(session: Session, clock: Clock) -> None:
    item = make(session, clock, "F1", kind="依申请公开", source="manual")
    triage.confirm(session, user(session, "fenban"), item.id, item.version, now=NOW)
    handler, head = user(session, "zxqy"), user(session, "zxqy-sh")
    adj = handling.request_pause(
        session, handler, item.id, item.version, "补正", "申请内容不明确", now=NOW, clock=clock
    )
    review.decide_clock_request(
        session, head, item.id, item.version, adj.id, True, now=NOW, clock=clock
    )
    assert item.status == ItemStatus.PAUSED
    later = NOW + timedelta(days=10)
    before = item.due_at
    handling.resume(session, handler, item.id, item.version, now=later, clock=clock)
    assert item.status == ItemStatus.IN_PROGRESS
    assert item.due_at is not None and before is not None and item.due_at > before
    assert any("重新起算" in line for line in item.deadline_explanation)


def test_message_board_cannot_pause(session: Session, clock: Clock) -> None:
    item = make(session, clock, "F2")
    triage.confirm(session, user(session, "fenban"), item.id, item.version, now=NOW)
    with pytest.raises(WorkflowError, match="不允许暂停"):
        handling.request_pause(
            session, user(session, "zxqy"), item.id, item.version, "补正", "x", now=NOW, clock=clock
        )


def test_send_back_returns_item_to_triage(session: Session, clock: Clock) -> None:
    item = make(session, clock, "S1")
    triage.confirm(session, user(session, "fenban"), item.id, item.version, now=NOW)
    handling.send_back(
        session, user(session, "zxqy"), item.id, item.version, "应由化工办承办", now=NOW
    )
    assert item.status == ItemStatus.NEW and item.department_id is None
    assert session.get(Source, item.source_id) is not None


def test_a_paused_item_cannot_be_moved_until_resumed(session: Session, clock: Clock) -> None:
    item = make(session, clock, "P9", kind="依申请公开", source="manual")
    triage.confirm(session, user(session, "fenban"), item.id, item.version, now=NOW)
    handler, head = user(session, "zxqy"), user(session, "zxqy-sh")
    adj = handling.request_pause(
        session,
        handler,
        item.id,
        item.version,
        "第三方意见",
        "涉及企业商业秘密",
        now=NOW,
        clock=clock,
    )
    review.decide_clock_request(
        session, head, item.id, item.version, adj.id, True, now=NOW, clock=clock
    )
    with pytest.raises(WorkflowError, match="恢复计时"):
        triage.reroute(session, user(session, "fenban"), item.id, item.version, "software", now=NOW)
    with pytest.raises(WorkflowError, match="恢复计时"):
        handling.send_back(session, handler, item.id, item.version, "非本处室", now=NOW)
    assert item.status == ItemStatus.PAUSED


def test_nobody_approves_their_own_reply_or_request(session: Session, clock: Clock) -> None:
    item = make(session, clock, "E9")
    triage.confirm(session, user(session, "fenban"), item.id, item.version, now=NOW)
    head = user(session, "zxqy-sh")  # a reviewer may also ask for more time and draft…
    adj = handling.request_extension(
        session, head, item.id, item.version, 3, "需调查核实", now=NOW, clock=clock
    )
    with pytest.raises(WorkflowError, match="自己提出"):  # …but not approve it
        review.decide_clock_request(
            session, head, item.id, item.version, adj.id, True, now=NOW, clock=clock
        )
    review.decide_clock_request(
        session, user(session, "duban"), item.id, item.version, adj.id, True, now=NOW, clock=clock
    )
    assert adj.status == "已批准"
    handling.save_draft(session, head, item.id, item.version, "答复稿", now=NOW)
    handling.submit(session, head, item.id, item.version, now=NOW)
    with pytest.raises(WorkflowError, match="自己起草"):
        review.approve(session, head, item.id, item.version, now=NOW)
    assert item.status == ItemStatus.IN_REVIEW
