"""舆情事件 pages: a 重大 item proposes an event, the 办公室 opens it, records a response; bad input
is refused with the reason and nothing is saved; leaders read only and see only their items; the
督办 board lists overdue events; the 舆情事件台账 export read back cell by cell."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import func, select

from ledger.models import EventProposal, EventResponse, OpinionEvent
from webapp.database import get_session

SH = ZoneInfo("Asia/Shanghai")
MAJOR_TEXT = (
    "化工园区企业发生泄漏，几十名工友头晕恶心，记者已到现场拍视频，请立即处置。联系人13812345678"
)


def _local(moment: datetime) -> str:
    return moment.astimezone(SH).strftime("%Y-%m-%dT%H:%M")


def _proposal_for(app: Flask, item_id: int) -> int:
    with app.app_context():
        session = get_session()
        for p in session.scalars(select(EventProposal)):
            if item_id in p.item_ids:
                return p.id
    raise AssertionError("no proposal")


def _count(app: Flask, model) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(model)) or 0


def _open_event(app, client, csrf, item_id: int, received: datetime) -> int:  # type: ignore[no-untyped-def]
    page = client.get("/events/").get_data(as_text=True)
    assert "待研判的舆情提示" in page and "重大事项" in page
    proposal = _proposal_for(app, item_id)
    token = csrf(client, f"/events/new?proposal={proposal}")
    response = client.post(
        "/events/new",
        data={
            "csrf_token": token,
            "proposal": proposal,
            "title": "化工园区泄漏舆情",
            "level": "重大",
            "first_seen_at": _local(received),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_open_from_a_major_item_and_respond(app, client_for, make_item, csrf) -> None:  # type: ignore[no-untyped-def]
    received = datetime.now(UTC) - timedelta(hours=2)
    item_id = make_item("YQ-1", "化工园区泄漏", MAJOR_TEXT, received_at=received)
    fenban = client_for(app, "fenban")
    event_id = _open_event(app, fenban, csrf, item_id, received)
    page = fenban.get(f"/events/{event_id}").get_data(as_text=True)
    assert 'data-clock-state="正常"' in page and "剩余 21 小时" in page  # 24 h − 2 h (and a bit)
    assert "YQ-1" in page and "13812345678" not in page

    with app.app_context():
        event = get_session().get(OpinionEvent, event_id)
        assert event is not None
        version = event.version
    token = csrf(fenban, f"/events/{event_id}")
    form = {
        "csrf_token": token,
        "version": version,
        "channel": "厅门户网站",
        "content": "已派工作组赴现场核查。",
        "approved_by": "张副厅长",
    }
    # before first seen: refused, nothing saved
    bad = fenban.post(
        f"/events/{event_id}/respond",
        data={**form, "responded_at": _local(received - timedelta(hours=1))},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "早于首次发现时间" in bad
    assert _count(app, EventResponse) == 0
    # no time at all, and a time that is not a time
    missing = fenban.post(f"/events/{event_id}/respond", data=form, follow_redirects=True)
    assert "请填写回应时间" in missing.get_data(as_text=True)
    garbage = fenban.post(
        f"/events/{event_id}/respond", data={**form, "responded_at": "明天"}, follow_redirects=True
    )
    assert "回应时间格式不对" in garbage.get_data(as_text=True)
    assert _count(app, EventResponse) == 0

    ok = fenban.post(
        f"/events/{event_id}/respond",
        data={**form, "responded_at": _local(received + timedelta(hours=1))},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已记录回应" in ok and 'data-clock-state="按时回应"' in ok
    assert "已回应（用时 1 小时 0 分）" in ok
    assert _count(app, EventResponse) == 1
    item_page = fenban.get(f"/ledger/items/{item_id}").get_data(as_text=True)
    assert "关联舆情事件" in item_page and f'href="/events/{event_id}"' in item_page
    assert "关联舆情事件" in item_page[item_page.find("操作记录") :]  # in the item's own history


def test_missing_level_is_refused_and_nothing_is_saved(app, client_for, csrf) -> None:  # type: ignore[no-untyped-def]
    fenban = client_for(app, "fenban")
    token = csrf(fenban, "/events/new")
    page = fenban.post(
        "/events/new",
        data={"csrf_token": token, "title": "网传某企业欠薪", "level": "", "first_seen_at": ""},
    ).get_data(as_text=True)
    assert "未立事件：请选择事件等级（一般、较大、重大）：等级决定回应时限。" in page
    assert 'value="网传某企业欠薪"' in page  # what was typed is kept
    assert _count(app, OpinionEvent) == 0
    page = fenban.post(
        "/events/new",
        data={"csrf_token": token, "title": "网传某企业欠薪", "level": "一般", "first_seen_at": ""},
    ).get_data(as_text=True)
    assert "请填写首次发现时间" in page
    assert _count(app, OpinionEvent) == 0


def test_leaders_read_only_and_handlers_not_at_all(app, client_for, make_item, csrf) -> None:  # type: ignore[no-untyped-def]
    received = datetime.now(UTC) - timedelta(hours=30)  # past a 24 h clock
    item_id = make_item(
        "YQ-2", "化工园区泄漏", MAJOR_TEXT, received_at=received, route_to="chemical"
    )
    event_id = _open_event(app, client_for(app, "fenban"), csrf, item_id, received)

    leader = client_for(app, "zxqy-sh")  # 审核人 of 中小企业处
    page = leader.get(f"/events/{event_id}").get_data(as_text=True)
    assert "化工园区泄漏舆情" in page and "保存回应" not in page
    # the item is 化工专项行动办's: the 中小企业处 leader sees the event, not the item
    assert "另有 1 件不在您的可见范围" in page and "YQ-2" not in page
    token = csrf(leader, f"/events/{event_id}")
    denied = leader.post(f"/events/{event_id}/close", data={"csrf_token": token, "summary": "x"})
    assert denied.status_code == 403
    assert client_for(app, "zxqy").get("/events/").status_code == 403

    board = client_for(app, "duban").get("/supervision/").get_data(as_text=True)
    assert "舆情事件回应时限" in board and "化工园区泄漏舆情" in board and "超时" in board


def test_export_reads_back_one_row_per_event(app, client_for, make_item, csrf) -> None:  # type: ignore[no-untyped-def]
    received = datetime(2026, 11, 30, 8, 0, tzinfo=SH)
    item_id = make_item("YQ-3", "化工园区泄漏", MAJOR_TEXT, received_at=received)
    fenban = client_for(app, "fenban")
    event_id = _open_event(app, fenban, csrf, item_id, received)
    with app.app_context():
        event = get_session().get(OpinionEvent, event_id)
        assert event is not None
        version = event.version
    fenban.post(
        f"/events/{event_id}/respond",
        data={
            "csrf_token": csrf(fenban, f"/events/{event_id}"),
            "version": version,
            "channel": "新闻发布会",
            "responded_at": "2026-11-30T20:00",
            "content": "通报处置情况，咨询电话13812345678",
            "approved_by": "张副厅长",
        },
    )
    response = fenban.get("/events/export.xlsx")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert re.search(r'filename="yuqing-shijian-\d{8}-\d{4}\.xlsx"', disposition)
    book = load_workbook(BytesIO(response.data))
    assert book.sheetnames == ["舆情事件台账"]
    items = load_workbook(BytesIO(fenban.get("/ledger/export.xlsx").data))
    assert items.sheetnames == ["舆情回应台账"]  # the item export keeps its name
    sheet = book["舆情事件台账"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:10] == (
        "序号",
        "事件标题",
        "等级",
        "状态",
        "首次发现时间",
        "回应时限",
        "计时规则",
        "首次回应时间",
        "是否按时回应",
        "回应情况",
    )
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["事件标题"] == "化工园区泄漏舆情"
    assert row["等级"] == "重大" and row["状态"] == "已回应"
    assert row["首次发现时间"] == "2026-11-30 08:00"
    assert row["回应时限"] == "2026-12-01 08:00"  # 24 calendar hours
    assert row["计时规则"] == "24 小时"
    assert row["首次回应时间"] == "2026-11-30 20:00"
    assert row["是否按时回应"] == "是"
    assert row["回应情况"].startswith("2026-11-30 20:00 新闻发布会：通报处置情况")
    assert "13812345678" not in row["回应情况"] and "（审批：张副厅长）" in row["回应情况"]
    assert row["关联事项数"] == 1 and row["关联事项"].startswith("YQ-3 ")


def test_export_masks_a_phone_split_by_a_control_character(
    app, client_for, make_item, csrf
) -> None:  # type: ignore[no-untyped-def]
    # a row stored before intake removed control characters: the export must clean it before it
    # masks, or the backspace hides the number from the phone pattern
    received = datetime(2026, 11, 30, 8, 0, tzinfo=SH)
    item_id = make_item("YQ-4", "化工园区泄漏", MAJOR_TEXT, received_at=received)
    fenban = client_for(app, "fenban")
    event_id = _open_event(app, fenban, csrf, item_id, received)
    with app.app_context():
        session = get_session()
        event = session.get(OpinionEvent, event_id)
        assert event is not None
        event.closing_summary = "回访来电人，电话138\b12345678"
        session.commit()
    book = load_workbook(BytesIO(fenban.get("/events/export.xlsx").data))
    cells = [str(v) for row in book["舆情事件台账"].iter_rows(values_only=True) for v in row if v]
    summary = [c for c in cells if c.startswith("回访来电人")]
    assert summary and "12345678" not in summary[0] and "\b" not in summary[0]
