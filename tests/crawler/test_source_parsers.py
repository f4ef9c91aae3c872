"""Offline parser tests on saved pages (tests/files/<source>*.html|json), city-scrapers style:
the configured spider parses a saved response; each field gets its own assertion."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.utils.test import get_crawler

from crawler.items import MessageItem
from crawler.parsing.extract import ListEntry
from crawler.pipelines import MaskPipeline, NormalisePipeline, ValidatePipeline
from crawler.spiders.source import SourceSpider
from ledger.settings import REPO_ROOT

FILES = Path(__file__).resolve().parent.parent / "files"
SOURCES = REPO_ROOT / "data" / "sources"
SH = ZoneInfo("Asia/Shanghai")
BASE = "http://portal.test"


@pytest.fixture(scope="module", autouse=True)
def portal_url():
    """Source files read the portal's address from the environment."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HUIYING_DEMO_PORTAL_URL", BASE)
        yield BASE


def make_spider(slug: str) -> SourceSpider:
    crawler = get_crawler(SourceSpider, {"HUIYING_INCREMENTAL": False})
    spider = SourceSpider.from_crawler(crawler, source=slug, sources_dir=str(SOURCES))
    crawler.spider = spider
    return spider


def file_response(name: str, url: str, meta: dict | None = None, body: bytes | None = None):
    body = (FILES / name).read_bytes() if body is None else body
    request = Request(url, meta={"huiying_kind": "list", "page": 1, **(meta or {})})
    if name.endswith(".json"):
        return TextResponse(url, body=body, encoding="utf-8", request=request)
    return HtmlResponse(url, body=body, request=request)  # encoding from the page itself


def process(spider: SourceSpider, item: MessageItem) -> MessageItem:
    """The offline part of the pipeline chain: normalise → validate → mask."""
    for pipeline in (
        NormalisePipeline.from_crawler(spider.crawler),
        ValidatePipeline.from_crawler(spider.crawler),
        MaskPipeline(),
    ):
        item = pipeline.process_item(item)
    return item


def split(results):
    items = [r for r in results if isinstance(r, MessageItem)]
    requests = [r for r in results if isinstance(r, Request)]
    return items, requests


# --- message board ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def board_list():
    spider = make_spider("demo_board")
    return split(
        list(spider.parse_list(file_response("demo_board_list.html", f"{BASE}/board/list?page=1")))
    )


@pytest.fixture(scope="module")
def board_item():
    spider = make_spider("demo_board")
    entry = ListEntry("40", {"external_id": "40", "status": "已办理"}, "/board/thread/40.html")
    response = file_response(
        "demo_board.html", f"{BASE}/board/thread/40.html", {"huiying_kind": "detail"}
    )
    items, _ = split(list(spider.parse_detail(response, entry)))
    return process(spider, items[0])


def test_board_list_links_every_row_and_the_next_page(board_list):
    items, requests = board_list
    assert items == []
    details = [r for r in requests if r.meta["huiying_kind"] == "detail"]
    lists = [r for r in requests if r.meta["huiying_kind"] == "list"]
    assert len(details) == 20
    assert details[0].url.startswith(f"{BASE}/board/thread/")
    assert [r.url for r in lists] == [f"{BASE}/board/list?page=2"]


def test_board_title(board_item):
    assert board_item.title == "关于滨州技改专项资金兑现进度的询问"


def test_board_time_is_aware_shanghai(board_item):
    assert board_item.received_at == datetime(2025, 5, 15, 17, 55, tzinfo=SH)


def test_board_author(board_item):
    assert board_item.author == "胡女士"


def test_board_body_is_plain_text_with_masked_phone(board_item):
    assert board_item.body.startswith("请问技改项目备案后")
    assert "<p>" not in board_item.body and "\u3000" not in board_item.body
    assert "177****6639" in board_item.body and "17705416639" not in board_item.body


def test_board_status_kind_likes(board_item):
    assert (board_item.status, board_item.request_kind, board_item.likes) == ("已办理", "咨询", 1)


def test_board_reply(board_item):
    assert board_item.reply_unit == "投资与技术改造处"
    assert board_item.reply_text.startswith("您好！省级技术改造专项资金")
    assert board_item.replied_at == datetime(2025, 5, 29, 9, 53, tzinfo=SH)
    assert board_item.satisfaction == "基本满意"


# --- leaders' mailbox (GBK, CDATA XML list) --------------------------------------------------
@pytest.fixture(scope="module")
def mailbox_list():
    spider = make_spider("demo_mailbox")
    response = file_response("demo_mailbox_list.html", f"{BASE}/mailbox/index.html")
    assert response.encoding in {"gbk", "gb18030"}  # detected from the page's own meta
    return split(list(spider.parse_list(response)))


@pytest.fixture(scope="module")
def mailbox_item():
    spider = make_spider("demo_mailbox")
    entry = ListEntry("XX2025051600030", {"status": "已答复"}, "/mailbox/art/XX2025051600030.html")
    url = f"{BASE}/mailbox/art/XX2025051600030.html"
    response = file_response("demo_mailbox.html", url, {"huiying_kind": "detail"})
    items, _ = split(list(spider.parse_detail(response, entry)))
    return process(spider, items[0])


def test_mailbox_list_reads_cdata_records(mailbox_list):
    _, requests = mailbox_list
    details = [r for r in requests if r.meta["huiying_kind"] == "detail"]
    assert len(details) == 25
    assert details[0].cb_kwargs["entry"].external_id.startswith("XX2025")
    assert details[0].cb_kwargs["entry"].fields["title"]
    next_pages = [r.url for r in requests if r.meta["huiying_kind"] == "list"]
    assert next_pages == [f"{BASE}/mailbox/index_2.html"]


def test_mailbox_fields_decoded_from_gbk(mailbox_item):
    assert mailbox_item.external_id == "XX2025051600030"
    assert mailbox_item.title and all(
        "\u4e00" <= c <= "\u9fff" or c in "，。？！“”、：；（）0-9A-Za-z" or c.isalnum()
        for c in mailbox_item.title
    )
    assert mailbox_item.status == "已答复"
    assert mailbox_item.received_at.tzinfo is not None
    assert mailbox_item.received_at.date().isoformat() == "2025-05-16"
    assert mailbox_item.reply_text and mailbox_item.replied_at.tzinfo is not None


def test_mailbox_utf8_bytes_under_gbk_header_are_rejected():
    spider = make_spider("demo_mailbox")
    text = (FILES / "demo_mailbox.html").read_bytes().decode("gbk")
    url = f"{BASE}/mailbox/art/X.html"
    response = file_response(
        "demo_mailbox.html",
        url,
        {"huiying_kind": "detail", "parse_attempt": 9},
        text.encode("utf-8"),
    )
    entry = ListEntry("X", {}, "/mailbox/art/X.html")
    assert list(spider.parse_detail(response, entry)) == []
    stats = spider.crawler.stats.get_stats()
    assert stats["huiying/rejected"] == 1
    assert "not valid gb" in stats["huiying/rejections"][0]["reason"]
    assert stats["huiying/rejections"][0]["url"] == url


# --- 12345 feed (JSON) ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def feed_page():
    spider = make_spider("demo_12345")
    response = file_response("demo_12345.json", f"{BASE}/api/12345/orders?limit=5")
    items, requests = split(list(spider.parse_list(response)))
    return spider, [process(spider, i) for i in items], requests


def test_feed_records_are_items(feed_page):
    _, items, _ = feed_page
    assert len(items) == 5
    first = items[0]
    assert first.external_id.startswith("GD2024")
    assert first.request_kind in {"投诉", "咨询", "建议", "求助", "举报"}
    assert first.received_at.tzinfo is not None and first.due_at > first.dispatched_at
    assert first.urgency in {"一般", "较急", "紧急"}


def test_feed_follows_the_cursor_with_the_token(feed_page):
    _, items, requests = feed_page
    assert len(requests) == 1
    assert requests[0].url.endswith(f"cursor={items[-1].external_id}")
    assert requests[0].headers["Authorization"] == b"Bearer demo-12345-token"


def test_truncated_json_is_retried_then_rejected():
    spider = make_spider("demo_12345")
    body = (FILES / "demo_12345.json").read_bytes()
    url = f"{BASE}/api/12345/orders?limit=5"
    first = list(spider.parse_list(file_response("demo_12345.json", url, body=body[:300])))
    assert [r.meta["parse_attempt"] for r in first] == [1]  # fetched again
    last = list(
        spider.parse_list(file_response("demo_12345.json", url, {"parse_attempt": 2}, body[:300]))
    )
    assert last == []  # cursor unknown: the rest waits for the next crawl
    rejection = spider.crawler.stats.get_value("huiying/rejections")[0]
    assert rejection["url"] == url and "truncated or invalid JSON" in rejection["reason"]


def test_broken_detail_page_is_rejected_with_reason():
    spider = make_spider("demo_board")
    url = f"{BASE}/board/thread/41.html"
    broken = b'<html><body><div class="replyInfoHead"><h1'
    response = file_response(
        "demo_board.html", url, {"huiying_kind": "detail", "parse_attempt": 2}, broken
    )
    assert list(spider.parse_detail(response, ListEntry("41", {}, "/board/thread/41.html"))) == []
    rejection = spider.crawler.stats.get_value("huiying/rejections")[0]
    assert rejection["url"] == url and rejection["reason"].startswith("broken page: no title, body")
