"""Decisions on 依申请→主动公开 candidates are kept and audited (both backends); look-alikes match."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.monthly.candidates import Candidate
from analysis.monthly.decisions import candidate_key, match_decisions
from ledger.models import CandidateStatus, Department, DisclosureCandidate, Event, User
from ledger.workflow.disclosure import candidate_decisions as disclosure
from ledger.workflow.guards import NotPermitted, WorkflowError

NOW = datetime(2026, 11, 2, 2, tzinfo=UTC)


def user(session: Session, name: str) -> User:
    return session.scalars(select(User).where(User.username == name)).one()


def dept(session: Session) -> Department:
    return session.scalars(select(Department).where(Department.active.is_(True))).first()  # type: ignore[return-value]


def candidate(subject: str = "专精特新认定", keywords: list[str] | None = None) -> Candidate:
    return Candidate(
        subject=subject,
        suggested_title=f"关于{subject}的申请条件与办理流程",
        disclosure_kind="申请条件与办理流程",
        keywords=keywords or ["专精特新", "认定", "条件", "申报", "材料"],
        places=[],
        member_ids=["1", "2", "3"],
        senders=3,
        department=None,
        replied=1,
        answer_excerpt="认定条件见……",
        representative_id="1",
        representative_title="咨询专精特新认定条件",
    )


def fields(c: Candidate) -> dict[str, object]:
    return {
        "key": candidate_key(c),
        "title": c.suggested_title,
        "subject": c.subject,
        "keywords": c.keywords,
        "month": "2026-10",
        "evidence_item_ids": [int(i) for i in c.member_ids],
        "senders": c.senders,
    }


def events(session: Session) -> list[Event]:
    return list(
        session.scalars(select(Event).where(Event.action.like("公开建议%")).order_by(Event.id))
    )


def test_accept_then_publish_is_kept_and_audited(session: Session) -> None:
    analyst, d = user(session, "fenxi"), dept(session)
    c = disclosure.accept(
        session,
        analyst,
        **fields(candidate()),
        department_id=d.id,
        due_on=date(2026, 12, 31),
        now=NOW,
    )
    session.commit()
    stored = session.get(DisclosureCandidate, c.id)
    assert stored is not None and stored.status == CandidateStatus.ACCEPTED
    assert stored.department_id == d.id and stored.due_on == date(2026, 12, 31)
    assert stored.evidence_item_ids == [1, 2, 3] and stored.decided_by_id == analyst.id
    disclosure.publish(
        session, analyst, c.id, url="https://gxt.example.gov.cn/zfxxgk/zjtx.html",
        published_on=date(2026, 11, 1), now=NOW,
    )  # fmt: skip
    session.commit()
    assert stored.status == CandidateStatus.PUBLISHED and stored.publication_url.endswith(
        "zjtx.html"
    )
    log = events(session)
    assert [e.action for e in log] == ["公开建议采纳", "公开建议已公开"]
    assert log[0].actor == "fenxi" and log[0].after["status"] == "已采纳"
    assert log[1].before["status"] == "已采纳" and log[1].after["published_on"] == "2026-11-01"


def test_dismiss_needs_a_reason_and_is_audited(session: Session) -> None:
    analyst = user(session, "fenxi")
    with pytest.raises(WorkflowError, match="理由"):
        disclosure.dismiss(session, analyst, **fields(candidate()), reason="  ", now=NOW)
    c = disclosure.dismiss(session, analyst, **fields(candidate()), reason="涉及商业秘密", now=NOW)
    session.commit()
    assert c.status == CandidateStatus.DISMISSED and c.reason == "涉及商业秘密"
    assert events(session)[-1].action == "公开建议不予公开"


def test_only_analysts_decide_and_bad_input_is_refused(session: Session) -> None:
    d = dept(session)
    with pytest.raises(NotPermitted):
        disclosure.accept(
            session, user(session, "duban"), **fields(candidate()), department_id=d.id,
            due_on=date(2026, 12, 31), now=NOW,
        )  # fmt: skip
    analyst = user(session, "fenxi")
    with pytest.raises(WorkflowError, match="期限"):
        disclosure.accept(
            session,
            analyst,
            **fields(candidate()),
            department_id=d.id,
            due_on=date(2026, 1, 1),
            now=NOW,
        )
    c = disclosure.accept(
        session,
        analyst,
        **fields(candidate()),
        department_id=d.id,
        due_on=date(2026, 12, 31),
        now=NOW,
    )
    with pytest.raises(WorkflowError, match="http"):
        disclosure.publish(
            session,
            analyst,
            c.id,
            url="javascript:alert(1)",
            published_on=date(2026, 11, 1),
            now=NOW,
        )
    assert events(session)[-1].action == "公开建议采纳", "refused steps leave no trace"


def test_later_look_alike_is_shown_against_the_decision(session: Session) -> None:
    analyst, d = user(session, "fenxi"), dept(session)
    disclosure.accept(
        session,
        analyst,
        **fields(candidate()),
        department_id=d.id,
        due_on=date(2026, 12, 31),
        now=NOW,
    )
    session.flush()
    later = candidate("专精特新申报", ["专精特新", "申报", "条件", "认定", "时间"])
    other = candidate("技改补贴", ["技改", "补贴", "发放", "申请", "时间"])
    shown = match_decisions([later, other], disclosure.decisions(session))
    assert shown[0].decision is not None and shown[0].decision.status == CandidateStatus.ACCEPTED
    assert shown[1].decision is None
