"""A real browser walks the day: triage (confirm, re-route, merge), draft → submit → approve,
an overdue item in red, the Excel export; screenshots go to docs/screenshots/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from openpyxl import load_workbook

from ledger.workflow.triage import BULK_MIN_CONFIDENCE

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = pytest.mark.browser


def _received_for_yellow_card(now: datetime) -> datetime:
    """A receipt time whose 留言板 deadline is, right now, in its yellow-card window.

    Counted with the real rules and holiday calendar, so the test holds on any day of the week.
    """
    from ledger.clock.calendar import WorkingCalendar
    from ledger.clock.deadlines import compute_deadline, deadline_status, load_rules
    from ledger.settings import Settings

    data = Settings.from_env().data_dir
    rule = load_rules(data / "deadline_rules.toml").get("留言板")
    calendar = WorkingCalendar.from_dir(data / "holidays")
    for hours in range(24, 24 * 40, 6):
        received = now - timedelta(hours=hours)
        if deadline_status(compute_deadline(rule, received, calendar), now) == "黄牌":
            return received
    raise AssertionError("no receipt time gives a yellow card now")


def seed(make_item, routing) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The day's items, routed by the real model. The texts are chosen for what the model does with
    them (checked below, so a retrained model that changes its mind fails here, not later)."""
    now = datetime.now(UTC)
    ago = lambda days: now - timedelta(days=days)  # noqa: E731
    ids = {
        # 中小企业局, confident enough for bulk confirm but below auto-routing: a person confirms
        "confirm": make_item(
            "LY-1001",
            "关于中小企业认定的咨询",
            "我厂是小企业，做纺织面料，想了解今年申报时间和条件，联系电话 13912345678。",
            received_at=ago(1),
            author="张伟",
        ),
        # the model guesses wrong and unsure (轻工纺织): the person re-routes it to 化工专项行动办
        "reroute": make_item(
            "LY-1002",
            "搬迁申请审批进度",
            "我们厂的搬迁申请报上去半年了，一直没有消息，请问进度。",
            received_at=ago(2),
        ),
        # a 12345 work order the model routes to 中小企业局 by itself …
        "original": make_item(
            "12345-2001",
            "国企拖欠我司货款一年多",
            "某国有企业拖欠我公司货款 80 余万元，多次催要无果，请求协调。",
            kind="12345",
            received_at=ago(2),
        ),
        # … and the same request again on the 留言板, less clearly worded: it waits for triage
        "duplicate": make_item(
            "LY-1003",
            "合同款一年多未结清",
            "某单位欠我公司合同款 80 余万元，多次催要无果，请求协调。",
            received_at=ago(1),
        ),
        "other": make_item(
            "LY-1004",
            "原材料涨价影响交货",
            "近期原料价格大幅上涨，工厂无法按期交货，希望帮助。",
            received_at=ago(1),
        ),
        "overdue": make_item(
            "LY-0901",
            "中小企业发展专项资金迟迟未到账",
            "去年申报的中小企业发展专项资金至今未拨付。",
            route_to="sme",
            received_at=ago(40),
        ),
        "due_soon": make_item(
            "LY-0950",
            "中小企业公共服务券如何申请",
            "想申请中小企业公共服务平台的服务券。",
            route_to="sme",
            received_at=_received_for_yellow_card(now),
        ),
        "chem_overdue": make_item(
            "LY-0902",
            "化工企业搬迁补偿标准",
            "请公布化工企业退城入园搬迁补偿标准。",
            route_to="chemical",
            received_at=ago(35),
        ),
    }
    confirm, reroute = routing(ids["confirm"]), routing(ids["reroute"])
    assert confirm.status == "待分办" and confirm.top == "sme", confirm
    assert (confirm.confidence or 0) >= BULK_MIN_CONFIDENCE, confirm
    assert reroute.status == "待分办" and reroute.top != "chemical", reroute
    assert (reroute.confidence or 0) < BULK_MIN_CONFIDENCE, reroute
    assert routing(ids["original"]).department == "sme"  # auto-routed
    for key in ("duplicate", "other"):
        waiting = routing(ids[key])
        assert waiting.status == "待分办" and (waiting.confidence or 0) < BULK_MIN_CONFIDENCE, (
            key,
            waiting,
        )
    return ids


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
    app: Flask, live_url: str, browser, backend: str, make_item, routing, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    ids = seed(make_item, routing)
    confidence = routing(ids["confirm"]).confidence
    page = browser.new_page(
        locale="zh-CN", viewport={"width": 1440, "height": 900}, accept_downloads=True
    )

    # -- triage ------------------------------------------------------------------------------
    login(page, live_url, "fenban")
    assert page.url.endswith("/triage/")
    queue = page.inner_text("table.triage")
    assert "关于中小企业认定的咨询" in queue and "中小企业局" in queue
    assert f"{confidence * 100:.0f}%" in queue  # the model's confidence, as stored at intake
    assert "国企拖欠我司货款" not in queue  # auto-routed: it never waits for triage
    assert "13912345678" not in page.content()  # masked
    bulk = "input[type=checkbox][form=bulk]"
    row = page.locator("tr", has_text="关于中小企业认定的咨询")
    assert row.locator(bulk).count() == 1  # confident enough for bulk confirm
    assert page.locator("tr", has_text="搬迁申请审批进度").locator(bulk).count() == 0
    # the likely duplicate is shown by its source 编号, as everywhere a person reads one
    assert "12345-2001" in page.locator("tr", has_text="合同款一年多未结清").inner_text()
    shot(page, "walk-triage-queue.png", backend)

    row.locator("button:has-text('确认')").click()
    page.wait_for_selector("p.flash:has-text('已分办')")
    assert "关于中小企业认定的咨询" not in page.inner_text("table.triage")
    assert routing(ids["confirm"]).department == "sme"

    page.goto(f"{live_url}/triage/items/{ids['reroute']}")
    page.select_option("#department", label="化工专项行动办")
    page.click("button:has-text('确认分办')")
    page.wait_for_selector("p.flash:has-text('已分办')")
    page.goto(f"{live_url}/triage/items/{ids['reroute']}")
    history = page.locator("section", has_text="分办历史").inner_text()
    assert "人工改派" in history and "化工专项行动办" in history  # the model was overruled
    assert routing(ids["reroute"]).department == "chemical"

    page.goto(f"{live_url}/triage/items/{ids['duplicate']}")
    page.click("button:has-text('合并到 12345-2001')")
    page.wait_for_selector("p.flash:has-text('已合并')")
    assert page.locator("button:has-text('撤销合并')").count() == 1
    logout(page)

    # -- 处室 workbench: draft from a template, submit -------------------------------------
    login(page, live_url, "zxqy")
    assert page.url.endswith("/workbench/")
    overdue_row = page.locator("tr", has_text="中小企业发展专项资金迟迟未到账")
    assert "state-红牌" in (overdue_row.get_attribute("class") or "")
    assert "红牌" in overdue_row.inner_text()
    assert "黄牌" in page.locator("tr", has_text="中小企业公共服务券").inner_text()
    assert "搬迁申请审批进度" not in page.inner_text("table.items")  # re-routed to 化工专项行动办
    shot(page, "walk-workbench.png", backend)

    page.click("a:has-text('LY-1001')")
    page.click("button:has-text('套用模板')")
    text = page.input_value("textarea[name=text]")
    assert "关于中小企业认定的咨询" in text
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
    shot(page, "walk-supervision-board.png", backend)

    page.goto(f"{live_url}/ledger/")
    assert "红牌" in page.locator("tr", has_text="中小企业发展专项资金迟迟未到账").inner_text()
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
