"""Re-routing a 建议提案 moves its 主办 with it: triage 转办, 确认分办 after a 退回, 批量确认 and the
re-suggestion after retraining all give the proposal the item's new 处室 as 主办 (audited with
before/after); a 协办 that becomes the 主办 stops being a 协办. Real database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.clock.deadlines import SHANGHAI
from ledger.clock.proposals import load_proposal_clocks
from ledger.intake.manual.receipt import load_receipt_rules
from ledger.intake.model.rerouting import reroute_waiting
from ledger.intake.pipeline import IntakeContext
from ledger.models import Event, Item, ItemStatus, Proposal, ProposalCoHandler, User
from ledger.settings import Settings
from ledger.workflow import handling, triage, triage_queue
from ledger.workflow.guards import Clock, NotVisible, WorkflowError
from ledger.workflow.proposals import steps as proposals
from ledger.workflow.proposals.checks import check_reply_ready
from ledger.workflow.proposals.clocks import clocks_of
from ledger.workflow.proposals.registration import ProposalEntry, register_proposal

DATA = Path(__file__).resolve().parents[2] / "data"
ASSIGNED = datetime(2026, 9, 28, 9, 0, tzinfo=SHANGHAI)
NOW = datetime(2026, 10, 15, 10, 0, tzinfo=SHANGHAI)  # 协办 opinions due 2026-10-28: still due


def user(session: Session, name: str) -> User:
    found = session.scalar(select(User).where(User.username == name))
    assert found is not None
    return found


@pytest.fixture
def ctx(session: Session, instance_dir: Path) -> IntakeContext:
    return IntakeContext.load(session, Settings("unused", DATA, instance_dir))


@pytest.fixture
def item(session: Session, ctx: IntakeContext) -> Item:
    """A 人大建议 about software (the model is sure it is 软件与信息服务业处's), 交办 to 中小企业局
    as 主办 with 软件与信息服务业处 and 化工专项行动办 as 协办; 软件 has given its opinion."""
    entry = ProposalEntry(
        token="lead1",
        kind="人大建议",
        year=2026,
        batch="第一批",
        number="0207",
        proposer="李明",
        title="关于发展软件和信息技术服务业的建议",
        body="建议加大软件企业扶持，发展工业软件、信息技术服务业和软件园区，支持软件人才。",
        assigned_at=ASSIGNED,
        lead="sme",
        cohandlers=["software", "chemical"],
    )
    result = register_proposal(
        session,
        user(session, "fenban"),
        entry,
        ctx,
        load_receipt_rules(DATA / "receipt_rules.toml"),
        load_proposal_clocks(DATA / "proposal_clocks.toml"),
        Clock.from_data_dir(DATA),
        now=NOW,
    )
    found = session.get(Item, result.item_id)
    assert found is not None and found.department.code == "sme"
    software = user(session, "rjc")
    assert software.department_id is not None
    proposals.record_opinion(
        session, software, found.id, software.department_id, "建议纳入工业软件专项", NOW, now=NOW
    )
    return found


def proposal(session: Session, item: Item) -> Proposal:
    found = proposals.proposal_of(session, item.id)
    assert found is not None
    return found


def lead_events(session: Session, item: Item) -> list[Event]:
    stmt = select(Event).where(Event.item_id == item.id, Event.action == "主办处室变更")
    return list(session.scalars(stmt))


def test_transfer_to_another_office_makes_it_the_lead(session: Session, item: Item) -> None:
    triage.reroute(
        session, user(session, "fenban"), item.id, item.version, "chemical", now=NOW, reason="化工"
    )
    p = proposal(session, item)
    assert p.lead_department.code == "chemical" and item.department.code == "chemical"
    [event] = lead_events(session, item)
    assert event.before == {"主办": "中小企业局", "协办": "软件与信息服务业处、化工专项行动办"}
    assert event.after == {"主办": "化工专项行动办", "协办": "软件与信息服务业处"}
    session.flush()
    codes = session.scalars(
        select(ProposalCoHandler.department_id).where(ProposalCoHandler.proposal_id == p.id)
    ).all()
    assert codes == [user(session, "rjc").department_id]  # chemical no longer a 协办 row
    assert [c.label for c in clocks_of(p, NOW)] == [
        "主办答复（化工专项行动办）",
        "协办意见（软件与信息服务业处）",
        "非本单位办理说明",
    ]
    # the new 主办 writes the 复文; to the old one the item is gone (as any other 处室's)
    with pytest.raises(NotVisible):
        proposals.save_reply(
            session, user(session, "zxqy"), item.id, item.version, text="复文", uploads=[],
            instance_dir=None, submit_now=False, now=NOW,
        )  # fmt: skip
    proposals.save_reply(
        session, user(session, "hgb"), item.id, item.version, text="复文", uploads=[],
        instance_dir=None, submit_now=False, now=NOW,
    )  # fmt: skip


def _transfer(session: Session, item: Item, ctx: IntakeContext) -> None:
    triage.reroute(session, user(session, "fenban"), item.id, item.version, "software", now=NOW)


def _send_back_then_confirm(session: Session, item: Item, ctx: IntakeContext) -> None:
    handling.send_back(session, user(session, "zxqy"), item.id, item.version, "软件处主办", now=NOW)
    assert proposal(session, item).lead_department.code == "sme"  # until another 处室 takes it
    triage.confirm(
        session, user(session, "fenban"), item.id, item.version, now=NOW, department_code="software"
    )


def _send_back_then_bulk(session: Session, item: Item, ctx: IntakeContext) -> None:
    handling.send_back(session, user(session, "zxqy"), item.id, item.version, "软件处主办", now=NOW)
    assert item.suggestions[0]["code"] == "software"
    done = triage.bulk_confirm(session, user(session, "fenban"), [(item.id, item.version)], now=NOW)
    assert done.done == [item.id]


def _send_back_then_retrained_model(session: Session, item: Item, ctx: IntakeContext) -> None:
    handling.send_back(session, user(session, "zxqy"), item.id, item.version, "软件处主办", now=NOW)
    assert item.status == ItemStatus.NEW
    # a new model only suggests: a proposal its 主办 sent back waits for a person
    assert reroute_waiting(session, ctx.router, ctx.department_ids).auto_routed == 0
    assert item.suggestions[0]["code"] == "software"
    triage.confirm(
        session, user(session, "fenban"), item.id, item.version, now=NOW, department_code="software"
    )


@pytest.mark.parametrize(
    "move",
    [_transfer, _send_back_then_confirm, _send_back_then_bulk, _send_back_then_retrained_model],
    ids=["转办", "退回后确认分办", "退回后批量确认", "退回后新模型建议再确认"],
)
def test_a_cohandler_that_becomes_the_lead_stops_cohandling_on_every_path(
    session: Session,
    item: Item,
    ctx: IntakeContext,
    move: Callable[[Session, Item, IntakeContext], None],
) -> None:
    move(session, item, ctx)
    session.flush()
    session.expire_all()
    assert item.department.code == "software"
    p = proposal(session, item)
    assert p.lead_department.code == "software"
    assert [c.department.code for c in p.cohandlers] == ["chemical"]
    [event] = lead_events(session, item)
    assert event.before == {"主办": "中小企业局", "协办": "软件与信息服务业处、化工专项行动办"}
    assert event.after == {
        "主办": "软件与信息服务业处",
        "协办": "化工专项行动办",
        "原协办意见": "建议纳入工业软件专项",
        "原协办意见时间": NOW.isoformat(),
    }
    assert event.note == "软件与信息服务业处原为协办处室，改任主办，不再协办"
    # its opinion clock is gone; the 复文 waits only for the remaining 协办
    assert [c.label for c in clocks_of(p, NOW)][1:] == [
        "协办意见（化工专项行动办）",
        "非本单位办理说明",
    ]
    with pytest.raises(WorkflowError, match="还未收到化工专项行动办的协办意见"):
        check_reply_ready(p, NOW)


def test_confirming_the_same_office_changes_nothing(session: Session, item: Item) -> None:
    handling.send_back(session, user(session, "zxqy"), item.id, item.version, "再分办", now=NOW)
    triage.confirm(
        session, user(session, "fenban"), item.id, item.version, now=NOW, department_code="sme"
    )
    assert proposal(session, item).lead_department.code == "sme"
    assert lead_events(session, item) == []
    assert len(proposal(session, item).cohandlers) == 2


def test_a_new_model_never_routes_a_proposal_its_lead_sent_back(
    session: Session, item: Item, ctx: IntakeContext
) -> None:
    handling.send_back(session, user(session, "zxqy"), item.id, item.version, "软件处主办", now=NOW)
    assert ctx.router.route(item.title, item.body).auto  # the model alone would route it
    sent_back = max(session.scalars(select(Event.id).where(Event.item_id == item.id)))
    for _ in range(2):  # the re-suggestion is a later routing step: the next model holds it too
        item.suggestions = [{"code": "radio", "confidence": 0.5}]  # as an older model left it
        summary = reroute_waiting(session, ctx.router, ctx.department_ids)
        assert (summary.changed, summary.auto_routed) == (1, 0)
        session.flush()
        session.expire_all()
        assert item.status == ItemStatus.NEW and item.department_id is None
        assert item.suggestions[0]["code"] == "software"
        assert proposal(session, item).lead_department.code == "sme"
    actions = session.scalars(
        select(Event.action).where(Event.item_id == item.id, Event.id > sent_back)
    ).all()
    assert actions == ["分办建议更新", "分办建议更新"]
    # and it stays in the 被退回 tab with who sent it back: a re-suggestion is not a routing step
    office = user(session, "fenban")
    assert item in triage_queue.queue_page(session, office, "returned")
    assert item not in triage_queue.queue_page(session, office, "new")
    assert triage_queue.sent_back(session, [item])[item.id].department == "中小企业局"
