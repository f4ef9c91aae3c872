"""Record a finished crawl in the ledger (ledger.crawl_log): one row per source with when it ran,
its outcome, counts and first refusals, which the admin page shows."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from crawler.config.sources import SourceConfigError, load_source
from crawler.running.process import CrawlSummary, SourceSummary
from ledger.crawl_log import RUNS_KEPT, CrawlFigures, record_crawl
from ledger.db import make_engine, make_session_factory
from ledger.intake.pipeline import CHANNEL_BY_TYPE
from ledger.settings import Settings

logger = logging.getLogger("huiying.crawler")


def figures(
    summary: SourceSummary,
    started_at: datetime,
    finished_at: datetime,
    sources_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> CrawlFigures:
    name, channel = summary.source, "采集"
    try:
        config = load_source(summary.source, sources_dir, env)
        name, channel = config.name, CHANNEL_BY_TYPE.get(config.item_type, config.item_type)
    except SourceConfigError:  # the file changed since the crawl began: the slug still names it
        pass
    return CrawlFigures(
        slug=summary.source,
        name=name,
        channel=channel,
        started_at=started_at,
        finished_at=finished_at,
        pages=summary.pages,
        new=summary.new,
        updated=summary.updated,
        unchanged=summary.unchanged + summary.skipped,
        refused=summary.rejected,
        failures=summary.failures,
        refusals=summary.rejections,
        log_path=summary.log_path,
    )


def record_summary(
    summary: CrawlSummary,
    started_at: datetime,
    finished_at: datetime,
    *,
    database_url: str | None = None,
    sources_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> None:
    environ = os.environ if env is None else env
    url = database_url or Settings.from_env(environ).database_url
    keep = int(environ.get("HUIYING_CRAWL_RUNS_KEPT") or RUNS_KEPT)
    engine = make_engine(url)
    try:
        with make_session_factory(engine).begin() as session:
            for source in summary.sources:
                record_crawl(
                    session,
                    figures(source, started_at, finished_at, sources_dir, env),
                    keep=keep,
                )
    finally:
        engine.dispose()
