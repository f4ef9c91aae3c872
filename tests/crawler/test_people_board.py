"""The 人民网-layout 领导留言板 (issue 12): offline parser tests on saved pages (tests/files/people_board*)
and real crawls against the fixture server (tests/crawler/people_board.py) by one config file each
(tests/files/sources/people_board.toml: cookie session, POST form list; people_board_token.toml:
token from a first request, JSON body)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.utils.test import get_crawler
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.items import MessageItem
from crawler.parsing.extract import ListEntry
from crawler.pipelines import MaskPipeline, NormalisePipeline, ValidatePipeline
from crawler.spiders.source import SourceSpider
from ledger.db import make_engine
from ledger.models import Item, Source

FILES = Path(__file__).resolve().parent.parent / "files"
SOURCES = FILES / "sources"
SH = ZoneInfo("Asia/Shanghai")
BASE = "http://board.test"


# --- offline: saved pages -------------------------------------------------------------------
@pytest.fixture
def spider(monkeypatch) -> SourceSpider:
    monkeypatch.setenv("PEOPLE_BOARD_URL", BASE)
    crawler = get_crawler(SourceSpider, {"HUIYING_INCREMENTAL": False})
    spider = SourceSpider.from_crawler(crawler, source="people_board", sources_dir=str(SOURCES))
    crawler.spider = spider
    return spider


def test_list_rows_give_detail_urls_from_the_tid_and_the_last_row_as_cursor(spider):
    url = f"{BASE}/v1/threads/list/df"
    body = (FILES / "people_board_list.json").read_bytes()
    request = Request(url, method="POST", meta={"huiying_kind": "list", "page": 1, "cursor": ""})
    results = list(spider.parse_list(TextResponse(url, body=body, request=request)))
    details = [r for r in results if r.callback == spider.parse_detail]
    [next_page] = [r for r in results if r.callback == spider.parse_list]
    assert len(details) == 10
    assert details[0].url == f"{BASE}/threads/content?tid=30077"
    entry = details[0].cb_kwargs["entry"]
    assert entry.external_id == "30077" and entry.fields["title"] == "化工园区扩区规划建议（12）"
    assert entry.fields["received_at"] == 1749937020
    assert entry.fields["domain"] == "化工/建议"
    # the next request is the same POST with lastItem = the last row's tid
    assert next_page.method == "POST" and next_page.url == url
    assert b"lastItem=30014" in next_page.body and b"rows=10" in next_page.body


def test_detail_page_fields(spider):
    url = f"{BASE}/threads/content?tid=30000"
    entry = ListEntry(
        "30000", {"external_id": "30000", "received_at": 1749002400, "status": "已办理"}
    )
    response = HtmlResponse(
        url, body=(FILES / "people_board.html").read_bytes(), request=Request(url)
    )
    [item] = list(spider.parse_detail(response, entry))
    out = _process(spider, item)
    assert out.title == "园区限电影响企业正常生产（1）"
    assert out.status == "已办理"
    assert out.body.startswith("我们园区近一周每天限电四小时") and "\n第1条留言" in out.body
    assert "138****5678" in out.body  # masked before intake
    assert out.received_at == datetime(2025, 6, 4, 2, 0, tzinfo=UTC)
    assert out.reply_unit == "山东省工业和信息化厅"
    assert out.reply_text.startswith("网友您好！")
    assert out.replied_at == datetime(2025, 6, 9, 13, 0, tzinfo=SH)
    assert out.satisfaction == "很满意"


def test_an_open_message_has_no_reply(spider):
    url = f"{BASE}/threads/content?tid=30007"
    entry = ListEntry("30007", {"received_at": 1749002400})
    body = (FILES / "people_board_open.html").read_bytes()
    [item] = list(spider.parse_detail(HtmlResponse(url, body=body, request=Request(url)), entry))
    out = _process(spider, item)
    assert out.status in {"待回复", "办理中"} and out.reply_text is None and out.replied_at is None


def _process(spider: SourceSpider, item: MessageItem) -> MessageItem:
    for pipeline in (
        NormalisePipeline.from_crawler(spider.crawler),
        ValidatePipeline.from_crawler(spider.crawler),
        MaskPipeline(),
    ):
        item = pipeline.process_item(item)
    return item


# --- online: the fixture server, real Scrapy, both databases --------------------------------
@pytest.fixture(scope="module")
def board_env(people_board, instance_dir):
    import os

    return {
        **os.environ,
        "PEOPLE_BOARD_URL": people_board.url,
        "HUIYING_INSTANCE_DIR": str(instance_dir),
    }


def _run(url, env, tmp_path, slug):
    from crawler.running.process import run_crawl

    return run_crawl(
        [slug],
        url,
        sources_dir=SOURCES,
        env=env,
        log_dir=tmp_path / "logs",
        settings={"DOWNLOAD_TIMEOUT": 10},
    )[slug]


def _stored(url: str, slug: str) -> dict[str, Item]:
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        rows = session.scalars(select(Item).join(Source).where(Source.slug == slug)).all()
        found = {i.external_id: i for i in rows}
        for item in rows:
            _ = [r.text for r in item.replies]
    engine.dispose()
    return found


@pytest.mark.parametrize("slug", ["people_board", "people_board_token"])
def test_every_message_lands_with_body_and_reply_and_a_recrawl_changes_nothing(
    slug, people_board, board_env, database_url, tmp_path
):
    threads = {str(t.tid): t for t in people_board.board.threads}
    first = _run(database_url, board_env, tmp_path, slug)
    assert first.ok, (first.failures, first.rejections)
    assert first.new == len(threads) and first.rejected == 0

    stored = _stored(database_url, slug)
    assert set(stored) == set(threads)
    for tid, thread in threads.items():
        item = stored[tid]
        assert item.body.startswith(thread.content.split("\n")[0]), tid  # the full body
        received = item.received_at
        assert (received if received.tzinfo else received.replace(tzinfo=UTC)) == thread.posted
        assert item.extra["domain"] == f"{thread.domain}/{thread.kind}"
        if thread.reply_text:
            assert [r.text for r in item.replies] == [thread.reply_text], tid
        else:
            assert item.replies == [], tid

    again = _run(database_url, board_env, tmp_path, slug)
    assert again.ok and again.new == 0 and again.updated == 0 and again.rejected == 0
    assert again.skipped + again.unchanged == len(threads)
    assert again.pages < first.pages  # known items' detail pages are not fetched again


def test_an_answer_on_the_board_updates_exactly_that_item(
    people_board, board_env, database_url, tmp_path
):
    first = _run(database_url, board_env, tmp_path, "people_board")
    assert first.ok
    open_tid = next(t.tid for t in people_board.board.threads if not t.reply_text)
    people_board.board.answer(open_tid)
    after = _run(database_url, board_env, tmp_path, "people_board")
    assert after.ok and after.updated == 1 and after.new == 0
    assert _stored(database_url, "people_board")[str(open_tid)].replies[0].text.startswith("已协调")


def test_sources_check_shows_what_one_list_and_one_detail_page_give(board_env, tmp_path):
    import subprocess
    import sys

    from ledger.settings import REPO_ROOT

    env = {**board_env, "PYTHONPATH": str(REPO_ROOT)}
    args = [sys.executable, "-m", "huiying", "sources", "check"]
    done = subprocess.run(
        [*args, str(SOURCES / "people_board.toml")], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "配置有效：people_board" in out
    assert "条目 30308（" in out  # the newest message, its detail page fetched
    assert "  body: " in out and "  received_at: 2025-" in out and "  domain: " in out

    bad = tmp_path / "people_board.toml"
    bad.write_text((SOURCES / "people_board.toml").read_text("utf-8").replace("paging", "pagin"))
    done = subprocess.run([*args, str(bad)], env=env, capture_output=True, text=True)
    assert done.returncode == 1
    assert "不认识的键 `list.pagin`；最接近的有效键是 `paging`" in done.stdout
