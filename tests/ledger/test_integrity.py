"""Workflow integrity: every step needs the version the user saw; four eyes read the reply's
history; notices follow the visibility of their item."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.intake.pipeline import IntakeContext, intake
from ledger.intake.records import IntakeRecord
from ledger.models import Item, ItemStatus, User
from ledger.settings import Settings
from ledger.workflow import handling, review, triage
from ledger.workflow.guards import Clock, MissingVersion, WorkflowError
from ledger.workflow.notices import inbox, mark_read, notify, unread_count

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
# the real model is unsure about this text: the item waits for triage (asserted in make)
TITLE, BODY = "合同款一年多未结清", "某国有企业欠我公司合同款 80 余万元，多次催要无果，请求协调。"


@pytest.fixture
def clock(data_dir) -> Clock:  # type: ignore[no-untyped-def]
    return Clock.from_data_dir(data_dir)


def user(session: Session, name: str) -> User:
    return session.scalars(select(User).where(User.username == name)).one()


def make(session: Session, ext: str, *, kind: str = "留言板", routed: bool = True) -> Item:
    ctx = IntakeContext.load(session, Settings.from_env())
    source = "manual" if kind == "依申请公开" else "demo_board"
    rec = IntakeRecord(
        source=source,
        external_id=ext,
        item_type=kind,
        title=TITLE,
        body=BODY,
        received_at=NOW - timedelta(days=1),
    )
    item = session.get(Item, intake(session, rec, ctx, now=NOW - timedelta(days=1)).item_id)
    assert item is not None and item.status == ItemStatus.NEW, item and item.suggestions
    if routed:
        triage.confirm(
            session, user(session, "fenban"), item.id, item.version, now=NOW, department_code="sme"
        )
    return item


# -- 12: no version, no step -------------------------------------------------------------------

Step = Callable[[Session, Item, object, Clock], object]
STEPS: dict[str, tuple[str, bool, Step]] = {  # name → (user, routed first?, step with a version)
    "confirm": (
        "fenban",
        False,
        lambda s, i, v, c: triage.confirm(s, user(s, "fenban"), i.id, v, now=NOW),
    ),  # noqa: E501
    "reroute": (
        "fenban",
        True,
        lambda s, i, v, c: triage.reroute(s, user(s, "fenban"), i.id, v, "software", now=NOW),
    ),  # noqa: E501
    "merge": (
        "fenban",
        False,
        lambda s, i, v, c: triage.merge(s, user(s, "fenban"), i.id, v, 1, now=NOW),
    ),  # noqa: E501
    "return": (
        "fenban",
        False,
        lambda s, i, v, c: triage.return_not_ours(s, user(s, "fenban"), i.id, v, "非本厅", now=NOW),
    ),  # noqa: E501
    "priority": (
        "fenban",
        False,
        lambda s, i, v, c: triage.set_priority(s, user(s, "fenban"), i.id, v, "紧急", now=NOW),
    ),  # noqa: E501
    "draft": (
        "zxqy",
        True,
        lambda s, i, v, c: handling.save_draft(s, user(s, "zxqy"), i.id, v, "答复", now=NOW),
    ),  # noqa: E501
    "extension": (
        "zxqy",
        True,
        lambda s, i, v, c: handling.request_extension(
            s, user(s, "zxqy"), i.id, v, 2, "核实", now=NOW, clock=c
        ),
    ),  # noqa: E501
    "send_back": (
        "zxqy",
        True,
        lambda s, i, v, c: handling.send_back(s, user(s, "zxqy"), i.id, v, "非本处", now=NOW),
    ),  # noqa: E501
    "submit": (
        "zxqy",
        True,
        lambda s, i, v, c: handling.submit(s, user(s, "zxqy"), i.id, v, now=NOW),
    ),  # noqa: E501
    "approve": (
        "zxqy-sh",
        True,
        lambda s, i, v, c: review.approve(s, user(s, "zxqy-sh"), i.id, v, now=NOW),
    ),  # noqa: E501
    "return_reply": (
        "zxqy-sh",
        True,
        lambda s, i, v, c: review.return_reply(s, user(s, "zxqy-sh"), i.id, v, "改", now=NOW),
    ),  # noqa: E501
}


@pytest.mark.parametrize("name", list(STEPS))
@pytest.mark.parametrize("version", [None, "abc", 0, -1, True])
def test_a_missing_or_invalid_version_is_refused_like_a_stale_one(
    session: Session, clock: Clock, name: str, version: object
) -> None:
    _, routed, step = STEPS[name]
    item = make(session, f"V-{name}", routed=routed)
    before = (item.version, item.status, item.priority, item.department_id)
    with pytest.raises(MissingVersion, match="没有收到您所看页面的版本号"):
        step(session, item, version, clock)
    assert (item.version, item.status, item.priority, item.department_id) == before


def test_bulk_confirm_skips_an_item_without_a_version(session: Session) -> None:
    item = make(session, "V-bulk", routed=False)
    result = triage.bulk_confirm(
        session, user(session, "fenban"), [(item.id, None)], now=NOW, min_confidence=0.0
    )
    assert result.done == [] and result.skipped == [(item.id, "缺少版本号，请刷新页面后重试")]
    assert item.status == ItemStatus.NEW


# -- 13: four eyes from the reply's history ----------------------------------------------------


def test_a_reviewer_cannot_approve_their_own_text_resubmitted_unchanged(session: Session) -> None:
    item = make(session, "4E1")
    handler, head = user(session, "zxqy"), user(session, "zxqy-sh")
    handling.save_draft(session, head, item.id, item.version, "审核人写的答复。", now=NOW)
    handling.submit(session, head, item.id, item.version, now=NOW)
    review.return_reply(session, head, item.id, item.version, "请承办人提交", now=NOW)
    # the handler re-saves the prefilled text unchanged and submits: the text is still the head's
    reply = handling.save_draft(
        session, handler, item.id, item.version, "审核人写的答复。", now=NOW
    )
    handling.submit(session, handler, item.id, item.version, now=NOW)
    assert reply.author_id == handler.id  # who saved last…
    assert [r.author_id for r in reply.revisions] == [head.id]  # …is not who wrote it
    with pytest.raises(WorkflowError, match="自己起草或修改过"):
        review.approve(session, head, item.id, item.version, now=NOW)
    assert item.status == ItemStatus.IN_REVIEW and item.replied_at is None


def test_a_reviewer_who_wrote_an_earlier_revision_cannot_approve(session: Session) -> None:
    item = make(session, "4E2")
    handler, head = user(session, "zxqy"), user(session, "zxqy-sh")
    handling.save_draft(session, head, item.id, item.version, "审核人的稿子。", now=NOW)
    reply = handling.save_draft(
        session, handler, item.id, item.version, "审核人的稿子。承办人补了一句。", now=NOW
    )
    handling.submit(session, handler, item.id, item.version, now=NOW)
    assert [r.author_id for r in reply.revisions] == [head.id, handler.id]
    with pytest.raises(WorkflowError, match="自己起草或修改过"):
        review.approve(session, head, item.id, item.version, now=NOW)


def test_text_the_reviewer_never_wrote_is_approved(session: Session) -> None:
    item = make(session, "4E3")
    handler, head = user(session, "zxqy"), user(session, "zxqy-sh")
    handling.save_draft(session, handler, item.id, item.version, "初稿", now=NOW)
    handling.submit(session, handler, item.id, item.version, now=NOW)
    review.return_reply(session, head, item.id, item.version, "请补充文号", now=NOW)  # a comment
    handling.save_draft(session, handler, item.id, item.version, "修改稿（附文号）", now=NOW)
    handling.submit(session, handler, item.id, item.version, now=NOW)
    reply = review.approve(session, head, item.id, item.version, now=NOW)
    assert item.status == ItemStatus.REPLIED
    assert [(r.author_id, r.text) for r in reply.revisions] == [
        (handler.id, "初稿"),
        (handler.id, "修改稿（附文号）"),
    ]


# -- 14: notices follow visibility -------------------------------------------------------------


def test_notices_follow_the_item_to_its_new_department(session: Session) -> None:
    item = make(session, "N1")
    handler, chem, fenban = user(session, "zxqy"), user(session, "hgb"), user(session, "fenban")
    notify(session, [handler, fenban], item, "催办", "请尽快办理", NOW)
    notify(session, [handler], None, "系统", "与事项无关的通知", NOW)
    session.flush()
    assert {n.kind for n in inbox(session, handler)} >= {"分办", "催办", "系统"}
    triage.reroute(session, fenban, item.id, item.version, "chemical", now=NOW, reason="属化工")
    session.flush()
    # the old 处室 no longer sees notices about the item (its link would 404)…
    assert [n.kind for n in inbox(session, handler)] == ["系统"]
    assert unread_count(session, handler) == 1
    assert mark_read(session, handler, NOW) == 1
    # …the new 处室 and the office still see theirs
    assert any(n.item_id == item.id for n in inbox(session, chem))
    assert any(n.item_id == item.id and n.kind == "催办" for n in inbox(session, fenban))
    # nothing was deleted: if the item comes back, so do the notices (still unread)
    triage.reroute(session, fenban, item.id, item.version, "sme", now=NOW, reason="退回原处室")
    session.flush()
    back = [n for n in inbox(session, handler) if n.item_id == item.id]
    assert {n.kind for n in back} >= {"分办", "催办"} and all(n.read_at is None for n in back)
