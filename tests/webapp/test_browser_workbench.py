"""In a real browser: a template goes in at the cursor without losing typed text, a left-over
template hint is pointed out, the extension form previews the new deadline, and a reviewer sees
the change against the previous version."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SME = ("关于专精特新认定的咨询", "我厂想了解专精特新申报条件，联系电话 13912345678。")

pytestmark = pytest.mark.browser


def login(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "huiying-demo")
    page.click("form button[type=submit]")
    page.wait_for_load_state()


def test_template_at_cursor_hint_warning_and_extension_preview(  # type: ignore[no-untyped-def]
    app: Flask, live_url: str, browser, backend: str, make_item
) -> None:
    item_id = make_item("BW-1", *SME, route_to="sme")
    page = browser.new_page(locale="zh-CN", viewport={"width": 1440, "height": 1000})
    login(page, live_url, "zxqy")
    page.goto(f"{live_url}/workbench/items/{item_id}")
    box = page.locator("#reply-text")
    box.fill("已电话联系诉求人。")
    box.press("End")
    page.click("button:has-text('套用模板')")
    value = box.input_value()
    assert value.startswith("已电话联系诉求人。") and "关于专精特新认定的咨询" in value
    warning = page.locator(".hint-warning")
    assert warning.is_visible() and "未替换的模板提示" in warning.inner_text()

    before = page.inner_text("#extension-due")
    page.fill("#extension-amount", "1")
    after = page.inner_text("#extension-due")
    assert before and after and before != after  # the preview follows the amount

    page.click("button:has-text('保存并提交审核')")
    page.wait_for_selector("p.flash:has-text('未替换的模板提示')")
    assert "办理中" in page.inner_text("dl.meta")
    page.click("button:has-text('显示联系方式')")
    page.wait_for_selector(".contact-box")
    assert "13912345678" in page.inner_text(".contact-box")
    if backend == "sqlite":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "workbench-item.png"), full_page=True)
