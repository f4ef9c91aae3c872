"""The daily desk in a real browser, on the demo office that `make run` shows (the demo portal's
messages taken in through the real intake, played through the workflow by demo-history, one
reminder run): triage tabs, dense rows and a sticky batch bar, confirm and next, the 督办 board,
notices as digests. The README's screenshots of these pages come from a `make run` database
(benchmarks/readme_screenshots.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from demoportal.state import PortalState
from ledger.demo.history import play_history
from ledger.intake.pipeline import IntakeContext, intake
from ledger.intake.records import IntakeRecord
from ledger.models import Item
from ledger.settings import Settings
from ledger.workflow.guards import Clock
from ledger.workflow.reminders import load_escalation, run_reminders
from ledger.workflow.supervision import state
from webapp.database import get_session

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SOURCES = {
    "board": ("demo_board", "留言板"),
    "mailbox": ("demo_mailbox", "领导信箱"),
    "feed": ("demo_12345", "12345"),
}

pytestmark = pytest.mark.browser


def demo_office(app: Flask) -> datetime:
    """What `make run` builds, smaller: a year of portal messages, history, one reminder run."""
    now = datetime.now(UTC)
    portal = PortalState.build(anchor=now, counts={"board": 450, "mailbox": 200, "feed": 300})
    data = Path(app.config["DATA_DIR"])
    with app.app_context():
        session = get_session()
        ctx = IntakeContext.load(session, Settings.from_env())
        for name, (slug, kind) in SOURCES.items():
            for m in portal.messages[name]:
                if not m.visible(now):
                    continue
                replied = m.replied(now)
                intake(
                    session,
                    IntakeRecord(
                        source=slug,
                        external_id=m.ext_id,
                        item_type=kind,
                        title=m.title,
                        body=m.body + f"（联系电话 {m.phone}）",
                        received_at=m.posted_at,
                        author=m.author,
                        request_kind=m.kind,
                        reply_unit=m.reply_unit if replied else None,
                        reply_text=m.reply_text if replied else None,
                        replied_at=m.reply_at if replied else None,
                    ),
                    ctx,
                    now=now,
                )
        clock = Clock.from_data_dir(data)
        play_history(session, clock, now)
        run_reminders(session, now, load_escalation(data / "escalation.toml"), clock.calendar)
        session.commit()
    return now


def login(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "huiying-demo")
    page.click("form button[type=submit]")
    page.wait_for_load_state()


# The README's pictures of these pages come from a `make run` database
# (benchmarks/readme_screenshots.py); this smaller office only checks the same pages.
README_SHOTS = {
    "triage-queue.png",
    "triage-not-ours.png",
    "supervision-board.png",
    "notices.png",
    "ledger-list.png",
    "workbench.png",
}


def shot(page, name: str, backend: str, *, full: bool = False) -> None:  # type: ignore[no-untyped-def]
    if backend == "sqlite" and name not in README_SHOTS:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / name), full_page=full)


def test_the_desk_on_the_demo_office(app: Flask, live_url: str, browser, backend: str) -> None:  # type: ignore[no-untyped-def]
    now = demo_office(app)
    with app.app_context():
        items = get_session().scalars(select(Item)).all()
        cards = [state(i, now) for i in items]
        open_count = get_session().scalar(
            select(func.count()).where(Item.status.in_(["待分办", "办理中", "待审核", "已暂停"]))
        )
    assert 0 < cards.count("红牌") <= max(3, (open_count or 0) // 4)  # a few, not a sea of red

    page = browser.new_page(locale="zh-CN", viewport={"width": 1440, "height": 900})
    # -- triage: tabs, dense rows, the batch bar stays in reach ------------------------------
    login(page, live_url, "fenban")
    tabs = page.inner_text("nav.tabs")
    for label in ("新进", "被退回", "非本厅职责", "全部"):
        assert label in tabs
    page.goto(f"{live_url}/triage/?tab=all")
    rows = page.locator("table.triage tbody tr[data-href]")
    in_view = sum(
        1
        for box in (rows.nth(i).bounding_box() for i in range(rows.count()))
        if box and box["y"] + box["height"] <= 900
    )
    shot(page, "triage-queue.png", backend)
    assert in_view >= min(12, rows.count()), f"only {in_view} rows fit on one screen"
    page.mouse.wheel(0, 20000)
    page.wait_for_timeout(200)
    bar = page.locator(".batchbar").bounding_box()
    assert bar is not None and 0 <= bar["y"] < 900  # sticky: reachable without scrolling back

    page.goto(f"{live_url}/triage/?tab=not_ours")
    if page.locator("table.triage tbody tr[data-href]").count():
        page.check(".batchbar .select-all")
        assert "已选" in page.inner_text(".batchbar .selected-count")
        shot(page, "triage-not-ours.png", backend)

    page.goto(f"{live_url}/triage/?tab=returned")
    if page.locator("table.triage tbody tr[data-href]").count():
        assert "退回：" in page.inner_text("table.triage")
        shot(page, "triage-returned.png", backend)

    page.goto(f"{live_url}/triage/?tab=new")
    first = page.locator("table.triage tbody tr[data-href] a").first
    if first.count():
        first.click()
        page.wait_for_load_state()
        opened = page.url
        if page.locator("#department option[selected]").count() == 0:
            page.select_option("#department", index=1)
        page.click("button:has-text('确认并下一条')")
        page.wait_for_selector("p.flash:has-text('已分办')")
        assert page.url != opened
    page.click("header button:has-text('退出')")

    # -- 督办 board --------------------------------------------------------------------------
    login(page, live_url, "duban")
    assert page.url.endswith("/supervision/")
    html = page.content()
    assert html.index('id="due-soon"') < html.index('id="overdue"')
    if cards.count("红牌"):
        assert re.search(r"\d+ 个工作日", page.inner_text("#overdue + table"))
    shot(page, "supervision-board.png", backend, full=True)
    page.goto(f"{live_url}/notices/")
    assert "本轮催办督办汇总" in page.inner_text("table.notices") or "督办：" in page.inner_text(
        "table.notices"
    )
    if page.locator("details.digest summary").count():
        page.locator("details.digest summary").first.click()
    shot(page, "notices.png", backend)
    page.goto(f"{live_url}/ledger/")
    shot(page, "ledger-list.png", backend)
    page.click("header button:has-text('退出')")

    # -- a 处室's workbench -------------------------------------------------------------------
    login(page, live_url, "zxqy")
    shot(page, "workbench.png", backend)
