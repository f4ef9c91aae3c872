"""Crawl sources in this process: `python -m crawler.run_source --source demo_board [--source …]`.

Twisted's reactor cannot restart, so crawler.process starts one of these per crawl; the sources
given run side by side in it, each with its own Scrapy settings: crawler.settings (environment
variables), then the source's [politeness] table, then --set KEY=VALUE overrides, and
JOBDIR=<--jobdir>/<slug>. Each source's stats go to <--summary-dir>/<slug>.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from crawler.distributed import redis_url, use_redis
from crawler.sources import SourceConfig, load_source
from crawler.spiders.source import SourceSpider
from ledger.masking import mask_logs

POLITENESS = {
    "download_delay": "DOWNLOAD_DELAY",
    "autothrottle_start_delay": "AUTOTHROTTLE_START_DELAY",
    "autothrottle_target": "AUTOTHROTTLE_TARGET_CONCURRENCY",
    "concurrency": "CONCURRENT_REQUESTS_PER_DOMAIN",
    "timeout": "DOWNLOAD_TIMEOUT",
    "autothrottle": "AUTOTHROTTLE_ENABLED",
}


def crawl_settings(
    config: SourceConfig | None = None,
    overrides: dict[str, str] | None = None,
    jobdir: Path | None = None,
) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    for key, name in POLITENESS.items():
        if config is not None and key in config.politeness:
            settings.set(name, config.politeness[key], priority="spider")
    if config is not None and "concurrency" in config.politeness:  # the overall cap follows
        overall = max(settings.getint("CONCURRENT_REQUESTS"), int(config.politeness["concurrency"]))
        settings.set("CONCURRENT_REQUESTS", overall, priority="spider")
    if config is not None and config.session is not None and config.session.cookies:
        settings.set("COOKIES_ENABLED", True, priority="spider")  # the session cookie is needed
    for name, value in (overrides or {}).items():
        settings.set(name, _coerce(value), priority="cmdline")
    url = redis_url(config, overrides)
    if url:  # several crawler processes share one queue and duplicate filter (scrapy-redis)
        use_redis(settings, url)
    elif jobdir is not None and config is not None:
        settings.set("JOBDIR", str(jobdir / config.slug), priority="cmdline")
    return settings


RUNNING = "huiying.running"
logger = logging.getLogger("huiying.crawler")


def claim_jobdir(jobdir: Path, slug: str) -> Path:
    """Mark jobdir/<slug> as in use. Scrapy keeps a consistent queue there only when it stops
    cleanly (finished, or paused with one Ctrl-C/SIGTERM); a crawl that was killed leaves a broken
    queue, so it is discarded: the ledger knows what was stored, and the list pages are walked
    again."""
    folder = jobdir / slug
    if (folder / RUNNING).exists():
        logger.warning("the last crawl of %s did not stop cleanly: discarding %s", slug, folder)
        shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / RUNNING).touch()
    return folder


def _coerce(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", action="append", required=True)
    parser.add_argument("--sources-dir")
    parser.add_argument("--summary-dir", help="write each source's stats here (<slug>.json)")
    parser.add_argument("--jobdir", help="resumable state, one folder per source")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    sources_dir = Path(args.sources_dir) if args.sources_dir else None
    jobdir_base = args.jobdir or os.environ.get("HUIYING_JOBDIR")
    jobdir = Path(jobdir_base) if jobdir_base else None
    overrides = dict(item.split("=", 1) for item in args.set)
    configs = [load_source(name, sources_dir) for name in args.source]
    process = CrawlerProcess(crawl_settings(None, overrides))
    mask_logs()  # items and errors Scrapy logs carry crawled text
    # Scrapy filters levels only in its root handler: without a level on its loggers, every DEBUG
    # record ("Crawled …", "Scraped from …" with the whole item) is still built and masked, then
    # dropped — about a tenth of a crawl's CPU.
    logging.getLogger("scrapy").setLevel(process.settings.get("LOG_LEVEL") or "DEBUG")
    claimed = [claim_jobdir(jobdir, c.slug) for c in configs] if jobdir else []
    crawlers = {}
    for index, config in enumerate(configs):
        settings = crawl_settings(config, overrides, jobdir)
        # the first crawler installs the reactor (what CrawlerProcess.create_crawler would do)
        crawler = Crawler(SourceSpider, settings, init_reactor=index == 0)
        process.crawl(crawler, source=config.slug, sources_dir=args.sources_dir)
        crawlers[config.slug] = crawler
    process.start()
    for folder in claimed:  # stopped cleanly (finished or paused): the queue can be resumed
        (folder / RUNNING).unlink(missing_ok=True)
    finished = True
    for slug, crawler in crawlers.items():
        stats = crawler.stats.get_stats() if crawler.stats else {}
        finished = finished and stats.get("finish_reason") == "finished"
        if args.summary_dir:
            path = Path(args.summary_dir) / f"{slug}.json"
            path.write_text(json.dumps(stats, ensure_ascii=False, default=str), "utf-8")
    return 0 if finished else 1


if __name__ == "__main__":
    sys.exit(main())
