"""A real browser works a 依申请公开 application from the post to the annual report: register it
(来信, signed for), issue a 补正 notice and open the Word file, record the completed request,
reply 部分公开 with its ground; a second application shows the refusals (a reply type without its
ground, a date before receipt: nothing saved) and is answered 不予公开. The annual statistics
export then matches what the test entered, cell by cell.

Dates are relative to today (all in the past, as the forms require): the application came three
days ago; the 补正 notice went out the next day; the completed request came yesterday morning.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document
from flask import Flask
from openpyxl import load_workbook

from ledger.clock.deadlines import SHANGHAI
from ledger.workflow.disclosure.catalogue import load_catalogue

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DATA = Path(__file__).resolve().parents[2] / "data"
GROUND = "第十五条：涉及商业秘密、个人隐私等，公开会损害第三方合法权益"
SECRET = "第十四条：属于国家秘密"

pytestmark = pytest.mark.browser


def local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def login(page, live_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_url}/auth/login")
    page.fill("input[name=username]", "fenban")
    page.fill("input[name=password]", "huiying-demo")
    page.click("form button[type=submit]")
    page.wait_for_load_state()


def register(page, live_url: str, title: str, applicant_type: str, received: datetime) -> str:  # type: ignore[no-untyped-def]
    page.goto(f"{live_url}/entry/")
    page.select_option("select[name=item_type]", "foi_request")
    page.select_option("select[name=channel]", "来信")
    page.fill("input[name=received_at]", local(received))
    page.fill("input[name=title]", title)
    page.fill("textarea[name=body]", "申请人王五，电话13812345678，请求公开相关信息。")
    page.fill("input[name=author]", "王五")
    page.select_option("select[name=applicant_type]", applicant_type)
    page.fill("input[name=applicant_address]", "济南市历下区解放路100号")
    page.click("form.entry-form button[type=submit]")
    page.wait_for_url("**/ledger/items/*")
    assert "已登记" in page.inner_text("main")
    return page.url


def reply(page, kind: str, ground: str, when: datetime, text: str) -> None:  # type: ignore[no-untyped-def]
    form = page.locator("form.foi-reply-form")
    form.locator("select[name=reply_type]").select_option(kind)
    form.locator("select[name=ground]").select_option(ground or "")
    form.locator("input[name=replied_at]").fill(local(when))
    form.locator("textarea[name=text]").fill(text)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_application_from_post_to_annual_report(
    app: Flask, live_url: str, browser, backend: str
) -> None:  # type: ignore[no-untyped-def]
    today = datetime.now(SHANGHAI).replace(second=0, microsecond=0)
    received = (today - timedelta(days=3)).replace(hour=9, minute=30)
    page = browser.new_page(
        locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    login(page, live_url)
    url = register(page, live_url, "申请公开技术改造专项资金分配明细", "商业企业", received)

    # 补正告知 the next day, with a date to answer by; the clock stops.
    notice_at = received + timedelta(days=1)
    answer_by = (today + timedelta(days=14)).date()
    form = page.locator("form.foi-correction")
    page.click("details.foi-action summary:has-text('补正告知')")
    form.locator("input[name=issued_at]").fill(local(notice_at))
    form.locator("textarea[name=to_complete]").fill("请写明所需专项资金的年度和项目名称")
    form.locator("input[name=answer_by]").fill(str(answer_by))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    text = page.inner_text("main")
    assert "已记录补正告知" in text and "补正中" in text

    with page.expect_download() as info:
        page.click("a.notice-download:has-text('补正告知书')")
    doc = Document(info.value.path())
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "政府信息公开申请补正告知书" in body
    assert "王五：" in body  # addressed to the applicant: their own name, unmasked
    assert "济南市历下区解放路100号" in body
    assert "请写明所需专项资金的年度和项目名称" in body
    assert f"{answer_by.year}年{answer_by.month}月{answer_by.day}日前" in body
    assert "13812345678" not in body
    page.reload()
    assert "下载告知书" in page.inner_text("table.audit-trail")  # the download is on record

    # The completed request came yesterday morning: the clock restarts from that day.
    done_at = (today - timedelta(days=1)).replace(hour=10, minute=0)
    form = page.locator("form.foi-completion")
    form.locator("input[name=received_at]").fill(local(done_at))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    text = page.inner_text("main")
    assert "答复期限自收到补正之日重新起算" in text
    assert f"补正后重新起算：{done_at:%Y-%m-%d %H:%M}" in text

    reply_at = (today - timedelta(days=1)).replace(hour=16, minute=0)
    reply(
        page, "部分公开", GROUND, reply_at, "分配结果予以公开；企业申报材料涉及商业秘密，不予公开。"
    )
    text = page.inner_text("main")
    assert "已答复" in text and f"部分公开（{GROUND}）" in text
    if backend == "sqlite":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "foi-replied.png"), full_page=True)
    with page.expect_download() as info:
        page.click("a.notice-download:has-text('答复告知书')")
    answer = "\n".join(p.text for p in Document(info.value.path()).paragraphs)
    assert "答复类型：部分公开。理由：" + GROUND in answer

    # A second application (自然人): bad replies are refused and nothing is saved.
    second = register(page, live_url, "申请公开某项目环评批复", "自然人", received)
    before = page.inner_text("table.audit-trail")
    reply(page, "不予公开", "", reply_at, "不予公开。")
    assert "“不予公开”须选择法定理由" in page.inner_text("p.flash.error")
    reply(page, "不予公开", SECRET, received - timedelta(days=1), "不予公开。")
    assert "早于收到申请时间" in page.inner_text("p.flash.error")
    page.goto(second)
    assert page.inner_text("table.audit-trail") == before  # no event: nothing was saved
    assert "待分办" in page.inner_text("dl.meta") or "办理中" in page.inner_text("dl.meta")
    reply(page, "不予公开", SECRET, reply_at, "所申请信息属于国家秘密，不予公开。")
    assert f"不予公开（{SECRET}）" in page.inner_text("main")
    page.goto(url)

    # The annual statistics, exported in the official layout, cell by cell.
    year = received.year
    concluded_same_year = reply_at.year == year
    page.goto(f"{live_url}/foi/annual?year={year}")
    with page.expect_download() as info:
        page.click("a.export")
    ws = load_workbook(BytesIO(Path(info.value.path()).read_bytes())).active
    catalogue = load_catalogue(DATA / "disclosure_requests.toml")
    columns = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    assert [ws.cell(row=4, column=c).value for c in range(5, 10)] == columns[1:6]
    assert (
        ws["D3"].value == "自然人"
        and ws["E3"].value == "法人或其他组织"
        and ws["J3"].value == "总计"
    )
    done = 1 if concluded_same_year else 0
    expected: dict[str, dict[str, int]] = {
        "new": {"自然人": 1, "商业企业": 1},
        "partly": {"商业企业": done},
        "refused": {"自然人": done},
        "refused_secret": {"自然人": done},
        "total": {"自然人": done, "商业企业": done},
        "carried_out": {"自然人": 1 - done, "商业企业": 1 - done},
    }
    for offset, row in enumerate(catalogue.report_rows):
        r = 5 + offset
        assert ws.cell(row=r, column=1).value == row.label
        cells = [ws.cell(row=r, column=c).value for c in range(4, 11)]
        if row.heading:
            assert cells == [None] * 7, row.label
            continue
        want = [expected.get(row.key, {}).get(name, 0) for name in columns[:-1]]
        assert cells == [*want, sum(want)], row.label
    page.close()
