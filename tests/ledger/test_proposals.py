"""人大建议/政协提案 in the ledger: registration through manual entry, the handling steps, refusals
that save nothing, reminders, the Excel columns and the publishable summary. Real database."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from ledger.clock.deadlines import SHANGHAI
from ledger.clock.proposals import ProposalClockRules, load_proposal_clocks
from ledger.exports import items as export
from ledger.exports import proposals as proposal_export
from ledger.intake.manual.receipt import ReceiptRules, load_receipt_rules
from ledger.intake.pipeline import IntakeContext
from ledger.intake.record_checks import IntakeError
from ledger.models import (
    Event,
    Item,
    ItemStatus,
    Notice,
    Proposal,
    ProposalContact,
    User,
)
from ledger.queries import ItemFilter
from ledger.settings import Settings
from ledger.workflow import handling, review
from ledger.workflow.guards import Clock, NotPermitted, NotVisible, WorkflowError
from ledger.workflow.proposals import steps as proposals
from ledger.workflow.proposals import summary as proposal_summary
from ledger.workflow.proposals.clocks import board_lines, clocks_of, run_proposal_reminders
from ledger.workflow.proposals.registration import ProposalEntry, register_proposal
from ledger.workflow.reminders import load_escalation, run_reminders

ASSIGNED = datetime(2026, 9, 28, 9, 0, tzinfo=SHANGHAI)  # Monday; clocks in test_proposal_clocks
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def ctx(session: Session, data_dir: Path, instance_dir: Path) -> IntakeContext:
    return IntakeContext.load(
        session, Settings(database_url="unused", data_dir=data_dir, instance_dir=instance_dir)
    )


@pytest.fixture(scope="module")
def receipts(data_dir_path: Path) -> ReceiptRules:
    return load_receipt_rules(data_dir_path / "receipt_rules.toml")


@pytest.fixture(scope="module")
def data_dir_path() -> Path:
    return Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def clocks(data_dir_path: Path) -> ProposalClockRules:
    return load_proposal_clocks(data_dir_path / "proposal_clocks.toml")


@pytest.fixture(scope="module")
def clock(data_dir_path: Path) -> Clock:
    return Clock.from_data_dir(data_dir_path)


def user(session: Session, name: str) -> User:
    found = session.scalar(select(User).where(User.username == name))
    assert found is not None
    return found


def entry(token: str = "p1", **overrides: object) -> ProposalEntry:
    values: dict[str, object] = {
        "token": token,
        "kind": "人大建议",
        "year": 2026,
        "batch": "第一批",
        "number": "0101",
        "proposer": "王建国",
        "title": "关于加快中小企业数字化转型的建议",
        "body": "王建国代表建议：设立专项资金支持中小企业上云用数，联系电话13912345678。",
        "assigned_at": ASSIGNED,
        "lead": "sme",
        "cohandlers": ["software"],
        "assigning_body": "省政府办公厅",
    }
    values.update(overrides)
    return ProposalEntry(**values)  # type: ignore[arg-type]


@pytest.fixture
def registered(session, ctx, receipts, clocks, clock) -> Item:  # type: ignore[no-untyped-def]
    result = register_proposal(
        session, user(session, "fenban"), entry(), ctx, receipts, clocks, clock, now=NOW
    )
    item = session.get(Item, result.item_id)
    assert item is not None
    return item


def test_registration_goes_through_manual_entry_with_all_three_clocks(
    session: Session, registered: Item
) -> None:
    item = registered
    assert item.item_type == "proposal" and item.source.slug == "manual"
    assert item.status == ItemStatus.IN_PROGRESS and item.department.code == "sme"
    assert item.extra["渠道"] == "上级交办"
    assert item.author_masked == "王**"
    assert item.due_at == sh(2026, 12, 28, 23, 59, 59)  # 3 months from 交办
    p = proposals.proposal_of(session, item.id)
    assert p is not None and p.kind.value == "人大建议" and p.batch == "第一批"
    assert [(c.department.code, c.due_at) for c in p.cohandlers] == [
        ("software", sh(2026, 10, 28, 23, 59, 59))
    ]
    assert p.not_ours_due_at == sh(2026, 10, 10, 23, 59, 59)
    lines = clocks_of(p, NOW)
    assert [(c.label, c.state) for c in lines] == [
        ("主办答复（中小企业局）", "正常"),  # 黄牌 only from 2026-11-29 (1 month left)
        ("协办意见（软件与信息服务业处）", "红牌"),  # 10-28 passed without an opinion
        ("非本单位办理说明", "已过"),  # 10-10 passed without a report: ours
    ]
    assert clocks_of(p, sh(2026, 11, 29, 0, 0))[0].state == "黄牌"
    assert all(c.explanation for c in lines)
    events = [e.action for e in session.scalars(select(Event).where(Event.item_id == item.id))]
    assert "人工录入" in events and "建议提案交办" in events
    told = session.scalars(select(Notice).where(Notice.kind == "协办")).all()
    assert told and all(n.item_id is None for n in told)  # the 协办 处室 cannot open the item


def test_the_same_form_twice_registers_once_and_a_number_only_once(
    session, ctx, receipts, clocks, clock, registered
) -> None:  # type: ignore[no-untyped-def]
    office = user(session, "fenban")
    again = register_proposal(session, office, entry(), ctx, receipts, clocks, clock, now=NOW)
    assert again.outcome == "unchanged" and again.item_id == registered.id
    with pytest.raises(IntakeError, match="0101 号已登记"):
        register_proposal(session, office, entry("p2"), ctx, receipts, clocks, clock, now=NOW)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"lead": ""}, "请填写：主办处室"),
        ({"lead": "nowhere"}, "主办处室“nowhere”不在处室目录中"),
        ({"cohandlers": ["sme"]}, "已是主办处室，不能同时协办"),
        ({"kind": "议案"}, "类别“议案”无效"),
        ({"assigned_at": None, "proposer": " "}, "请填写：代表/委员、交办时间"),
        ({"assigned_at": NOW + timedelta(days=1)}, "晚于现在"),
        ({"year": 2020}, "年度 2020 与交办时间（2026 年）不符"),
    ],
)
def test_bad_registrations_are_refused_and_save_nothing(
    session, ctx, receipts, clocks, clock, overrides, message
) -> None:  # type: ignore[no-untyped-def]
    items = session.scalar(select(func.count(Item.id)))
    with pytest.raises(IntakeError, match=message):
        register_proposal(
            session, user(session, "fenban"), entry("bad", **overrides), ctx, receipts, clocks,
            clock, now=NOW,
        )  # fmt: skip
    assert session.scalar(select(func.count(Item.id))) == items
    assert session.scalar(select(func.count(Proposal.id))) == 0


def test_only_the_office_registers(session, ctx, receipts, clocks, clock) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotPermitted):
        register_proposal(
            session, user(session, "zxqy"), entry(), ctx, receipts, clocks, clock, now=NOW
        )


def test_opinions_and_contacts_with_their_refusals(session: Session, registered: Item) -> None:
    item = registered
    software = user(session, "rjc").department_id
    assert software is not None
    # a date before 交办 is refused and nothing is saved
    with pytest.raises(WorkflowError, match="早于交办时间"):
        proposals.record_opinion(
            session, user(session, "rjc"), item.id, software, "同意", sh(2026, 9, 27, 9, 0), now=NOW
        )
    p = proposals.proposal_of(session, item.id)
    assert p is not None and p.cohandlers[0].opinion is None
    # a 处室 that has nothing to do with it may not write an opinion: to it the item is not there
    with pytest.raises(NotVisible):
        proposals.record_opinion(
            session, user(session, "hgb"), item.id, software, "x", sh(2026, 10, 9), now=NOW
        )
    # the 协办 处室 itself does
    proposals.record_opinion(
        session,
        user(session, "rjc"),
        item.id,
        software,
        "建议纳入上云补贴",
        sh(2026, 10, 20),
        now=NOW,
    )
    assert p.cohandlers[0].opinion == "建议纳入上云补贴"
    assert clocks_of(p, NOW)[1].state == "已完成"
    office = user(session, "fenban")
    with pytest.raises(WorkflowError, match="沟通方式“见面”无效.*请填写参加人员"):
        proposals.record_contact(
            session, office, item.id, item.version, at=sh(2026, 10, 12), form="见面",
            participants="", summary="谈了", now=NOW,
        )  # fmt: skip
    with pytest.raises(WorkflowError, match="早于交办时间"):
        proposals.record_contact(
            session, office, item.id, item.version, at=sh(2026, 9, 1), form="面商",
            participants="王建国代表、中小企业局", summary="谈了", now=NOW,
        )  # fmt: skip
    assert session.scalar(select(func.count(ProposalContact.id))) == 0
    proposals.record_contact(
        session, office, item.id, item.version, at=sh(2026, 10, 12, 15, 0), form="面商",
        participants="王建国代表、中小企业局", summary="当面沟通补贴申报条件", now=NOW,
    )  # fmt: skip
    assert [c.form.value for c in p.contacts] == ["面商"]


def test_reply_review_satisfaction_and_reopening(
    session, registered, clocks, clock, instance_dir
) -> None:  # type: ignore[no-untyped-def]
    item = registered
    handler, reviewer = user(session, "zxqy"), user(session, "zxqy-sh")
    p = proposals.proposal_of(session, item.id)
    assert p is not None
    early = sh(2026, 10, 15, 10, 0)  # the 协办 opinion is still due (until 10-28)
    with pytest.raises(WorkflowError, match="还未收到软件与信息服务业处的协办意见"):
        proposals.save_reply(
            session, handler, item.id, item.version, text="复文", uploads=[],
            instance_dir=instance_dir, submit_now=True, now=early,
        )  # fmt: skip
    # the workbench's own draft-and-submit applies the same check
    handling.save_draft(session, handler, item.id, item.version, "复文", now=early)
    with pytest.raises(WorkflowError, match="还未收到软件与信息服务业处的协办意见"):
        handling.submit(session, handler, item.id, item.version, now=early)
    assert item.status == ItemStatus.IN_PROGRESS
    # the office cannot write the 主办's reply
    with pytest.raises(NotPermitted):
        proposals.save_reply(
            session, user(session, "fenban"), item.id, item.version, text="复文", uploads=[],
            instance_dir=instance_dir, submit_now=False, now=NOW,
        )  # fmt: skip
    # after 10-28 the 主办 may answer without it; the missing opinion is noted on the item
    reply_text = (
        "王建国代表：您提出的建议收悉。我厅已设立专项资金……（联系人：李四，电话0531-86012345）"
    )
    proposals.save_reply(
        session, handler, item.id, item.version, text=reply_text, uploads=[],
        instance_dir=instance_dir, submit_now=True, now=NOW,
    )  # fmt: skip
    assert item.status == ItemStatus.IN_REVIEW
    notes = session.scalars(select(Event.note).where(Event.action == "复文提交说明")).all()
    assert notes == ["逾期未收到软件与信息服务业处的协办意见，主办先行答复"]
    review.approve(session, reviewer, item.id, item.version, now=NOW)
    assert item.status == ItemStatus.REPLIED and item.replied_at is not None
    office = user(session, "fenban")
    later = NOW + timedelta(days=10)
    with pytest.raises(WorkflowError, match="早于答复时间"):
        proposals.record_satisfaction(
            session, office, item.id, item.version, value="满意", at=NOW - timedelta(hours=1),
            note="", clocks=clocks, clock=clock, now=later,
        )  # fmt: skip
    with pytest.raises(WorkflowError, match="请写明不满意的原因"):
        proposals.record_satisfaction(
            session, office, item.id, item.version, value="不满意", at=later, note=" ",
            clocks=clocks, clock=clock, now=later,
        )  # fmt: skip
    assert item.status == ItemStatus.REPLIED and p.satisfaction is None
    # 不满意 (2026-11-30 10:00): 再次办理, due one month later, 2026-12-30 23:59:59
    proposals.record_satisfaction(
        session, office, item.id, item.version, value="不满意", at=later,
        note="补贴标准未答复", clocks=clocks, clock=clock, now=later,
    )  # fmt: skip
    assert item.status == ItemStatus.IN_PROGRESS and p.round == 2 and item.replied_at is None
    assert item.due_at == sh(2026, 12, 30, 23, 59, 59)
    assert item.deadline_explanation[0].startswith("第 2 轮办理")
    proposals.save_reply(
        session, handler, item.id, item.version, text="补充答复：补贴标准为……", uploads=[],
        instance_dir=instance_dir, submit_now=True, now=later,
    )  # fmt: skip
    review.approve(session, reviewer, item.id, item.version, now=later)
    proposals.record_satisfaction(
        session, office, item.id, item.version, value="基本满意", at=later + timedelta(days=2),
        note="", clocks=clocks, clock=clock, now=later + timedelta(days=3),
    )  # fmt: skip
    assert item.status == ItemStatus.CLOSED and item.satisfaction == "基本满意"
    assert [r.text[:4] for r in item.replies] == ["王建国代", "补充答复"]


def test_not_ours_is_sent_back_and_a_late_report_is_marked(
    session: Session, registered: Item
) -> None:
    item = registered
    office = user(session, "fenban")
    with pytest.raises(WorkflowError, match="请写明不属于本单位办理的理由"):
        proposals.report_not_ours(
            session, office, item.id, item.version, reason="", at=sh(2026, 10, 9), now=NOW
        )
    proposals.report_not_ours(
        session,
        office,
        item.id,
        item.version,
        reason="属省发改委职责",
        at=sh(2026, 10, 12),
        now=NOW,
    )
    assert item.status == ItemStatus.RETURNED
    event = session.scalars(select(Event).where(Event.action.like("非本单位%"))).one()
    assert event.note == "超过时限（2026-10-10 23:59）才说明"  # 10-12 is after 10-10


def test_reminders_once_per_clock(session: Session, registered: Item, data_dir_path: Path) -> None:
    clock = Clock.from_data_dir(data_dir_path)
    # 10-10 00:30: the last working day of the not-ours window → the 主办 处室 is told once.
    at = sh(2026, 10, 10, 0, 30)
    assert run_proposal_reminders(session, at, clock.calendar) == 2  # zxqy and zxqy-sh
    assert run_proposal_reminders(session, at, clock.calendar) == 0
    # 10-29: the 协办 opinion is overdue → 协办 and 主办 told once, through run_reminders too
    escalation = load_escalation(data_dir_path / "escalation.toml")
    report = run_reminders(session, sh(2026, 10, 29, 9, 0), escalation, clock.calendar)
    assert report.proposal_notices == 3  # rjc (协办) + zxqy, zxqy-sh (主办)
    again = run_reminders(session, sh(2026, 10, 29, 10, 0), escalation, clock.calendar)
    assert again.proposal_notices == 0
    lines = board_lines(session, user(session, "rjc"), sh(2026, 10, 29, 9, 0))
    assert [(b.clock, b.state) for b in lines] == [("协办意见", "红牌")]
    assert board_lines(session, user(session, "hgb"), sh(2026, 10, 29, 9, 0)) == []


def test_export_columns_mask_the_proposer(session: Session, registered: Item) -> None:
    cells = proposal_export.cells(session, registered)
    assert cells == ["人大建议", "2026年第一批", "0101", "王**", "软件与信息服务业处", "已收 0/1"]
    assert len(proposal_export.COLUMNS) == len(cells)


def test_the_export_reads_proposal_cells_once_per_batch_not_per_row(
    session, registered, ctx, receipts, clocks, clock
) -> None:  # type: ignore[no-untyped-def]
    office = user(session, "fenban")
    statements: list[str] = []

    def exported() -> list[list[object]]:
        statements.clear()
        listen = lambda *args: statements.append(args[2])  # noqa: E731 - (conn, cursor, sql, ...)
        event.listen(session.connection(), "before_cursor_execute", listen)
        try:
            return export.rows(session, office, ItemFilter(), NOW)
        finally:
            event.remove(session.connection(), "before_cursor_execute", listen)

    one = exported()
    queries = len(statements)
    for n in ("0102", "0103", "0104"):
        register_proposal(
            session, office, entry(f"p{n}", number=n), ctx, receipts, clocks, clock, now=NOW
        )
    four = exported()
    assert len(statements) == queries  # not one more query per proposal row
    assert [row[2] for row in one] == [registered.external_id]
    assert len(four) == 4
    numbers = [row[-4] for row in four]  # 建议提案编号; the proposer masked as before
    assert sorted(numbers) == ["0101", "0102", "0103", "0104"]
    assert {row[-3] for row in four} == {"王**"}


def test_summary_removes_personal_data_and_publishing_is_reviewed(
    session, registered, instance_dir
) -> None:  # type: ignore[no-untyped-def]
    item = registered
    handler, office = user(session, "zxqy"), user(session, "fenban")
    text = "王建国代表：您好。经研究……如有疑问请联系13912345678。"
    proposals.save_reply(
        session, handler, item.id, item.version, text=text, uploads=[],
        instance_dir=instance_dir, submit_now=True, now=NOW,
    )  # fmt: skip
    assert proposal_summary.summary(session, office, 2026) == []  # not answered yet
    review.approve(session, user(session, "zxqy-sh"), item.id, item.version, now=NOW)
    entries = proposal_summary.summary(session, office, 2026, "第一批")
    assert [e.number for e in entries] == ["0101"]
    published = entries[0].reply
    assert "王建国" not in published and "13912345678" not in published
    assert published.startswith("王**代表")
    page = proposal_summary.summary_html(2026, "第一批", entries)
    assert "王建国" not in page and "2026年第一批人大代表建议和政协委员提案办理情况" in page
    word = proposal_summary.summary_docx(2026, "第一批", entries)
    assert word[:2] == b"PK"
    # what the reviewer saw must still be what is published
    with pytest.raises(WorkflowError, match="请重新审阅"):
        proposal_summary.publish(session, office, 2026, "第一批", [], NOW)
    with pytest.raises(NotPermitted):
        proposal_summary.publish(session, handler, 2026, "第一批", [entries[0].proposal_id], NOW)
    n = proposal_summary.publish(session, office, 2026, "第一批", [entries[0].proposal_id], NOW)
    assert n == 1 and proposal_summary.summary(session, office, 2026)[0].published
    # a 处室 that is neither 主办 nor anything else sees none of it
    assert proposal_summary.summary(session, user(session, "hgb"), 2026) == []
