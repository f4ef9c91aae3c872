"""Normalisation, masking and validation, each on its own (no network, no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.items import MessageItem
from crawler.parsing.normalise import clean_text, parse_int, parse_time
from crawler.pipelines import MaskPipeline, NormalisePipeline, ValidatePipeline, to_record
from crawler.rejects import reason_kind

SH = ZoneInfo("Asia/Shanghai")


def item(**values) -> MessageItem:
    base = {
        "title": "关于技改补贴的咨询",
        "body": "<p>\u3000\u3000请问何时拨付？</p>",
        "received_at": "2025-03-04 09:15",
    }
    return MessageItem.from_fields(
        "demo_board", "留言板", "17", "http://x/17.html", {**base, **values}
    )


@pytest.fixture
def crawler():
    return get_crawler(settings_dict={"HUIYING_DATABASE_URL": "sqlite://"})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<div><p>第一段</p><p>第二段&nbsp;内容</p></div>", "第一段\n第二段 内容"),
        ("\u3000\u3000全角空格与ＡＢＣ１２３，标点保留。", "全角空格与ABC123，标点保留。"),
        ("多个   空格\t和\r\n\n\n空行", "多个 空格 和\n空行"),
        ("<script>var x=1;</script>正文<br/>换行", "正文\n换行"),
        ("", None),
    ],
)
def test_clean_text(raw, expected):
    assert clean_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-03-04 09:15", datetime(2025, 3, 4, 9, 15, tzinfo=SH)),
        ("2025年3月4日", datetime(2025, 3, 4, tzinfo=SH)),
        ("2025年03月04日 09:15", datetime(2025, 3, 4, 9, 15, tzinfo=SH)),
        ("2025/03/04 09:15:30", datetime(2025, 3, 4, 9, 15, 30, tzinfo=SH)),
        ("回复时间：２０２５-03-04", datetime(2025, 3, 4, tzinfo=SH)),
        ("1741050900", datetime(2025, 3, 4, 1, 15, tzinfo=UTC)),
        ("1741050900000", datetime(2025, 3, 4, 1, 15, tzinfo=UTC)),
        ("2025-03-04T09:15:00+08:00", datetime(2025, 3, 4, 9, 15, tzinfo=SH)),
        ('<td class="R"></td>', None),
        (None, None),
    ],
)
def test_parse_time(raw, expected):
    parsed = parse_time(raw)
    assert parsed == expected
    assert parsed is None or parsed.tzinfo is not None


def test_parse_time_refuses_nonsense():
    with pytest.raises(ValueError, match="unrecognised time"):
        parse_time("昨天下午")


def test_parse_int():
    assert parse_int("点赞 １２") == 12 and parse_int(None) is None and parse_int("无") is None


def test_normalise_then_mask(crawler):
    raw = item(
        body="电话13905318826，身份证370102198506152318。<br>座机0531-88776655",
        author="张三 13905318826",
        reply_text="<p>已联系 15864023317</p>",
    )
    out = MaskPipeline().process_item(NormalisePipeline.from_crawler(crawler).process_item(raw))
    assert out.body == "电话139****8826，身份证370102********2318。\n座机0531-****6655"
    assert out.author == "张三 139****8826"
    assert out.reply_text == "已联系 158****3317"
    assert out.received_at == datetime(2025, 3, 4, 9, 15, tzinfo=SH)
    assert out.external_id == "17"  # ids are never masked


def test_extra_fields_are_kept_as_text(crawler):
    raw = item(return_reason="属人社部门职责", nothing="")
    out = NormalisePipeline.from_crawler(crawler).process_item(raw)
    assert out.extra == {"return_reason": "属人社部门职责"}
    assert to_record(out).extra == {"return_reason": "属人社部门职责"}


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"body": "  "}, "missing body"),
        ({"title": None}, "missing title"),
        ({"received_at": "下午三点"}, "received_at: unrecognised time"),
    ],
)
def test_validation_rejects_with_url_and_reason(crawler, values, reason):
    raw = NormalisePipeline.from_crawler(crawler).process_item(item(**values))
    with pytest.raises(DropItem, match=reason):
        ValidatePipeline.from_crawler(crawler).process_item(raw)
    stats = crawler.stats.get_stats()
    assert stats["huiying/rejected"] == 1
    assert stats["huiying/rejections"] == [
        {"url": "http://x/17.html", "reason": stats["huiying/rejections"][0]["reason"]}
    ]
    assert reason in stats["huiying/rejections"][0]["reason"]


def test_record_shape(crawler):
    out = NormalisePipeline.from_crawler(crawler).process_item(item(status="待回复", likes="3"))
    record = to_record(out)
    assert (record.source, record.external_id, record.item_type) == ("demo_board", "17", "留言板")
    assert record.source_status == "待回复" and record.likes == 3
    assert record.body == "请问何时拨付？"


def test_reason_kinds():
    assert reason_kind("truncated or invalid JSON (12 bytes): x") == "truncated_or_invalid_json"
    assert reason_kind("HTTP 500 after retries") == "http_500_after_retries"
