"""`huiying crawl` explains every refused record (URL and reason) and exits non-zero when a source
produced parse errors or nothing at all (issue 8, "Must demonstrate"). Real crawls in a child
process, from a feed served on loopback, into both databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.db import make_engine
from ledger.intake.originals import FILE_KEY
from ledger.models import Item
from ledger.settings import REPO_ROOT

FEED_TOML = """
slug = "{slug}"
item_type = "12345"
base_url = "{base}"

[list]
format = "json"
url = "{{base_url}}/{file}"
rows = "json:data.items"

[list.fields]
external_id = "json:order_no"
url = "{url_field}"
title = "json:title"
body = "json:content"
received_at = "json:call_time"
due_at = "json:time_limit"
urgency = "json:urgency"

[detail.fields]
title = "css:h1::text"
body = "css:div.content"
received_at = "css:span.time::text"

[politeness]
download_delay = 0
autothrottle_start_delay = 0
"""


def order(no: str, **values: str) -> dict[str, str]:
    return {
        "order_no": no,
        "title": "园区限电影响生产",
        "content": "园区近一周每天限电四小时，请协调。",
        "call_time": "2026-09-25 10:00:00",
        "time_limit": "2026-10-09 18:00:00",
        "urgency": "一般",
        **values,
    }


def write_source(sources: Path, slug: str, base: str, file: str, url_field: str = "json:none"):
    text = FEED_TOML.format(slug=slug, base=base, file=file, url_field=url_field)
    (sources / f"{slug}.toml").write_text(text, "utf-8")


def run_cli(database_url: str, sources: Path, instance: Path, *names: str):
    env = {**os.environ, "HUIYING_INSTANCE_DIR": str(instance), "PYTHONPATH": str(REPO_ROOT)}
    args = [sys.executable, "-m", "huiying", "crawl", "--database-url", database_url]
    args += ["--sources-dir", str(sources), "--log-dir", str(instance / "logs")]
    for name in names:
        args += ["--source", name]
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)


def test_every_refused_record_is_listed_with_url_and_reason(
    database_url, static_site, tmp_path, instance_dir
):
    site, base = static_site
    huge = "限电" * 1_000_003
    feed = [
        order("GD001", content="正文含控制符\u001b[0m与\u0000空字符\b。"),
        order("GD002", call_time="1970-01-01 08:00:00"),
        order("GD003", time_limit="2026-09-20 18:00:00"),
        order("GD004", content="第一版。"),
        order("GD004", content="第二版。", urgency="紧急"),
        order("GD005", content=huge),
        order("GD006", call_time="2099-01-01 08:00:00"),
    ]
    (site / "orders.json").write_text(json.dumps({"data": {"items": feed}}), "utf-8")
    sources = tmp_path / "sources"
    sources.mkdir()
    write_source(sources, "feed", base, "orders.json")

    done = run_cli(database_url, sources, instance_dir, "feed")
    out = done.stdout
    assert done.returncode == 0, done.stdout + done.stderr
    assert "feed 拒收 4 条" in out
    url = f"{base}/orders.json"
    assert f"拒收 {url}：intake refused: GD002: 收到时间 (received_at) 1970-01-01 08:00" in out
    assert "早于该渠道可能存在的时间 2000-01-01" in out
    assert f"拒收 {url}：intake refused: GD003: 办理时限 (source_due_at)" in out
    assert "早于收到时间 2026-09-25 10:00" in out
    assert f"拒收 {url}：intake refused: GD006: 收到时间 (received_at) 2099-01-01" in out
    assert (
        f"拒收 {url}：conflicting duplicate: GD004: 同一编号在本次采集中出现两次且内容不同" in out
    )
    assert "1 条编号重复且内容不同，保留了先收到的版本" in out

    engine = make_engine(database_url)
    with Session(engine) as session:
        stored = {i.external_id: i for i in session.scalars(select(Item))}
        assert sorted(stored) == ["GD001", "GD004", "GD005"]
        assert stored["GD001"].body == "正文含控制符[0m与空字符。"
        assert stored["GD004"].body == "第一版。"
        assert (instance_dir / stored["GD005"].extra[FILE_KEY]).read_text("utf-8") == huge
    engine.dispose()

    again = run_cli(database_url, sources, instance_dir, "feed")  # stable: nothing flips
    assert again.returncode == 0
    assert "feed\t2\t0\t0\t3\t4" in again.stdout  # robots.txt and the feed


def test_parse_errors_or_nothing_at_all_exit_non_zero(
    database_url, static_site, tmp_path, instance_dir
):
    site, base = static_site
    (site / "orders.json").write_text(json.dumps({"data": {"items": [order("GD1")]}}), "utf-8")
    (site / "empty.json").write_text(json.dumps({"data": {"items": []}}), "utf-8")
    sources = tmp_path / "sources"
    sources.mkdir()
    write_source(sources, "good", base, "orders.json")
    write_source(sources, "empty", base, "empty.json")
    # a numeric id used as the detail link: the spider fails on the row
    write_source(sources, "broken", base, "orders.json", url_field="json:order_no_num")
    feed = [{**order("GD2"), "order_no_num": 12345}]
    (site / "orders.json").write_text(json.dumps({"data": {"items": feed}}), "utf-8")

    good = run_cli(database_url, sources, instance_dir, "good")
    assert good.returncode == 0, good.stdout + good.stderr

    empty = run_cli(database_url, sources, instance_dir, "empty")
    assert empty.returncode == 1
    assert "empty 采集失败：没有采到任何条目" in empty.stdout

    broken = run_cli(database_url, sources, instance_dir, "broken")
    assert broken.returncode == 1
    assert "broken 采集失败" in broken.stdout


def test_a_parse_exception_is_a_counted_refusal_and_fails_the_crawl(
    database_url, static_site, tmp_path, instance_dir
):
    site, base = static_site
    (site / "list.html").write_text("<html><body><ul><li>一</li></ul></body></html>", "utf-8")
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "bad_xpath.toml").write_text(
        f'slug = "bad_xpath"\nitem_type = "留言板"\n[list]\nformat = "html"\nurl = "{base}/list.html"\n'
        'rows = "xpath://ul/li[@"\n[list.fields]\nexternal_id = "xpath:./text()"\n',
        "utf-8",
    )
    done = run_cli(database_url, sources, instance_dir, "bad_xpath")
    assert done.returncode == 1
    out = done.stdout
    assert f"拒收 {base}/list.html：parse error: ValueError" in out
    assert "bad_xpath 采集失败：1 个页面或条目处理时程序出错" in out
