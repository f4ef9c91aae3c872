"""A real browser handles a 人大代表建议 from 交办 to 办结: the office registers it with a 协办 处室
(after a refused attempt without a 主办) and sees both clocks on the item page; it records the 协办
opinion and a 面商; the 主办 处室 writes the 复文 and its reviewer approves it; the office records
the representative's satisfaction; the reviewed summary for the website has the name removed."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = pytest.mark.browser


def _login(browser, base: str, username: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "huiying-demo")
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    return page


def test_a_proposal_from_assignment_to_closing(
    app: Flask, live_url: str, browser, backend: str
) -> None:  # type: ignore[no-untyped-def]
    shots = backend == "sqlite"
    office = _login(browser, live_url, "fenban")
    office.click("nav a:has-text('建议提案')")
    office.click("a:has-text('登记建议提案')")
    office.wait_for_url("**/proposals/new")
    office.select_option("select[name=kind]", "人大建议")
    office.fill("input[name=batch]", "第一批")
    office.fill("input[name=number]", "0101")
    office.fill("input[name=assigned_at]", "2026-09-28T09:00")  # Monday before 国庆
    office.fill("input[name=proposer]", "王建国")
    office.fill("input[name=title]", "关于加快中小企业数字化转型的建议")
    office.fill(
        "textarea[name=body]", "王建国代表建议设立专项资金支持中小企业上云，电话13912345678。"
    )
    office.check("input[name=cohandlers][value=software]")
    # no 主办 chosen: refused, nothing saved, the form comes back with what was typed
    office.click("form.proposal-form button[type=submit]")
    assert "未登记：请填写：主办处室" in office.inner_text("main")
    assert office.input_value("input[name=number]") == "0101"
    assert office.is_checked("input[name=cohandlers][value=software]")
    office.select_option("select[name=lead]", "sme")
    if shots:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        office.screenshot(path=str(SCREENSHOTS / "proposal-form.png"), full_page=True)
    office.click("form.proposal-form button[type=submit]")
    office.wait_for_url("**/ledger/items/*")
    item_url = office.url.split("#")[0]

    clocks = office.inner_text("table.proposal-clocks")
    # 主办: 3 months from 交办 09-28 → 2026-12-28; 协办: 1 month → 2026-10-28;
    # not ours: 5 working days over 国庆, the 调休 Saturday 10-10 counting → 2026-10-10.
    assert "主办答复（中小企业局）\t2026-12-28 23:59:59" in clocks
    assert "协办意见（软件与信息服务业处）\t2026-10-28 23:59:59" in clocks
    assert "非本单位办理说明\t2026-10-10 23:59:59" in clocks
    assert "13912345678" not in office.content()
    assert "王**" in office.inner_text("section.proposal")  # the representative, masked
    assert "王建国" not in office.inner_text("section.proposal")

    office.fill("form.opinion-form input[name=opinion_at]", "2026-09-20T10:00")  # before 交办
    office.fill("form.opinion-form textarea[name=opinion]", "建议将上云补贴纳入软件产业政策")
    office.click("form.opinion-form button[type=submit]")
    assert "早于交办时间" in office.inner_text("main")
    assert "尚未收到" in office.inner_text("div.opinion")
    office.fill("form.opinion-form input[name=opinion_at]", "2026-10-20T10:00")
    office.fill("form.opinion-form textarea[name=opinion]", "建议将上云补贴纳入软件产业政策")
    office.click("form.opinion-form button[type=submit]")
    assert "协办意见已登记" in office.inner_text("main")
    assert "已于 2026-10-20 10:00 提出意见" in office.inner_text("table.proposal-clocks")

    office.fill("form.contact-form input[name=contact_at]", "2026-10-22T15:00")
    office.select_option("form.contact-form select[name=form]", "面商")
    office.fill("form.contact-form input[name=participants]", "王建国代表、中小企业局张处长")
    office.fill("form.contact-form textarea[name=summary]", "当面沟通补贴申报条件，代表表示认可")
    office.click("form.contact-form button[type=submit]")
    assert "当面沟通补贴申报条件" in office.inner_text("table.contacts")

    lead = _login(browser, live_url, "zxqy")
    lead.goto(item_url)
    lead.fill("form.reply-form textarea[name=text]", "王建国代表：您提出的建议收悉，现答复如下……")
    lead.click("form.reply-form button[value=submit]")
    assert "复文已提交审核" in lead.inner_text("main")

    reviewer = _login(browser, live_url, "zxqy-sh")
    reviewer.goto(item_url.replace("/ledger/items/", "/review/items/"))
    reviewer.click("button:has-text('批准答复')")
    reviewer.wait_for_load_state()

    office.goto(item_url)
    office.select_option("form.satisfaction-form select[name=satisfaction]", "满意")
    office.click("form.satisfaction-form button[type=submit]")
    main = office.inner_text("main")
    assert "满意度已登记" in main and "已办结" in main and "代表意见：满意" in main
    if shots:
        office.screenshot(path=str(SCREENSHOTS / "proposal-item.png"), full_page=True)

    office.goto(f"{live_url}/proposals/summary?year=2026")
    preview = office.inner_text("div.publication-preview")
    assert "人大建议第0101号" in preview and "王**代表" in preview and "王建国" not in preview
    office.click("button:has-text('已审阅，标记为已发布')")
    assert "已发布" in office.inner_text("div.publication-preview")
    for page in (office, lead, reviewer):
        page.context.close()
