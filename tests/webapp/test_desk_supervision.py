"""The 督办 board as a supervisor uses it: 黄牌 first, days overdue, cards and 处室 rows filter the
lists, each item's 催办 history, a repeated 催办 must be confirmed, 催分办 for items still waiting."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ledger.clock.calendar import WorkingCalendar
from ledger.clock.deadlines import compute_deadline, deadline_status, load_rules
from ledger.models import Department, Notice, User
from ledger.settings import Settings
from webapp.database import get_session

SME = ("关于专精特新认定的咨询", "我厂想了解专精特新中小企业申报时间和条件。")
WAITING = ("合同款一年多未结清", "某国有企业欠我公司合同款 80 余万元，多次催要无果，请求协调。")


def _yellow_receipt(now: datetime) -> datetime:
    data = Settings.from_env().data_dir
    rule = load_rules(data / "deadline_rules.toml").get("留言板")
    calendar = WorkingCalendar.from_dir(data / "holidays")
    for hours in range(24, 24 * 40, 6):
        received = now - timedelta(hours=hours)
        if deadline_status(compute_deadline(rule, received, calendar), now) == "黄牌":
            return received
    raise AssertionError("no receipt time gives a yellow card now")


def test_board_filters_history_and_no_silent_duplicate(
    client_for: Callable[[Flask, str], FlaskClient], app: Flask, make_item, csrf
) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    red = make_item("R-1", *SME, route_to="sme", received_at=now - timedelta(days=40))
    yellow = make_item("Y-1", *SME, route_to="sme", received_at=_yellow_receipt(now))
    chem = make_item(
        "C-1",
        "化工园区搬迁进度",
        "危险化学品生产企业搬迁入园申请已报送半年，请问审批进度。",
        route_to="chemical",
        received_at=now - timedelta(days=40),
    )
    waiting = make_item("W-1", *WAITING, received_at=now - timedelta(days=40))
    with app.app_context():
        sme_id = get_session().scalar(select(Department.id).where(Department.code == "sme"))
    duban = client_for(app, "duban")
    html = duban.get("/supervision/").get_data(as_text=True)
    assert html.index('id="due-soon"') < html.index('id="overdue"')  # 黄牌 first
    red_row = html[html.index(f'id="item-{red}"') :]
    assert re.search(r"\d+ 个工作日", red_row[: red_row.index("</tr>")])
    assert f'id="item-{yellow}"' in html and f'id="item-{chem}"' in html

    only_sme = duban.get(f"/supervision/?department={sme_id}").get_data(as_text=True)
    assert f'id="item-{red}"' in only_sme and f'id="item-{chem}"' not in only_sme
    assert f'href="/supervision/?period=90&amp;department={sme_id}"' in only_sme  # 处室 row link
    only_red = duban.get("/supervision/?show=红牌").get_data(as_text=True)
    assert 'id="due-soon"' not in only_red and f'id="item-{red}"' in only_red

    def urge(item_id: int, **extra: str) -> str:
        response = duban.post(
            f"/supervision/items/{item_id}/urge",
            data={"csrf_token": csrf(duban, "/supervision/"), "note": "请今天内答复", **extra},
            follow_redirects=True,
        )
        return response.get_data(as_text=True)

    assert "已发出催办通知" in urge(red)
    refused = urge(red)
    assert "催办过（24 小时内）" in refused and "已发出催办通知" not in refused
    assert "已发出催办通知" in urge(red, again="1")
    board = duban.get("/supervision/").get_data(as_text=True)
    row = board[board.index(f'id="item-{red}"') :]
    assert "2 次" in row[: row.index("</tr>")]

    assert "已发出催办通知" in urge(waiting)  # still waiting for triage: the 分办员 are told
    with app.app_context():
        session = get_session()
        fenban = session.scalars(select(User).where(User.username == "fenban")).one()
        texts = session.scalars(
            select(Notice.text).where(Notice.user_id == fenban.id, Notice.item_id == waiting)
        ).all()
    assert any("尚未分办" in t for t in texts)


def test_board_figures_are_counted_once_a_minute_and_say_when(
    client_for: Callable[[Flask, str], FlaskClient], app: Flask, make_item
) -> None:  # type: ignore[no-untyped-def]
    """The per-处室 figures (a GROUP BY over the whole period) are kept for a minute, with the
    time they were counted on the page; the 黄牌/红牌 lists below them stay live."""
    now = datetime.now(UTC)
    make_item("R-1", *SME, route_to="sme", received_at=now - timedelta(days=40))
    duban = client_for(app, "duban")

    def red_card(html: str) -> str:
        found = re.search(r'<span class="num">(\d+)</span>红牌', html)
        assert found, "no 红牌 card"
        return found.group(1)

    first = duban.get("/supervision/").get_data(as_text=True)
    assert red_card(first) == "1"
    assert re.search(r"统计于 \d\d:\d\d:\d\d，每分钟重新统计", first)
    later = make_item("R-2", *SME, route_to="sme", received_at=now - timedelta(days=41))
    kept = duban.get("/supervision/").get_data(as_text=True)
    assert red_card(kept) == "1"  # counted less than a minute ago
    assert f'id="item-{later}"' in kept  # the list is read live
    assert red_card(duban.get("/supervision/?period=365").get_data(as_text=True)) == "2"

    app.config["BOARD_FIGURES_SECONDS"] = 0
    assert red_card(duban.get("/supervision/").get_data(as_text=True)) == "2"


def _red_card(html: str) -> str:
    found = re.search(r'<span class="num">(\d+)</span>红牌', html)
    assert found, "no 红牌 card"
    return found.group(1)


def test_board_figures_are_shared_by_the_servers_workers(
    client_for: Callable[[Flask, str], FlaskClient],  # type: ignore[no-untyped-def]
    app: Flask,
    make_item,
    database_url: str,
    app_instance,
) -> None:
    """Each gunicorn worker is its own app: one worker's count serves the others (through the
    instance folder) instead of every worker counting again inside a request."""
    from webapp import create_app

    now = datetime.now(UTC)
    make_item("S-1", *SME, route_to="sme", received_at=now - timedelta(days=40))
    assert _red_card(client_for(app, "duban").get("/supervision/").get_data(as_text=True)) == "1"
    make_item("S-2", *SME, route_to="sme", received_at=now - timedelta(days=41))
    config = {"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": database_url}
    other = create_app({**config, "INSTANCE_DIR": str(app_instance)})
    alone = create_app({**config, "INSTANCE_DIR": str(app_instance / "elsewhere")})
    try:
        shared = client_for(other, "duban").get("/supervision/").get_data(as_text=True)
        assert _red_card(shared) == "1"  # the first worker's count, not counted again
        own = client_for(alone, "duban").get("/supervision/").get_data(as_text=True)
        assert _red_card(own) == "2"  # another installation counts its own
    finally:
        other.extensions["huiying.engine"].dispose()
        alone.extensions["huiying.engine"].dispose()


def test_stale_board_figures_are_shown_while_counted_again_in_the_background(
    client_for: Callable[[Flask, str], FlaskClient], app: Flask, make_item
) -> None:  # type: ignore[no-untyped-def]
    """Past their minute the figures are still shown (with the time they were counted) and a
    background thread counts them again: no request waits for the GROUP BY."""
    import time

    now = datetime.now(UTC)
    make_item("T-1", *SME, route_to="sme", received_at=now - timedelta(days=40))
    duban = client_for(app, "duban")
    app.config["BOARD_FIGURES_SECONDS"] = 0.5
    first = duban.get("/supervision/").get_data(as_text=True)
    assert _red_card(first) == "1"
    make_item("T-2", *SME, route_to="sme", received_at=now - timedelta(days=41))
    time.sleep(0.6)
    stale = duban.get("/supervision/").get_data(as_text=True)
    assert _red_card(stale) == "1"  # the stale count, shown at once
    assert re.search(r"统计于 \d\d:\d\d:\d\d", stale)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # the background count lands, then is shown
        app.config["BOARD_FIGURES_SECONDS"] = 3600
        if _red_card(duban.get("/supervision/").get_data(as_text=True)) == "2":
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the background count never replaced the stale figures")
