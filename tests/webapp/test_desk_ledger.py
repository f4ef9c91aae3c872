"""The 台账 and an item's audit trail as people read them: 话题/风险 filters and columns, numbered
paging, an Excel file with autofilter named in Beijing time; the audit trail with names, Beijing
time, plain text and one line per action."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

SME = ("关于专精特新认定的咨询", "我厂想了解专精特新中小企业申报条件，联系电话 13912345678。")
ANGRY = ("投诉国企拖欠货款", "国有企业拖欠我公司货款一年多，我要投诉，已联系媒体曝光。")


def test_topic_and_risk_filters_paging_and_export(
    client_for: Callable[[Flask, str], FlaskClient], app: Flask, make_item
) -> None:  # type: ignore[no-untyped-def]
    sme = make_item("L-1", *SME)
    angry = make_item("L-2", *ANGRY)
    for n in range(55):
        make_item(f"L-P{n:02d}", f"原材料涨价影响交货（{n}）", "近期原材料价格大幅上涨，请求协调。")
    fenban = client_for(app, "fenban")
    by_topic = fenban.get("/ledger/?topic=专精特新").get_data(as_text=True)
    assert f"/ledger/items/{sme}" in by_topic and f"/ledger/items/{angry}" not in by_topic
    assert '<span class="tag">专精特新</span>' in by_topic
    risky = fenban.get("/ledger/?risk=较大").get_data(as_text=True) + fenban.get(
        "/ledger/?risk=重大"
    ).get_data(as_text=True)
    assert f"/ledger/items/{angry}" in risky and f"/ledger/items/{sme}" not in risky
    first = fenban.get("/ledger/").get_data(as_text=True)
    assert 'aria-current="page">1<' in first and "page=2" in first  # numbered pages

    response = fenban.get("/ledger/export.xlsx?topic=专精特新")
    stamp = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y%m%d-")
    assert f"taizhang-{stamp}" in response.headers["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.get_data())).active
    assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:")
    rows = list(sheet.iter_rows(values_only=True))
    topic = rows[0].index("话题")  # type-specific columns (依申请公开…) may follow
    assert rows[0][topic : topic + 2] == ("话题", "风险等级")
    assert [r[2] for r in rows[1:]] == ["L-1"] and "专精特新" in rows[1][topic]


def test_audit_trail_reads_as_text(
    client_for: Callable[[Flask, str], FlaskClient], app: Flask, make_item, csrf, version
) -> None:  # type: ignore[no-untyped-def]
    item_id = make_item("A-1", *SME, route_to="sme")
    handler = client_for(app, "zxqy")
    for _ in range(2):  # saved twice with the same text: one line in the trail
        handler.post(
            f"/workbench/items/{item_id}/draft",
            data={
                "csrf_token": csrf(handler),
                "version": version(item_id),
                "text": "您好！\r\n申报将于六月启动。",
                "action": "save",
            },
        )
    page = handler.get(f"/ledger/items/{item_id}").get_data(as_text=True)
    trail = page[page.index('class="audit-trail"') :]
    assert trail.count("起草答复") == 1
    assert "中小企业局承办人" in trail  # the person, not the username
    assert "{" not in trail and "\\u" not in trail and "\\r\\n" not in trail  # no JSON
    assert "中小企业局" in trail and '"sme"' not in trail and ">sme<" not in trail
    assert "T0" not in trail and "+00:00" not in trail  # times in Beijing time, not ISO UTC
