"""Crawl sources in this process: `python -m crawler.running.run_source --source demo_board [--source …]`.

Twisted's reactor cannot restart, so crawler.running.process starts one of these per crawl; the sources
given run side by side in it, each with its own Scrapy settings: crawler.settings (environment
variables), then the source's [politeness] table, then --set KEY=VALUE overrides, and
JOBDIR=<--jobdir>/<slug>. Each source's stats go to <--summary-dir>/<slug>.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import resource
import shutil
import signal
import sys
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from crawler.config.sources import SourceConfig, load_source
from crawler.running.distributed import redis_url, use_redis
from crawler.spiders.source import SourceSpider
from ledger.masking import mask_logs
from ledger.processes import die_with_parent

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
    parser.add_argument(
        "--fork",
        action="append",
        default=[],
        metavar="SLUG[,SLUG…]",
        help="another group of sources, crawled in a forked child process that shares this "
        "process's start-up (imports, routing model)",
    )
    parser.add_argument("--sources-dir")
    parser.add_argument("--summary-dir", help="write each source's stats here (<slug>.json)")
    parser.add_argument("--jobdir", help="resumable state, one folder per source")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    groups = [args.source, *(group.split(",") for group in args.fork)]
    sources_dir = Path(args.sources_dir) if args.sources_dir else None
    for group in groups:  # a broken source file fails here, before anything is crawled
        for name in group:
            load_source(name, sources_dir)
    overrides = dict(item.split("=", 1) for item in args.set)
    children: list[int] = []
    if len(groups) > 1 and hasattr(os, "fork"):
        _preload(overrides)
        for group in groups[1:]:
            pid = _fork_crawl(group, args, overrides)
            if pid:
                children.append(pid)
    else:  # no fork (not POSIX): every group side by side in this process
        groups = [[name for group in groups for name in group]]
    code = _crawl(groups[0], args, overrides, children)
    for pid in children:
        _, status = os.waitpid(pid, 0)
        code = code or (1 if os.waitstatus_to_exitcode(status) else 0)
    return code


def _preload(overrides: dict[str, str]) -> None:
    """Import what every crawl imports and load the intake context (the routing model) once,
    before forking: each process of a crawl paid about 2.7 CPU-seconds for this, a quarter of
    the demo crawl's CPU (scikit-learn alone imports scipy.stats)."""
    from scrapy.utils.misc import load_object

    import ledger.intake.batch  # noqa: F401  (the writer thread's imports)
    from crawler.pipelines import intake_context

    settings = crawl_settings(None, overrides)
    components = [settings.getdict("DOWNLOAD_HANDLERS_BASE").get("http")]  # scheme -> path
    for name in (  # path -> order (None: disabled)
        "DOWNLOADER_MIDDLEWARES_BASE",
        "SPIDER_MIDDLEWARES_BASE",
        "EXTENSIONS_BASE",
        "ITEM_PIPELINES",
        "EXTENSIONS",
    ):
        components += [path for path, order in settings.getdict(name).items() if order is not None]
    for path in components:
        if isinstance(path, str):  # the crawls import them again anyway (a failure shows there)
            with contextlib.suppress(Exception):
                load_object(path)
    url = settings.get("HUIYING_DATABASE_URL")
    if url:
        intake_context(url, settings.get("HUIYING_DATA_DIR"))


def _fork_crawl(group: list[str], args: argparse.Namespace, overrides: dict[str, str]) -> int:
    """Crawl `group` in a forked child; returns its pid. The child dies with this process (a
    killed crawl is killed whole) and exits with the crawl's code."""
    sys.stdout.flush()
    sys.stderr.flush()
    parent = os.getpid()
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        die_with_parent(parent)
        code = _crawl(group, args, overrides, [])
    except BaseException:
        logger.exception("crawl of %s failed", ", ".join(group))
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        logging.shutdown()
        os._exit(code)


class _Process(CrawlerProcess):
    """Forwards a SIGTERM to the forked children (Ctrl-C reaches the whole process group by
    itself; a forwarded SIGINT would count as a second one there and kill them)."""

    children: list[int] = []

    def _signal_shutdown(self, signum: int, _: Any) -> None:
        if signum == signal.SIGTERM:
            for pid in self.children:
                try:
                    os.kill(pid, signal.SIGTERM)
                except OSError:
                    pass
        super()._signal_shutdown(signum, _)


def _crawl(
    group: list[str], args: argparse.Namespace, overrides: dict[str, str], children: list[int]
) -> int:
    """Crawl the sources of `group` side by side in this process; 0 when every one finished."""
    sources_dir = Path(args.sources_dir) if args.sources_dir else None
    jobdir_base = args.jobdir or os.environ.get("HUIYING_JOBDIR")
    jobdir = Path(jobdir_base) if jobdir_base else None
    configs = [load_source(name, sources_dir) for name in group]
    process = _Process(crawl_settings(None, overrides))
    process.children = children
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
    finished = all(
        (crawler.stats.get_stats() if crawler.stats else {}).get("finish_reason") == "finished"
        for crawler in crawlers.values()
    )
    code = 0 if finished else 1
    # once for all its sources: read per source, they differed by the time taken to write the
    # files, and the benchmark's per-process figures split one process in two
    usage = resource.getrusage(resource.RUSAGE_SELF)  # this process's, not the forks'
    for slug, crawler in crawlers.items():
        stats = crawler.stats.get_stats() if crawler.stats else {}
        if args.summary_dir:
            # the exit code of the process that crawled it: forked groups share one parent's
            stats = {
                **stats,
                "huiying/exit_code": code,
                "huiying/process_cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
            }
            path = Path(args.summary_dir) / f"{slug}.json"
            path.write_text(json.dumps(stats, ensure_ascii=False, default=str), "utf-8")
    return code


if __name__ == "__main__":
    sys.exit(main())
