"""Crawl benchmark: a full crawl of the demo portal (board + mailbox + 12345 feed, ≥ 2,000 items)
into a fresh ledger, then an unchanged re-crawl, then a re-crawl after the portal answered some
messages. Prints a markdown table: items/s of the full crawl (wall time including process start,
routing and intake) and the pages each re-crawl fetched.

    .venv/bin/python benchmarks/crawl.py [--database-url URL] [--seed N] [--counts 900,500,700]

Without --database-url a temporary SQLite file is used (PostgreSQL: pass an empty database URL).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.pg_watch import PgWatch  # noqa: E402
from crawler.running.process import CrawlSummary, run_crawl  # noqa: E402
from demoportal.server import start_in_thread  # noqa: E402
from ledger.db import make_engine, make_session_factory  # noqa: E402
from ledger.office.catalogue import sync_departments  # noqa: E402
from ledger.schema import upgrade  # noqa: E402

# With two processes run_crawl deals the sources out in this order: the board (900 detail pages)
# alone, the mailbox (500 detail pages) with the 12345 feed (700 items from 8 JSON pages).
SOURCES = ["demo_mailbox", "demo_board", "demo_12345"]
PROCESSES = os.environ.get("HUIYING_CRAWL_PROCESSES", "2")  # this machine has 2 cores
LOAD = os.getloadavg()[0]


def prepare(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    with make_session_factory(engine).begin() as session:
        sync_departments(session, REPO / "data" / "departments.toml")
    engine.dispose()


CPU: dict[str, tuple[float, float]] = {}  # label -> (portal CPU s, crawler CPU s)


def _cpu() -> tuple[float, float]:
    """CPU seconds of this process (the portal's threads; this script waits) and of children."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


WATCH: dict[str, PgWatch] = {}  # label -> what PostgreSQL's own processes did meanwhile


def timed(label: str, **options: object) -> tuple[CrawlSummary, float]:
    url = str(options["database_url"])
    watch = PgWatch(url) if url.startswith("postgresql") else None
    if watch is not None:
        watch.start()
        WATCH[label] = watch
    cpu_before = _cpu()
    started = time.perf_counter()
    summary = run_crawl(SOURCES, **options)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    cpu_after = _cpu()
    if watch is not None:
        watch.stop()
        cpu_after = (cpu_after[0] - watch.own_cpu, cpu_after[1])  # the portal's, not the watcher's
    CPU[label] = (cpu_after[0] - cpu_before[0], cpu_after[1] - cpu_before[1])
    bad = [s.source for s in summary.sources if not s.ok]
    if bad:
        sys.exit(f"{label}: crawl of {bad} failed, see {summary.sources[0].log_path}")
    return summary, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--counts", default="900,500,700", help="board,mailbox,feed")
    args = parser.parse_args()
    board, mailbox, feed = (int(n) for n in args.counts.split(","))

    with tempfile.TemporaryDirectory(prefix="huiying-bench-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        prepare(url)
        portal = start_in_thread(
            seed=args.seed, counts={"board": board, "mailbox": mailbox, "feed": feed}, speed=0
        )
        env = {
            **os.environ,
            "HUIYING_DEMO_PORTAL_URL": portal.url,
            "HUIYING_INSTANCE_DIR": os.environ.get("HUIYING_INSTANCE_DIR", str(Path(tmp) / "inst")),
        }
        options = {
            "database_url": url,
            "env": env,
            "log_dir": Path(tmp) / "logs",
            "processes": int(PROCESSES),
        }
        try:
            # warm-up on another ledger: the first crawl of an instance may build the routing
            # model, which is not what this measures
            warm = f"sqlite:///{Path(tmp) / 'warm.db'}"
            prepare(warm)
            run_crawl(["demo_12345"], **{**options, "database_url": warm})  # type: ignore[arg-type]
            full, full_s = timed("full", **options)
            same, same_s = timed("unchanged", **options)
            replied = {
                name: len(portal.state.add_replies(name, 20)) for name in ("board", "mailbox")
            }
            after, after_s = timed("after replies", **options)
        finally:
            portal.stop()

    items = full.total("new")
    print(f"| crawl of the demo portal ({url.split(':')[0]}) | figure |")
    print("|---|---|")
    print(
        f"| full crawl: items | {items} ({', '.join(f'{s.source} {s.new}' for s in full.sources)}) |"
    )
    print(f"| full crawl: pages fetched | {full.total('pages')} |")
    refused = [r for s in full.sources for r in s.rejections]
    print(f"| full crawl: refused | {full.total('rejected')} {refused[:3] if refused else ''} |")
    print(f"| full crawl: wall time | {full_s:.1f} s |")
    print(f"| full crawl: items/s | {items / full_s:.1f} |")
    portal_cpu, crawler_cpu = CPU["full"]
    print(
        f"| full crawl: CPU of the portal / the crawler process | {portal_cpu:.1f} s "
        f"({portal_cpu / full_s:.0%} of one core) / {crawler_cpu:.1f} s |"
    )
    per_process = {}  # the sources crawled in one process report the same figure
    for s in full.sources:
        per_process.setdefault(s.process_cpu, []).append(s.source)
    print(
        "| full crawl: CPU of each crawler process (after the shared start-up) | "
        + ", ".join(f"{' + '.join(names)} {cpu:.1f} s" for cpu, names in per_process.items())
        + " |"
    )
    intake_cpu = sum(s.intake_cpu for s in full.sources)
    print(
        "| full crawl: crawler CPU in intake (writer threads) / the rest (Scrapy, parsing, start-up) | "
        f"{intake_cpu:.1f} s / {crawler_cpu - intake_cpu:.1f} s |"
    )
    print(f"| full crawl: items per CPU-second of the crawler | {items / crawler_cpu:.0f} |")
    print(
        "| full crawl: CPU per item, crawler + portal (load-independent figure) | "
        f"{1000 * (crawler_cpu + portal_cpu) / items:.1f} ms |"
    )
    if "full" in WATCH:
        for label, figure in WATCH["full"].report(full_s):
            print(f"| full crawl: {label} | {figure} |")
        print(
            "| full crawl: CPU per item, crawler + portal + PostgreSQL | "
            f"{1000 * (crawler_cpu + portal_cpu + WATCH['full'].backend_cpu) / items:.1f} ms |"
        )
    print(f"| crawler processes (HUIYING_CRAWL_PROCESSES) | {PROCESSES} |")
    print(f"| machine load average at the start (2 cores) | {LOAD:.1f} |")
    print(
        f"| unchanged re-crawl: pages fetched | {same.total('pages')} "
        f"({', '.join(f'{s.source} {s.pages}' for s in same.sources)}) |"
    )
    print(
        f"| unchanged re-crawl: new / updated | {same.total('new')} / {same.total('updated')} "
        f"({', '.join(f'{s.source} {s.new}/{s.updated}' for s in same.sources)}) |"
    )
    print(f"| unchanged re-crawl: wall time | {same_s:.1f} s |")
    print(
        f"| after {sum(replied.values())} replies: pages / updated | "
        f"{after.total('pages')} / {after.total('updated')} ({after_s:.1f} s) |"
    )


if __name__ == "__main__":
    main()
