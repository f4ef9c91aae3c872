"""The notices page as a busy handler uses it: one digest per reminder run, paging, filters,
read one by one (or by opening the item), and an item that has moved says where it went."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ledger.models import Item, Notice, User
from ledger.workflow.guards import Clock
from ledger.workflow.notices import notify
from ledger.workflow.reminders import load_escalation, run_reminders
from webapp.database import get_session

SME = ("关于专精特新认定的咨询", "我厂想了解专精特新中小企业申报时间和条件。")


def _user(name: str) -> User:
    return get_session().scalars(select(User).where(User.username == name)).one()


def test_digest_links_and_a_moved_item_says_where_it_went(
    client_for: Callable[[Flask, str], FlaskClient], app: Flask, make_item, csrf, version
) -> None:  # type: ignore[no-untyped-def]
    received = datetime.now(UTC) - timedelta(days=40)
    ids = [make_item(f"N-{n}", *SME, route_to="sme", received_at=received) for n in range(3)]
    with app.app_context():
        session = get_session()
        data = Path(app.config["DATA_DIR"])
        clock = Clock.from_data_dir(data)
        report = run_reminders(
            session, datetime.now(UTC), load_escalation(data / "escalation.toml"), clock.calendar
        )
        session.commit()
        assert {i for i, _ in report.escalated} >= set(ids)
        digests = session.scalars(
            select(Notice).where(Notice.user_id == _user("zxqy").id, Notice.kind == "督办")
        ).all()
        assert len(digests) == 1  # one digest for the run, not one notice per item
    handler = client_for(app, "zxqy")
    page = handler.get("/notices/").get_data(as_text=True)
    assert "本轮催办督办汇总：督办 3 件" in page
    for n in range(3):
        assert f">N-{n}</a>" in page  # the source 编号, not the internal number

    fenban = client_for(app, "fenban")
    moved = ids[0]
    fenban.post(
        f"/triage/items/{moved}/reroute",
        data={
            "csrf_token": csrf(fenban),
            "version": version(moved),
            "department": "chemical",
            "reason": "属化工园区",
        },
    )
    gone = handler.get(f"/notices/items/{moved}")
    assert gone.status_code == 410
    text = gone.get_data(as_text=True)
    assert "N-0" in text and "化工" in text and "已转办" in text
    still = handler.get(f"/notices/items/{ids[1]}")
    assert still.status_code == 302 and still.headers["Location"].endswith(
        f"/ledger/items/{ids[1]}"
    )
    # an item this user was never told about stays a plain 404 (no probing of other 处室)
    other = make_item(
        "N-X",
        "化工园区搬迁进度",
        "危险化学品生产企业搬迁入园申请已报送半年，请问审批进度。",
        received_at=received,
    )
    assert handler.get(f"/notices/items/{other}").status_code == 404


def test_paging_filters_and_read_state(
    client_for: Callable[[Flask, str], FlaskClient], app: Flask, make_item, csrf
) -> None:  # type: ignore[no-untyped-def]
    item_id = make_item("P-1", *SME, route_to="sme")
    now = datetime.now(UTC)
    with app.app_context():
        session = get_session()
        user = _user("zxqy")
        session.query(Notice).delete()  # whatever intake sent: this test counts its own
        for n in range(39):
            notify(session, [user], None, "催办" if n % 2 else "审核", f"第 {n} 条通知", now)
        notify(session, [user], session.get(Item, item_id), "分办", "新分办事项：P-1", now)
        session.commit()
    handler = client_for(app, "zxqy")
    first = handler.get("/notices/").get_data(as_text=True)
    assert first.count('<tr class="unread"') == 30  # a page of 30, the rest on page 2
    assert 'aria-current="page">1<' in first and "?page=2" in first
    second = handler.get("/notices/?page=2").get_data(as_text=True)
    assert second.count("<tr class") == 40 - 30
    only = handler.get("/notices/?kind=审核").get_data(as_text=True)
    assert only.count("<tr class") == 20 and "第 1 条通知<" not in only

    with app.app_context():
        notice_id = get_session().scalar(select(Notice.id).where(Notice.text == "第 38 条通知"))
    assert f'id="notice-{notice_id}"' in first
    handler.post(
        f"/notices/{notice_id}/read", data={"csrf_token": csrf(handler), "kind": "", "page": "1"}
    )
    with app.app_context():
        assert get_session().get(Notice, notice_id).read_at is not None  # type: ignore[union-attr]
        unread_before = (
            get_session()
            .scalars(select(Notice).where(Notice.item_id == item_id, Notice.read_at.is_(None)))
            .all()
        )
        assert unread_before  # the 分办 notice for P-1
    handler.get(f"/ledger/items/{item_id}")  # opening the item reads its notices
    with app.app_context():
        assert (
            not get_session()
            .scalars(select(Notice).where(Notice.item_id == item_id, Notice.read_at.is_(None)))
            .all()
        )
    unread = handler.get("/notices/?unread=1").get_data(as_text=True)
    assert unread.count('<tr class="unread"') == 30 and "只看未读" in unread
