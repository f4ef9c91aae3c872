"""A real browser, as the 分析员: month picker → topic → its items → accept a candidate."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from flask import Flask

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = pytest.mark.browser


def _demo():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "analysis_demo", Path(__file__).resolve().parents[1] / "analysis_demo.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_analyst_month_topic_items_candidate(
    app: Flask, live_url: str, browser, backend: str
) -> None:  # type: ignore[no-untyped-def]
    from webapp.database import get_session

    demo = _demo()
    with app.app_context():
        session = get_session()
        demo.load_demo_month(session, demo.settings_for(app.config["DATABASE_URL"]))
        session.commit()

    page = browser.new_page(locale="zh-CN", viewport={"width": 1440, "height": 900})
    page.goto(f"{live_url}/auth/login")
    page.fill("input[name=username]", "fenxi")
    page.fill("input[name=password]", "huiying-demo")
    page.click("form button[type=submit]")
    page.wait_for_url("**/analysis/")

    page.select_option("#month-picker select[name=month]", "2026-10")
    page.click("#month-picker button[type=submit]")
    page.wait_for_url("**/analysis/?month=2026-10")
    assert "2026-10" in page.inner_text("h1")
    topics = page.locator("table.topics tbody tr")
    assert topics.count() >= 3
    assert page.locator("table.topics svg.sparkline").count() >= 3
    if backend == "sqlite":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "analysis-month.png"), full_page=False)

    first = topics.first.locator("td a").first
    keywords = first.inner_text()
    first.click()
    page.wait_for_url("**/analysis/2026-10/topics/1")
    assert keywords in page.inner_text("h1")
    rows = page.locator("table.items tbody tr")
    assert rows.count() >= 2
    rows.first.locator("a").first.click()
    page.wait_for_url("**/ledger/items/*")
    page.go_back()
    page.go_back()
    page.wait_for_url("**/analysis/?month=2026-10")

    card = page.locator("article.candidate").first
    title = card.locator("h3").inner_text()
    card.locator("form.accept input[name=title]").fill(f"{title}（拟公开）")
    card.locator("form.accept button[type=submit]").click()
    page.wait_for_url("**/analysis/?month=2026-10*")
    assert "已采纳" in page.inner_text("p.flash")
    assert f"{title}（拟公开）" in page.inner_text("table.decisions")
    assert page.locator("table.decisions form.publish").count() == 1
