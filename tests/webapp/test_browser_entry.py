"""A real browser registers a 依申请公开 application that came by post, with its scanned form, and
finds it in the 台账 with the due date counted from the day it was signed for."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

pytestmark = pytest.mark.browser


def test_register_an_application_by_post(
    app: Flask, live_url: str, browser, backend: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    scan = tmp_path / "申请表.pdf"
    scan.write_bytes(PDF)
    page = browser.new_page(
        locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    page.goto(f"{live_url}/auth/login")
    page.fill("input[name=username]", "fenban")
    page.fill("input[name=password]", "huiying-demo")
    page.click("form button[type=submit]")
    page.wait_for_load_state()

    page.click("nav a:has-text('录入')")
    page.wait_for_url("**/entry/")
    page.select_option("select[name=item_type]", "foi_request")
    page.select_option("select[name=channel]", "来信")
    page.fill("input[name=received_at]", "2026-09-28T09:30")  # signed for
    page.fill("input[name=submitted_at]", "2026-09-24T16:00")  # postmark
    page.fill("input[name=title]", "申请公开2025年中小企业发展专项资金分配结果")
    page.fill("textarea[name=body]", "申请人王五，电话13812345678，请求公开专项资金分配明细。")
    page.fill("input[name=author]", "王五")
    page.select_option("select[name=applicant_type]", "自然人")
    page.set_input_files("input[name=attachments]", str(scan))
    if backend == "sqlite":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "entry-form.png"), full_page=True)
    page.click("form.entry-form button[type=submit]")
    page.wait_for_url("**/ledger/items/*")

    text = page.inner_text("main")
    assert "已登记" in text
    assert "以签收之日为准" in text
    assert "到期：2026-10-30 23:59:59" in text  # 20 working days across 国庆
    assert "13812345678" not in page.content()
    with page.expect_download() as info:
        page.click("a:has-text('申请表.pdf')")
    assert Path(info.value.path()).read_bytes() == PDF
    if backend == "sqlite":
        page.screenshot(path=str(SCREENSHOTS / "entry-registered.png"), full_page=True)

    page.goto(f"{live_url}/ledger/?type=foi_request")
    assert "申请公开2025年中小企业发展专项资金分配结果" in page.inner_text("table")
    page.close()
