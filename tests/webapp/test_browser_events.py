"""A real browser: a 重大 item proposes a 舆情事件; the 办公室 opens it from the proposal (24 h clock,
hours left shown), records a response within the clock, and sees the clock state change to 按时回应."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
MAJOR_TEXT = "化工园区企业发生泄漏，几十名工友头晕恶心，记者已到现场拍视频，请立即处置。"

pytestmark = pytest.mark.browser


def test_open_an_event_from_a_major_item_and_respond_in_time(
    app: Flask, live_url: str, browser, backend: str, make_item
) -> None:  # type: ignore[no-untyped-def]
    received = datetime.now(UTC) - timedelta(hours=3)
    make_item("YQ-B1", "化工园区泄漏引发关注", MAJOR_TEXT, received_at=received)
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page.goto(f"{live_url}/auth/login")
    page.fill("input[name=username]", "fenban")
    page.fill("input[name=password]", "huiying-demo")
    page.click("form button[type=submit]")
    page.wait_for_load_state()

    page.click("nav a:has-text('舆情')")
    page.wait_for_url("**/events/")
    proposal = page.locator("table.proposals tbody tr", has_text="YQ-B1")
    assert "重大事项" in proposal.inner_text()
    if backend == "sqlite":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "events-proposals.png"), full_page=True)
    proposal.locator("a:has-text('立为舆情事件')").click()
    page.wait_for_url("**/events/new?proposal=*")
    assert page.input_value("select[name=level]") == "重大"  # suggested from the item's risk
    page.fill("input[name=title]", "化工园区泄漏舆情")
    page.click("form.event-form button[type=submit]")
    page.wait_for_url("**/events/*")

    clock = page.locator(".event-meta .event-clock")
    assert clock.get_attribute("data-clock-state") == "正常"
    assert clock.inner_text().startswith("剩余 20 小时")  # 24 h from first seen, 3 h ago
    assert page.inner_text(".event-status") == "发现"

    page.select_option("form.event-respond select[name=channel]", "政务微博")
    page.fill("form.event-respond input[name=approved_by]", "张副厅长")
    page.fill("form.event-respond textarea[name=content]", "已派工作组赴现场核查，将及时通报进展。")
    page.click("form.event-respond button[type=submit]")
    page.wait_for_load_state()

    assert "已记录回应" in page.inner_text("main")
    clock = page.locator(".event-meta .event-clock")
    assert clock.get_attribute("data-clock-state") == "按时回应"
    assert clock.inner_text().startswith("已回应（用时 3 小时")
    assert page.inner_text(".event-status") == "已回应"
    assert "政务微博" in page.inner_text("section.responses")
    if backend == "sqlite":
        page.screenshot(path=str(SCREENSHOTS / "events-responded.png"), full_page=True)

    page.goto(f"{live_url}/events/")
    row = page.locator("table.events tbody tr", has_text="化工园区泄漏舆情")
    assert "按时回应" in row.locator(".event-clock").get_attribute("data-clock-state")
    page.close()
