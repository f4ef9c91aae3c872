"""Scrapy settings for huiying's crawler. Values come from environment variables (HUIYING_*), so the
CLI, the tests and `huiying run` configure crawls the same way; a source file's [politeness] table
may loosen or tighten them per source (see crawler.running.process)."""

from __future__ import annotations

import os


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


BOT_NAME = "huiying"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
USER_AGENT = _env("HUIYING_USER_AGENT", "huiying-crawler/0.1 (+政务留言台账; contact: 办公室)")

ROBOTSTXT_OBEY = _env("HUIYING_ROBOTSTXT_OBEY", "1") == "1"
CONCURRENT_REQUESTS = int(_env("HUIYING_CRAWL_CONCURRENCY", "8"))
CONCURRENT_REQUESTS_PER_DOMAIN = int(_env("HUIYING_CRAWL_CONCURRENCY_PER_DOMAIN", "4"))
DOWNLOAD_DELAY = float(_env("HUIYING_CRAWL_DELAY", "1.0"))
DOWNLOAD_TIMEOUT = float(_env("HUIYING_CRAWL_TIMEOUT", "30"))

AUTOTHROTTLE_ENABLED = _env("HUIYING_AUTOTHROTTLE", "1") == "1"
AUTOTHROTTLE_START_DELAY = float(_env("HUIYING_AUTOTHROTTLE_START_DELAY", "2.0"))
AUTOTHROTTLE_MAX_DELAY = float(_env("HUIYING_AUTOTHROTTLE_MAX_DELAY", "30"))
AUTOTHROTTLE_TARGET_CONCURRENCY = float(_env("HUIYING_AUTOTHROTTLE_TARGET", "2.0"))

# Scrapy starts CONCURRENT_ITEMS asyncio tasks for the output of every response; our pipelines are
# synchronous (intake runs on its own thread), so Scrapy's 100 only cost CPU (~10% of a crawl).
CONCURRENT_ITEMS = int(_env("HUIYING_CONCURRENT_ITEMS", "4"))
# The check parses a callback's source with `ast` on every response (its cache is keyed by the
# bound method, new each time); our callbacks are tested instead.
WARN_ON_GENERATOR_RETURN_VALUE = False

RETRY_ENABLED = True
RETRY_TIMES = int(_env("HUIYING_CRAWL_RETRIES", "3"))
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

# JOBDIR is set per source by crawler.running.run_source: <HUIYING_JOBDIR or --jobdir>/<slug>
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # no control port opened by crawls
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = _env("HUIYING_CRAWL_LOG_LEVEL", "INFO")

# read by the intake pipeline and the spider (known items for incremental crawls)
HUIYING_DATABASE_URL = os.environ.get("HUIYING_DATABASE_URL")
HUIYING_DATA_DIR = os.environ.get("HUIYING_DATA_DIR")
HUIYING_SOURCES_DIR = os.environ.get("HUIYING_SOURCES_DIR")
HUIYING_INCREMENTAL = _env("HUIYING_INCREMENTAL", "1") == "1"
HUIYING_TIMEZONE = "Asia/Shanghai"

ITEM_PIPELINES = {
    "crawler.pipelines.NormalisePipeline": 100,
    "crawler.pipelines.ValidatePipeline": 200,
    "crawler.pipelines.MaskPipeline": 300,
    "crawler.pipelines.IntakePipeline": 900,
}
# Spider middlewares wrap every callback's output in one more async generator each. Depth is never
# limited nor read here (DEPTH_LIMIT 0), and the meta-copy check only warns about a spider bug our
# spider tests would catch: both off.
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}
EXTENSIONS = {
    "crawler.running.progress.ProgressReporter": 500,
    "crawler.rejects.ErrorsAsRejections": 510,
}
HUIYING_PROGRESS_INTERVAL = float(_env("HUIYING_PROGRESS_INTERVAL", "1.0"))
HUIYING_PROGRESS = _env("HUIYING_PROGRESS", "0") == "1"
