"""`huiying sources check FILE`: a trial crawl of one list page and one detail page that stores
nothing and shows what each field extracted (HUIYING_CHECK_OUTPUT: a JSON-lines file)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

CHECK_PIPELINES = {
    "crawler.pipelines.NormalisePipeline": 100,
    "crawler.config.check.ShowPipeline": 900,
}


class ShowPipeline:
    """Writes each item's fields (after normalisation) instead of storing it."""

    def __init__(self, crawler: Crawler, path: str):
        self.crawler = crawler
        self.path = path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ShowPipeline:
        return cls(crawler, crawler.settings.get("HUIYING_CHECK_OUTPUT"))

    def process_item(self, item: Any) -> Any:
        values = {
            k: v.isoformat() if isinstance(v, datetime) else v
            for k, v in ItemAdapter(item).asdict().items()
        }
        with open(self.path, "a", encoding="utf-8") as out:
            out.write(json.dumps(values, ensure_ascii=False, default=str) + "\n")
        return item
