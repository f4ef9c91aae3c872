"""The admin pages a person sees, in a real browser: each source's last crawl after a real crawl
of the demo portal with the 留言板 broken (its list answers 500) shows 失败 with the reason and
what to do; a source file edited in the page is refused with file, key and nearest valid key; a
user is given two roles with checkboxes and then sees both roles' pages in the menu."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask import Flask

from crawler.running.schedule import crawl_once_locked
from demoportal.server import start_in_thread
from demoportal.state import Fault
from ledger.settings import REPO_ROOT

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SOURCES_DIR = REPO_ROOT / "data" / "sources"
SMALL = {"board": 30, "mailbox": 20, "feed": 40, "city": 5}

pytestmark = pytest.mark.browser


def login(page, base: str, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_load_state()


def shot(page, name: str, backend: str, *, full: bool = False) -> None:  # type: ignore[no-untyped-def]
    if backend == "sqlite":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / name), full_page=full)


def test_last_crawl_per_source_after_a_broken_source(  # type: ignore[no-untyped-def]
    app: Flask, live_url: str, browser, backend: str, database_url: str, tmp_path: Path
) -> None:
    portal = start_in_thread("127.0.0.1", 0, seed=7, counts=SMALL, speed=0)
    portal.state.faults = [Fault("/board/list", "status")]
    env = {
        **os.environ,
        "HUIYING_DEMO_PORTAL_URL": portal.url,
        "HUIYING_INSTANCE_DIR": os.environ["HUIYING_INSTANCE_DIR"],
    }
    try:
        summary = crawl_once_locked(
            tmp_path / "crawl.lock",
            sources=["demo_board", "demo_mailbox", "demo_12345"],
            database_url=database_url,
            env=env,
            log_dir=tmp_path / "logs",
            sources_dir=SOURCES_DIR,
            settings={"DOWNLOAD_TIMEOUT": 10, "RETRY_TIMES": 0},
        )
    finally:
        portal.stop()
    assert summary is not None and not summary["demo_board"].ok and summary["demo_12345"].ok

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    login(page, live_url, "admin", "huiying-admin")
    page.goto(f"{live_url}/admin/sources")
    board = page.locator("#source-demo_board")
    assert board.locator(".crawl-outcome").inner_text() == "失败"
    assert page.locator("#source-demo_12345 .crawl-outcome").inner_text() == "成功"
    detail = page.locator("tr.crawl-detail").first.inner_text()
    assert "没有采到任何条目" in detail and "HTTP 500" in detail and "/board/list" in detail
    assert "怎么办" in detail and "在浏览器中打开来源地址" in detail
    # Beijing time: the same minute the page says, not UTC
    assert board.locator("td").nth(3).inner_text()[:4].isdigit()
    shot(page, "admin-sources.png", backend, full=True)

    # the source file in the editor: a mistyped key is refused with file, key and nearest key
    page.click("text=编辑 demo_board.toml")
    editor = page.locator("textarea[name=text]")
    text = editor.input_value()
    editor.fill(text.replace('paging = "page"', 'pagin = "page"', 1))
    page.click("text=校验并保存")
    page.wait_for_load_state()
    error = page.locator("p.flash.error").inner_text()
    assert "data/sources/demo_board.toml" in error and "list.pagin" in error
    assert "最接近的有效键是 `paging`" in error and "未保存" in error
    assert 'pagin = "page"' in page.locator("textarea[name=text]").input_value()
    shot(page, "admin-source-edit.png", backend)
    page.close()


def test_two_roles_ticked_and_both_pages_offered(
    app: Flask, live_url: str, browser, backend: str
) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    login(page, live_url, "admin", "huiying-admin")
    page.goto(f"{live_url}/admin/users")
    form = page.locator("form.grid-form")
    form.locator("input[name=username]").fill("zxqy-both")
    form.locator("input[name=display_name]").fill("承办兼审核")
    form.locator("input[name=password]").fill("both-roles-secret")
    form.locator("input[name=role][value=处室承办人]").check()
    form.locator("input[name=role][value=审核人]").check()
    form.locator("select[name=department]").select_option("sme")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "用户已创建" in page.locator("p.flash").first.inner_text()
    row = page.locator("tr", has_text="zxqy-both")
    assert row.locator("input[name=role][value=处室承办人]").is_checked()
    assert row.locator("input[name=role][value=审核人]").is_checked()
    assert not row.locator("input[name=role][value=督办]").is_checked()
    row.scroll_into_view_if_needed()
    shot(page, "admin-users-roles.png", backend)
    page.close()

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    login(page, live_url, "zxqy-both", "both-roles-secret")
    assert page.url.endswith("/workbench/")  # the first role's page
    menu = page.locator("nav[aria-label=主菜单]").inner_text()
    assert "承办" in menu and "审核" in menu and "分办" not in menu
    assert "处室承办人、审核人" in page.locator(".who").inner_text()
    page.goto(f"{live_url}/review/")
    assert page.locator("h1").first.inner_text()  # the review queue opens (no 403)
    page.close()
