"""A fourth site of a familiar layout is added with one new source file and no code: the demo
portal's city bureau 咨询投诉 table (plain HTML table list with next links → detail table)."""

from __future__ import annotations

import shutil

from crawler.config.sources import list_sources, load_source
from ledger.settings import REPO_ROOT

SOURCES_DIR = REPO_ROOT / "data" / "sources"

CITY_TOML = """
slug = "city_zxts"
name = "市工业和信息化局 咨询投诉"
item_type = "留言板"
base_url = "${HUIYING_DEMO_PORTAL_URL}"

[list]
format = "html"
first_url = "{base_url}/city/zxts/index.html"
url = "{base_url}/city/zxts/index_{page}.html"
paging = "next_link"
next = "xpath://div[@class='page']/a[contains(., '下一页')]/@href"
rows = "xpath://table[@class='listAll']//tr[td]"

[list.fields]
external_id = "xpath:./td[1]/text()"
url = "xpath:./td[2]/a/@href"
title = "xpath:./td[2]/a/text()"
status = "xpath:./td[4]/text()"

[detail.fields]
title = "xpath://td[@class='L'][.='主题']/following-sibling::td[1]"
received_at = "xpath://td[@class='L'][.='日期']/following-sibling::td[1]"
author = "xpath://td[@class='L'][.='咨询人']/following-sibling::td[1]"
body = "xpath://td[@class='L'][.='内容']/following-sibling::td[1]"
reply_unit = "xpath://td[@class='L'][.='处理单位']/following-sibling::td[1]"
status = "xpath://td[@class='L'][.='处理状态']/following-sibling::td[1]"
reply_text = "xpath://td[@class='L'][.='受理意见']/following-sibling::td[1]"
replied_at = "xpath://td[@class='L'][.='处理时间']/following-sibling::td[1]"

[incremental]
replied_statuses = ["已处理"]
open_statuses = ["处理中"]

[politeness]
download_delay = 0
autothrottle_start_delay = 0
"""


def test_a_new_config_file_adds_a_site(portal, fresh_ledger_url, crawl, count_items, tmp_path):
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES_DIR, sources)
    (sources / "city_zxts.toml").write_text(CITY_TOML, "utf-8")
    assert list_sources(sources) == ["city_zxts", "demo_12345", "demo_board", "demo_mailbox"]
    assert (
        load_source("city_zxts", sources, {"HUIYING_DEMO_PORTAL_URL": portal.url}).list.paging
        == "next_link"
    )

    summary = crawl(fresh_ledger_url, sources_dir=sources)

    city = summary["city_zxts"]
    expected = len(portal.state.visible("city"))
    assert city.ok and city.rejected == 0, city.rejections
    assert city.new == expected
    counts = count_items(fresh_ledger_url)
    assert counts["city_zxts"] == expected
    assert counts["demo_board"] == len(portal.state.visible("board"))
    assert len(counts) == 4
