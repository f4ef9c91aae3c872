"""A real browser (Debian Chromium via Playwright) logs in and reads the 台账 of a served app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask

from ledger.intake.pipeline import IntakeContext, intake
from ledger.intake.records import IntakeRecord
from ledger.settings import Settings
from webapp.database import get_session

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = pytest.mark.browser


def seed(app: Flask) -> None:
    now = datetime.now(UTC)
    rows = [
        (
            "W1",
            "留言板",
            "省级专精特新中小企业认定何时申报？",
            "想了解今年专精特新申报时间和条件。",
            2,
        ),
        (
            "W2",
            "留言板",
            "国企拖欠我司货款一年多",
            "某国有企业拖欠我公司货款 80 余万元，多次催要无果。",
            30,
        ),
        (
            "W3",
            "12345",
            "工厂限电影响交货",
            "近期园区限电，工厂无法按期交货，请求协调用电指标。",
            1,
        ),
    ]
    with app.app_context():
        session = get_session()
        settings = Settings.from_env()
        with session.begin():
            ctx = IntakeContext.load(session, settings)
            for ext, kind, title, body, days_ago in rows:
                intake(
                    session,
                    IntakeRecord(
                        source="demo_board" if kind == "留言板" else "demo_12345",
                        external_id=ext,
                        item_type=kind,
                        title=title,
                        body=body,
                        received_at=now - timedelta(days=days_ago),
                    ),
                    ctx,
                )


def test_login_and_see_items_with_deadlines(
    app: Flask, live_url: str, browser, backend: str
) -> None:  # type: ignore[no-untyped-def]
    seed(app)
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 720})
    page.goto(f"{live_url}/ledger/")
    assert "/auth/login" in page.url
    page.fill("input[name=username]", "fenban")
    page.fill("input[name=password]", "huiying-demo")
    page.click("button[type=submit]")
    page.wait_for_selector("table.items")
    text = page.inner_text("table.items")
    assert "国企拖欠我司货款一年多" in text
    assert "工厂限电影响交货" in text
    # 30 days ago with a 10-working-day clock: overdue, shown as 红牌.
    overdue_row = page.locator("tr", has_text="国企拖欠我司货款一年多")
    assert "红牌" in overdue_row.inner_text()
    if backend == "sqlite":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "walk-ledger-list.png"), full_page=True)
    page.close()
