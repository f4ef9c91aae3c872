"""A real browser walks the day: triage (confirm, re-route, merge), draft → submit → approve,
an overdue item in red, the Excel export; screenshots go to docs/screenshots/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from openpyxl import load_workbook

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = pytest.mark.browser


def seed(make_item) -> dict[str, int]:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    ago = lambda days: now - timedelta(days=days)  # noqa: E731
    return {
        "confirm": make_item(
            "LY-1001",
            "省级专精特新中小企业认定何时申报？",
            "想了解今年专精特新申报时间和条件，联系电话 13912345678。",
            suggest="sme",
            confidence=0.92,
            received_at=ago(1),
            author="张伟",
        ),
        "reroute": make_item(
            "LY-1002",
            "化工园区扩区审批进度咨询",
            "我县化工园区扩区申请已报送半年，请问审批进度。",
            suggest="sme",
            confidence=0.41,
            received_at=ago(2),
        ),
        "original": make_item(
            "12345-2001",
            "国企拖欠我司货款一年多",
            "某国有企业拖欠我公司货款 80 余万元，多次催要无果，请求协调。",
            kind="12345",
            suggest="sme",
            confidence=0.88,
            received_at=ago(2),
        ),
        "duplicate": make_item(
            "LY-1003",
            "国企拖欠我司货款一年多，请求协调",
            "某国有企业拖欠我公司货款 80 余万元，多次催要无果，请求协调解决。",
            suggest="sme",
            confidence=0.86,
            received_at=ago(1),
        ),
        "other": make_item(
            "LY-1004",
            "工厂限电影响交货",
            "近期园区限电，工厂无法按期交货，请求协调用电指标。",
            suggest="operation",
            confidence=0.67,
            received_at=ago(1),
        ),
        "overdue": make_item(
            "LY-0901",
            "中小企业技改补贴迟迟未到账",
            "去年申报的技改补贴至今未拨付。",
            suggest="sme",
            route_to="sme",
            received_at=ago(30),
        ),
        "due_soon": make_item(
            "LY-0950",
            "数字化转型诊断服务如何申请",
            "想申请中小企业数字化转型免费诊断。",
            suggest="sme",
            route_to="sme",
            received_at=ago(12),
        ),
        "chem_overdue": make_item(
            "LY-0902",
            "化工企业搬迁补偿标准",
            "请公布化工企业退城入园搬迁补偿标准。",
            suggest="chemical",
            route_to="chemical",
            received_at=ago(25),
        ),
    }


def login(page, base: str, username: str, password: str = "huiying-demo") -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_load_state()


def logout(page) -> None:  # type: ignore[no-untyped-def]
    page.click("header button:has-text('退出')")
    page.wait_for_url("**/auth/login")


def shot(page, name: str, backend: str) -> None:  # type: ignore[no-untyped-def]
    if backend == "sqlite":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def test_a_working_day_in_the_browser(
    app: Flask, live_url: str, browser, backend: str, make_item, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    ids = seed(make_item)
    page = browser.new_page(
        locale="zh-CN", viewport={"width": 1440, "height": 900}, accept_downloads=True
    )

    # -- triage ------------------------------------------------------------------------------
    login(page, live_url, "fenban")
    assert page.url.endswith("/triage/")
    queue = page.inner_text("table.triage")
    assert "省级专精特新" in queue and "中小企业局" in queue and "92%" in queue
    assert "13912345678" not in page.content()  # masked
    shot(page, "triage-queue.png", backend)

    row = page.locator("tr", has_text="省级专精特新中小企业认定何时申报")
    row.locator("button:has-text('确认')").click()
    page.wait_for_selector("p.flash:has-text('已分办')")
    assert "省级专精特新" not in page.inner_text("table.triage")

    page.goto(f"{live_url}/triage/items/{ids['reroute']}")
    page.select_option("#department", label="化工专项行动办")
    page.click("button:has-text('确认分办')")
    page.wait_for_selector("p.flash:has-text('已分办')")

    page.goto(f"{live_url}/triage/items/{ids['duplicate']}")
    page.click(f"button:has-text('合并到 #{ids['original']}')")
    page.wait_for_selector("p.flash:has-text('已合并')")
    assert page.locator("button:has-text('撤销合并')").count() == 1
    logout(page)

    # -- 处室 workbench: draft from a template, submit -------------------------------------
    login(page, live_url, "zxqy")
    assert page.url.endswith("/workbench/")
    overdue_row = page.locator("tr", has_text="中小企业技改补贴迟迟未到账")
    assert "state-红牌" in (overdue_row.get_attribute("class") or "")
    assert "红牌" in overdue_row.inner_text()
    assert "黄牌" in page.locator("tr", has_text="数字化转型诊断服务").inner_text()
    assert "化工园区扩区" not in page.inner_text("table.items")  # re-routed away from this 处室
    shot(page, "workbench.png", backend)

    page.click("a:has-text('LY-1001')")
    page.click("button:has-text('套用模板')")
    text = page.input_value("textarea[name=text]")
    assert "省级专精特新" in text
    page.fill(
        "textarea[name=text]",
        text.replace(
            "（在此写明答复内容：政策依据、办理情况、联系方式。）",
            "今年申报将于 6 月启动，条件见厅网站通知。",
        ),
    )
    page.click("button:has-text('保存并提交审核')")
    page.wait_for_selector("p.flash:has-text('已提交审核')")
    logout(page)

    # -- review ----------------------------------------------------------------------------
    login(page, live_url, "zxqy-sh")
    assert page.url.endswith("/review/")
    page.click("a:has-text('LY-1001')")
    assert "今年申报将于 6 月启动" in page.inner_text(".reply-text")
    page.click("button:has-text('批准答复')")
    page.wait_for_selector("p.flash:has-text('答复已批准')")
    page.goto(f"{live_url}/ledger/items/{ids['confirm']}")
    assert "已答复" in page.inner_text("dl.meta")
    assert "审核通过" in page.inner_text("section.audit")
    logout(page)

    # -- supervision board and export ------------------------------------------------------
    login(page, live_url, "duban")
    assert page.url.endswith("/supervision/")
    board = page.inner_text("table.board")
    assert "中小企业局" in board and "化工专项行动办" in board
    assert page.locator(".card.红牌 .num").inner_text() == "2"
    shot(page, "supervision-board.png", backend)

    page.goto(f"{live_url}/ledger/")
    assert "红牌" in page.locator("tr", has_text="中小企业技改补贴迟迟未到账").inner_text()
    with page.expect_download() as info:
        page.click("#export")
    path = tmp_path / "taizhang.xlsx"
    info.value.save_as(path)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("序号", "来源渠道", "编号", "收到时间", "标题")
    by_id = {r[2]: r for r in rows[1:]}
    assert set(by_id) >= {"LY-1001", "LY-0901", "12345-2001"}
    answered = by_id["LY-1001"]
    assert answered[8] == "已答复" and "6 月启动" in answered[10] and answered[11] == "否"
    assert by_id["LY-0901"][11] == "是"
    assert "13912345678" not in str(answered[5]) and "139****5678" in str(answered[5])
    assert by_id["LY-1003"][8] == "已合并"
    page.close()
