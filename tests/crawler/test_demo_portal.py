"""The demo portal on its own (Flask test client, no sockets): content, paging, GBK, token,
report-back endpoints, the clock and the loopback-only admin."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from demoportal.app import create_app
from demoportal.state import FEED_TOKEN, PortalState

ANCHOR = datetime(2025, 6, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
AUTH = {"Authorization": f"Bearer {FEED_TOKEN}"}


@pytest.fixture(scope="module")
def full_state() -> PortalState:
    return PortalState.build(anchor=ANCHOR, seed=2024)


@pytest.fixture
def client():
    state = PortalState.build(
        anchor=ANCHOR, seed=3, counts={"board": 50, "mailbox": 40, "feed": 120}
    )
    app = create_app(state)
    return app.test_client()


def test_at_least_2000_items_over_the_last_12_months(full_state):
    visible = {name: full_state.visible(name) for name in ("board", "mailbox", "feed")}
    assert sum(len(v) for v in visible.values()) >= 2000
    dates = [m.posted_at for v in visible.values() for m in v]
    assert min(dates) >= ANCHOR - timedelta(days=366) and max(dates) <= ANCHOR
    assert max(dates) - min(dates) > timedelta(days=330)  # spread over the year


def test_content_mix_and_replies(full_state):
    board = full_state.visible("board")
    topics = {m.topic for m in board}
    assert {
        "arrears",
        "zjtx",
        "jigai",
        "power",
        "base_station",
        "chem_park",
        "software",
        "iiot",
    } <= topics
    not_ours = sum(not m.ours for m in board)
    assert 0.2 < not_ours / len(board) < 0.6  # plenty that belong to other agencies
    replied = sum(m.replied(full_state.now()) for m in board)
    assert 0.5 < replied / len(board) < 0.9


def test_content_is_deterministic_per_seed():
    a = PortalState.build(anchor=ANCHOR, seed=9, counts={"board": 30})
    b = PortalState.build(anchor=ANCHOR, seed=9, counts={"board": 30})
    c = PortalState.build(anchor=ANCHOR, seed=10, counts={"board": 30})
    titles = [[m.title for m in s.visible("board")] for s in (a, b, c)]
    assert titles[0] == titles[1] != titles[2]


def test_robots_txt_keeps_crawlers_out_of_admin(client):
    assert "Disallow: /admin/" in client.get("/robots.txt").get_data(as_text=True)


def test_board_pages_and_detail(client):
    first = client.get("/board/list?page=1").get_data(as_text=True)
    assert first.count('class="message-item"') == 20 and "page=2" in first
    beyond = client.get("/board/list?page=99").get_data(as_text=True)
    assert 'class="message-item"' not in beyond
    assert client.get("/board/thread/1.html").status_code == 200
    assert client.get("/board/thread/9999.html").status_code == 404


def test_mailbox_is_gbk_with_cdata_rows(client):
    response = client.get("/mailbox/index.html")
    assert response.headers["Content-Type"] == "text/html; charset=GBK"
    text = response.get_data().decode("gbk")
    assert '<script type="text/xml">' in text and text.count("<record><![CDATA[") == 25
    assert "index_2.html" in text


def test_feed_needs_the_token(client):
    assert client.get("/api/12345/orders").status_code == 401
    assert (
        client.get("/api/12345/orders", headers={"Authorization": "Bearer nope"}).status_code == 401
    )


def test_feed_cursor_walks_every_order_once(client):
    seen, cursor = [], None
    while True:
        query = f"?limit=50&cursor={cursor}" if cursor else "?limit=50"
        data = client.get(f"/api/12345/orders{query}", headers=AUTH).get_json()["data"]
        seen += [o["order_no"] for o in data["items"]]
        if not data["has_more"]:
            break
        cursor = data["next_cursor"]
    assert len(seen) == len(set(seen)) == 120
    order = client.get(f"/api/12345/orders/{seen[0]}", headers=AUTH).get_json()["data"]
    assert set(order) >= {
        "order_no",
        "call_time",
        "appeal_type",
        "content",
        "time_limit",
        "dispatch_time",
        "urgency",
    }
    assert "****" in order["caller_phone"]


def test_feed_times_are_plausible_now(full_state):
    """Every visible work order was called in before it was dispatched, dispatched before now and
    due after that: intake refuses a 派单时间 in the future, and the demo crawl refused none."""
    client = create_app(full_state).test_client()
    cursor, seen = None, []
    while True:
        query = f"?limit=200&cursor={cursor}" if cursor else "?limit=200"
        data = client.get(f"/api/12345/orders{query}", headers=AUTH).get_json()["data"]
        seen += data["items"]
        if not data["has_more"]:
            break
        cursor = data["next_cursor"]
    assert len(seen) == len(full_state.visible("feed")) == 700
    now = full_state.now().replace(tzinfo=None)

    def at(text: str) -> datetime:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")

    for order in seen:
        called, dispatched = at(order["call_time"]), at(order["dispatch_time"])
        assert called < dispatched <= now, order["order_no"]
        assert dispatched < at(order["time_limit"]), order["order_no"]
    newest = max(seen, key=lambda o: o["dispatch_time"])
    assert now - at(newest["dispatch_time"]) < timedelta(days=1)  # the 700th, the one refused


def test_report_back_sign_return_feedback(client):
    data = client.get("/api/12345/orders?limit=200", headers=AUTH).get_json()["data"]
    open_orders = [o["order_no"] for o in data["items"] if o["status"] == "待签收"]
    first, second = open_orders[:2]
    assert (
        client.post(f"/api/12345/orders/{first}/sign", headers=AUTH).get_json()["data"]["status"]
        == "办理中"
    )
    no_reason = client.post(f"/api/12345/orders/{second}/return", headers=AUTH, json={})
    assert no_reason.status_code == 400
    returned = client.post(
        f"/api/12345/orders/{second}/return", headers=AUTH, json={"reason": "属市场监管部门职责"}
    )
    assert returned.get_json()["data"]["status"] == "已回退"
    assert returned.get_json()["data"]["return_reason"] == "属市场监管部门职责"
    done = client.post(
        f"/api/12345/orders/{first}/feedback", headers=AUTH, json={"content": "已办结。"}
    )
    assert (
        done.get_json()["data"]["status"] == "已办结"
        and done.get_json()["data"]["feedback"] == "已办结。"
    )
    assert (
        client.post(
            f"/api/12345/orders/{second}/feedback", headers=AUTH, json={"content": "x"}
        ).status_code
        == 409
    )
    actions = client.get("/admin/state").get_json()["feed_actions"]
    assert [a["action"] for a in actions] == ["签收", "回退", "办结反馈"]


def test_admin_clock_and_replies(client):
    before = client.get("/admin/state").get_json()
    replied = client.post("/admin/reply", json={"source": "board", "count": 2}).get_json()[
        "replied"
    ]
    assert len(replied) == 2
    page = client.get(f"/board/thread/{replied[0]}.html").get_data(as_text=True)
    assert 'class="reply"' in page
    after = client.post("/admin/advance", json={"days": 40}).get_json()
    assert after["now"] > before["now"]
    state = client.get("/admin/state").get_json()
    assert state["visible"]["board"] > before["visible"]["board"]  # new messages arrived
    assert state["pending"]["board"] < before["pending"]["board"] - 2  # scheduled replies too


def test_admin_is_loopback_only(client):
    remote = client.get("/admin/state", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert remote.status_code == 403
