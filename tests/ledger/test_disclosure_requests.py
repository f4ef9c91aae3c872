"""依申请公开 steps on a real database: 补正 and its restart or expiry, third-party pause, 会商,
extension, Art. 36 replies with their grounds, archive, refusals that save nothing, and the
annual-report table. Expected due dates are worked out in the comments (2026 holiday notice)."""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.clock.deadlines import SHANGHAI
from ledger.intake.pipeline import IntakeContext, intake
from ledger.intake.records import IntakeRecord
from ledger.models import (
    ClockAdjustment,
    Consultation,
    CorrectionNotice,
    DisclosureRequest,
    Event,
    Item,
    ItemStatus,
    User,
)
from ledger.settings import Settings
from ledger.workflow.disclosure import consultations as consult
from ledger.workflow.disclosure import requests as foi
from ledger.workflow.disclosure.annual import annual_table
from ledger.workflow.disclosure.catalogue import DisclosureCatalogue, load_catalogue
from ledger.workflow.disclosure.notices import load_notice_book, render_notice
from ledger.workflow.guards import Clock, WorkflowError
from ledger.workflow.supervision import board

DATA = Path(__file__).resolve().parents[2] / "data"


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def clock() -> Clock:
    return Clock.from_data_dir(DATA)


@pytest.fixture
def cat() -> DisclosureCatalogue:
    return load_catalogue(DATA / "disclosure_requests.toml")


def fenban(session: Session) -> User:
    return session.scalars(select(User).where(User.username == "fenban")).one()


def apply(
    session: Session,
    cat: DisclosureCatalogue,
    ext: str,
    received: datetime,
    applicant_type: str = "自然人",
) -> Item:
    """An application entered by hand (source manual), through the real intake."""
    ctx = IntakeContext.load(session, Settings.from_env())
    record = IntakeRecord(
        source="manual",
        external_id=ext,
        item_type="依申请公开",
        title="申请公开2025年技术改造专项资金分配结果",
        body="请公开专项资金分配明细。",
        received_at=received,
        author="张三",
    )
    item = session.get(Item, intake(session, record, ctx, now=received).item_id)
    assert item is not None and item.item_type == "foi_request"
    foi.register_application(
        session,
        fenban(session),
        item,
        cat,
        applicant_type=applicant_type,
        name="张三",
        address="济南市历下区某路1号",
        now=received,
    )
    return item


def test_correction_restarts_the_clock(
    session: Session, cat: DisclosureCatalogue, clock: Clock
) -> None:
    # Signed for Mon 2026-05-11: due 06-08 as it stands (test_disclosure_clock).
    item = apply(session, cat, "F-1", sh(2026, 5, 11, 11))
    assert item.due_at.astimezone(SHANGHAI).date() == date(2026, 6, 8)
    # Last day for the 补正 notice: 7 working days = 05-12..15 (4), 05-18..20 (7) → Wed 05-20.
    with pytest.raises(WorkflowError, match="7 个工作日内.*最迟 2026-05-20"):
        foi.issue_correction(
            session,
            fenban(session),
            item.id,
            item.version,
            issued_at=sh(2026, 5, 21, 9),
            to_complete="请写明具体年份",
            answer_by=date(2026, 6, 5),
            now=sh(2026, 5, 21, 10),
            clock=clock,
        )
    foi.issue_correction(
        session,
        fenban(session),
        item.id,
        item.version,
        issued_at=sh(2026, 5, 14, 9),
        to_complete="请写明所需信息的文件名称或文号",
        answer_by=date(2026, 5, 29),
        now=sh(2026, 5, 14, 10),
        clock=clock,
    )
    assert item.status == ItemStatus.CORRECTING
    with pytest.raises(WorkflowError, match="一次性告知"):
        foi.issue_correction(
            session,
            fenban(session),
            item.id,
            item.version,
            issued_at=sh(2026, 5, 14, 9),
            to_complete="再补",
            answer_by=date(2026, 5, 29),
            now=sh(2026, 5, 14, 10),
            clock=clock,
        )
    # The completed request comes Mon 05-25 14:30: day zero; due Tue 2026-06-23 (端午 06-19 skipped).
    foi.record_completion(
        session,
        fenban(session),
        item.id,
        item.version,
        received_at=sh(2026, 5, 25, 14, 30),
        note="申请人来信补正",
        now=sh(2026, 5, 25, 15),
        clock=clock,
    )
    assert item.status in foi.HANDLING  # 办理中, or 待分办 if no 处室 has it yet
    assert item.due_at == sh(2026, 6, 23, 23, 59, 59)
    assert any("补正后重新起算：2026-05-25 14:30" in line for line in item.deadline_explanation)
    actions = session.scalars(select(Event.action).where(Event.item_id == item.id)).all()
    assert "补正告知" in actions and "收到补正材料" in actions


def test_unanswered_correction_is_deemed_withdrawn(
    session: Session, cat: DisclosureCatalogue, clock: Clock
) -> None:
    item = apply(session, cat, "F-2", sh(2026, 5, 11, 11))
    foi.issue_correction(
        session,
        fenban(session),
        item.id,
        item.version,
        issued_at=sh(2026, 5, 12, 9),
        to_complete="请说明所需信息的时间范围",
        answer_by=date(2026, 5, 22),
        now=sh(2026, 5, 12, 10),
        clock=clock,
    )
    # On the stated day itself nothing happens; the day after it does.
    assert foi.expire_corrections(session, sh(2026, 5, 22, 23, 0)) == []
    assert foi.expire_corrections(session, sh(2026, 5, 23, 0, 5)) == [item.id]
    assert item.status == ItemStatus.WITHDRAWN
    event = session.scalars(
        select(Event).where(Event.item_id == item.id, Event.action == "视为撤回")
    ).one()
    assert event.actor == "系统" and "2026-05-22" in (event.note or "")
    with pytest.raises(WorkflowError, match="不能记录补正材料"):
        foi.record_completion(
            session,
            fenban(session),
            item.id,
            item.version,
            received_at=sh(2026, 5, 25, 9),
            note="",
            now=sh(2026, 5, 25, 10),
            clock=clock,
        )
    foi.archive(
        session,
        fenban(session),
        item.id,
        item.version,
        archive_no="2026-YSQ-002",
        archived_on=date(2026, 5, 25),
        now=sh(2026, 5, 25, 10),
    )
    assert item.status == ItemStatus.ARCHIVED


def test_third_party_pause_joint_consultation_and_extension(
    session: Session, cat: DisclosureCatalogue, clock: Clock
) -> None:
    # Received Mon 2026-03-02: due 03-30 as it stands.
    item = apply(session, cat, "F-3", sh(2026, 3, 2, 10), "商业企业")
    user = fenban(session)
    consult.start_consultation(
        session,
        user,
        item.id,
        item.version,
        kind="会商",
        party="省发展改革委",
        asked_at=sh(2026, 3, 4, 10),
        opinion="同意公开分配结果，明细涉及企业经营数据的不公开",
        now=sh(2026, 3, 4, 11),
        clock=clock,
    )
    assert item.status != ItemStatus.CONSULTING  # 会商 does not stop the clock
    consult.start_consultation(
        session,
        user,
        item.id,
        item.version,
        kind="征求第三方意见",
        party="某某科技有限公司",
        asked_at=sh(2026, 3, 9, 15),
        opinion="",
        now=sh(2026, 3, 9, 16),
        clock=clock,
    )
    assert item.status == ItemStatus.CONSULTING
    # Paused for the third party: still 在办 on the supervision board, never 红牌 meanwhile.
    figures = board(session, user, sh(2026, 4, 30, 9))
    assert figures.total.open == 1 and figures.total.overdue == 0
    consult.record_opinion(
        session,
        user,
        item.id,
        item.version,
        opinion="不同意公开本公司申报材料",
        opinion_at=sh(2026, 3, 30, 10),
        now=sh(2026, 3, 30, 11),
        clock=clock,
    )
    # (03-09, 03-30] = 15 working days not counted → due Tue 2026-04-21 (test_disclosure_clock).
    assert item.due_at.astimezone(SHANGHAI).date() == date(2026, 4, 21)
    records = session.scalars(select(Consultation).where(Consultation.item_id == item.id)).all()
    assert [(c.kind, c.party) for c in records] == [
        ("会商", "省发展改革委"),
        ("征求第三方意见", "某某科技有限公司"),
    ]
    # Extension: 21 refused (≤ 20); 10 approved: 04-22..24 (3), 04-27..30 (7), 05-01..05 劳动节,
    # 05-06..08 (10) → due Fri 2026-05-08. Then 11 more would exceed 20 in all.
    with pytest.raises(WorkflowError, match="不得超过 20"):
        consult.extend(
            session,
            user,
            item.id,
            item.version,
            days=21,
            reason="需要调取档案",
            approved_by="办公室主任",
            approved_at=sh(2026, 4, 10, 9),
            now=sh(2026, 4, 10, 10),
            clock=clock,
        )
    consult.extend(
        session,
        user,
        item.id,
        item.version,
        days=10,
        reason="需要调取档案",
        approved_by="办公室主任",
        approved_at=sh(2026, 4, 10, 9),
        now=sh(2026, 4, 10, 10),
        clock=clock,
    )
    assert item.due_at.astimezone(SHANGHAI).date() == date(2026, 5, 8)
    # The 延期告知书 says how long, why and until when, to the applicant by name.
    req = session.get(DisclosureRequest, item.id)
    assert req is not None
    book = load_notice_book(DATA / "disclosure_notices.toml")
    letter = Document(BytesIO(render_notice(book, "extension", item, req)))
    text = "\n".join(p.text for p in letter.paragraphs)
    assert text.startswith("政府信息公开申请延期答复告知书\n")
    assert "张三：" in text and "济南市历下区某路1号" in text
    assert "因需要调取档案" in text and "延长10个工作日" in text and "2026年5月8日前" in text
    assert "${" not in text
    with pytest.raises(WorkflowError, match="还没有这份告知书"):
        render_notice(book, "reply", item, req)
    with pytest.raises(WorkflowError, match="已延期 10"):
        consult.extend(
            session,
            user,
            item.id,
            item.version,
            days=11,
            reason="再延",
            approved_by="办公室主任",
            approved_at=sh(2026, 4, 11, 9),
            now=sh(2026, 4, 11, 10),
            clock=clock,
        )


def test_bad_replies_are_refused_and_nothing_is_saved(
    session: Session, cat: DisclosureCatalogue, clock: Clock
) -> None:
    item = apply(session, cat, "F-4", sh(2026, 3, 2, 10))
    user = fenban(session)
    before = (item.status, item.version)
    events = session.scalar(select(func.count()).select_from(Event).where(Event.item_id == item.id))
    for kwargs, message in [
        ({"reply_type": "部分公开", "ground": ""}, "须选择法定理由"),
        ({"reply_type": "不予公开", "ground": "随便写的理由"}, "须选择法定理由"),
        ({"reply_type": "非本机关负责公开", "ground": ""}, "须写明负责公开该信息的机关"),
        (
            {"reply_type": "予以公开", "ground": "", "replied_at": sh(2026, 3, 1, 9)},
            "早于收到申请时间",
        ),
        ({"reply_type": "", "ground": ""}, "请选择答复类型"),
    ]:
        args = {"body": "", "text": "答复正文", "replied_at": sh(2026, 3, 20, 9), **kwargs}
        with pytest.raises(WorkflowError, match=message):
            foi.reply(session, user, item.id, item.version, cat, now=sh(2026, 3, 20, 10), **args)
    with pytest.raises(WorkflowError, match="早于收到申请时间"):
        foi.issue_correction(
            session,
            user,
            item.id,
            item.version,
            issued_at=sh(2026, 2, 27, 9),
            to_complete="x",
            answer_by=date(2026, 3, 20),
            now=sh(2026, 3, 3, 10),
            clock=clock,
        )
    session.flush()
    assert (item.status, item.version) == before
    req = session.get(DisclosureRequest, item.id)
    assert req is not None and req.reply_type is None and req.replied_at is None
    assert not session.scalars(
        select(CorrectionNotice).where(CorrectionNotice.item_id == item.id)
    ).all()
    assert not session.scalars(
        select(ClockAdjustment).where(ClockAdjustment.item_id == item.id)
    ).all()
    assert (
        session.scalar(select(func.count()).select_from(Event).where(Event.item_id == item.id))
        == events
    )
    # With its ground the reply goes through, and the archived item is read-only.
    foi.reply(
        session,
        user,
        item.id,
        item.version,
        cat,
        reply_type="部分公开",
        ground="第十五条：涉及商业秘密、个人隐私等，公开会损害第三方合法权益",
        body="",
        text="分配结果予以公开，企业申报材料不予公开。",
        replied_at=sh(2026, 3, 20, 9),
        now=sh(2026, 3, 20, 10),
    )
    assert item.status == ItemStatus.REPLIED and req.reply_row == "partly"
    assert req.reply_label.startswith("部分公开（第十五条")
    foi.archive(
        session,
        user,
        item.id,
        item.version,
        archive_no="2026-YSQ-004",
        archived_on=date(2026, 3, 20),
        now=sh(2026, 3, 20, 10),
    )
    with pytest.raises(WorkflowError, match="已归档，只读"):
        foi.archive(
            session,
            user,
            item.id,
            item.version,
            archive_no="again",
            archived_on=date(2026, 3, 21),
            now=sh(2026, 3, 21, 10),
        )


def test_annual_table(session: Session, cat: DisclosureCatalogue, clock: Clock) -> None:
    user = fenban(session)
    # Carried in from 2025 and answered in 2026 (不予公开, 第十四条 国家秘密).
    old = apply(session, cat, "A-1", sh(2025, 12, 22, 10), "科研机构")
    foi.reply(
        session,
        user,
        old.id,
        old.version,
        cat,
        reply_type="不予公开",
        ground="第十四条：属于国家秘密",
        body="",
        text="属于国家秘密，不予公开。",
        replied_at=sh(2026, 1, 8, 9),
        now=sh(2026, 1, 8, 10),
    )
    # New in 2026: 予以公开 (自然人), 非本机关负责公开 (法律服务机构), deemed withdrawn (自然人),
    # and one still open at the year's end (商业企业), carried to 2027.
    a = apply(session, cat, "A-2", sh(2026, 3, 2, 10))
    foi.reply(
        session,
        user,
        a.id,
        a.version,
        cat,
        reply_type="予以公开",
        ground="",
        body="",
        text="见附件。",
        replied_at=sh(2026, 3, 10, 9),
        now=sh(2026, 3, 10, 10),
    )
    b = apply(session, cat, "A-3", sh(2026, 3, 3, 10), "法律服务机构")
    foi.reply(
        session,
        user,
        b.id,
        b.version,
        cat,
        reply_type="非本机关负责公开",
        ground="",
        body="济南市生态环境局",
        text="请向该局申请。",
        replied_at=sh(2026, 3, 11, 9),
        now=sh(2026, 3, 11, 10),
    )
    c = apply(session, cat, "A-4", sh(2026, 5, 11, 11))
    foi.issue_correction(
        session,
        user,
        c.id,
        c.version,
        issued_at=sh(2026, 5, 12, 9),
        to_complete="说明范围",
        answer_by=date(2026, 5, 22),
        now=sh(2026, 5, 12, 10),
        clock=clock,
    )
    foi.expire_corrections(session, sh(2026, 5, 25, 9))
    apply(session, cat, "A-5", sh(2026, 12, 28, 10), "商业企业")

    table = annual_table(session, user, cat, 2026)
    v = table.value
    assert (v("new"), v("carried_in"), v("total"), v("carried_out")) == (4, 1, 4, 1)
    assert v("new", "自然人") == 2 and v("new", "法律服务机构") == 1 and v("new", "商业企业") == 1
    assert v("carried_in", "科研机构") == 1
    assert v("disclosed", "自然人") == 1
    assert v("refused") == v("refused_secret") == v("refused_secret", "科研机构") == 1
    assert v("unable") == v("unable_not_held") == v("unable_not_held", "法律服务机构") == 1
    assert v("other") == v("other_no_correction") == v("other_no_correction", "自然人") == 1
    assert v("carried_out", "商业企业") == 1
    # The check printed above the official table: 一 + 二 = 三（七） + 四.
    assert v("new") + v("carried_in") == v("total") + v("carried_out")
    last = annual_table(session, user, cat, 2025)
    assert (last.value("new"), last.value("carried_out"), last.value("total")) == (1, 1, 0)
