"""The crawl log in the ledger: each crawl of a source is one CrawlRun row, and the source's
last_crawled_at moves with it. `huiying crawl` and the background crawl both record through
`record_crawl`; the admin page reads `latest_runs` and explains a failure with `advice`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ledger.models import CrawlOutcome, CrawlRun, Source

REFUSALS_KEPT = 10  # the first refusals (URL and reason) kept per run; all are in the crawl log
# Runs kept per source (HUIYING_CRAWL_RUNS_KEPT): a crawl every 30 minutes adds 48 a day per
# source, and only the latest ones are ever shown; older rows are deleted as new ones come.
RUNS_KEPT = 500


@dataclass
class CrawlFigures:
    """One source's crawl as the crawler reports it (crawler.running.process.SourceSummary)."""

    slug: str
    name: str
    channel: str
    started_at: datetime
    finished_at: datetime
    pages: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: int = 0
    failures: list[str] = field(default_factory=list)
    refusals: list[dict[str, Any]] = field(default_factory=list)
    log_path: str | None = None

    @property
    def outcome(self) -> CrawlOutcome:
        if self.failures and self.new + self.updated + self.unchanged == 0:
            return CrawlOutcome.FAILED
        if self.failures or self.refused:
            return CrawlOutcome.PARTIAL
        return CrawlOutcome.OK


def record_crawl(session: Session, figures: CrawlFigures, *, keep: int = RUNS_KEPT) -> CrawlRun:
    """Store one source's crawl; a source that never delivered an item gets its row here. Only
    the source's latest `keep` runs stay (this one among them)."""
    source = session.scalar(select(Source).where(Source.slug == figures.slug))
    if source is None:
        source = Source(slug=figures.slug, name=figures.name[:120], channel=figures.channel[:20])
        session.add(source)
    elif source.name == source.slug and figures.name != figures.slug:  # intake knew no name
        source.name = figures.name[:120]
    source.last_crawled_at = figures.finished_at
    run = CrawlRun(
        source=source,
        started_at=figures.started_at,
        finished_at=figures.finished_at,
        outcome=figures.outcome.value,
        pages=figures.pages,
        new=figures.new,
        updated=figures.updated,
        unchanged=figures.unchanged,
        refused=figures.refused,
        failures=list(figures.failures),
        refusals=[
            {"url": str(r.get("url", ""))[:500], "reason": str(r.get("reason", ""))[:500]}
            for r in figures.refusals[:REFUSALS_KEPT]
        ],
        log_path=figures.log_path,
    )
    session.add(run)
    session.flush()
    prune_runs(session, source.id, keep)
    return run


def prune_runs(session: Session, source_id: int, keep: int) -> int:
    """Delete the source's runs older than its latest `keep` (at least one is kept); returns how
    many went."""
    oldest_kept = session.scalar(
        select(CrawlRun.id)
        .where(CrawlRun.source_id == source_id)
        .order_by(CrawlRun.id.desc())
        .offset(max(1, keep) - 1)
        .limit(1)
    )
    if oldest_kept is None:
        return 0
    result = session.execute(
        delete(CrawlRun).where(CrawlRun.source_id == source_id, CrawlRun.id < oldest_kept)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def latest_runs(session: Session) -> dict[int, CrawlRun]:
    """source id → its most recent crawl."""
    newest = select(func.max(CrawlRun.id)).group_by(CrawlRun.source_id).scalar_subquery()
    runs = session.scalars(select(CrawlRun).where(CrawlRun.id.in_(newest))).all()
    return {run.source_id: run for run in runs}


def advice(run: CrawlRun) -> str:
    """What an administrator should do about a crawl that did not succeed (empty: nothing)."""
    if run.outcome == CrawlOutcome.OK:
        return ""
    text = " ".join(run.failures) + " " + " ".join(r["reason"] for r in run.refusals)
    steps = []
    if "未正常结束" in text or "crashed" in text:
        steps.append("采集进程异常结束：查看采集日志中的报错")
    unreachable = "HTTP" in text or "timeout" in text.lower() or "没有采到任何条目" in text
    if unreachable:
        steps.append("在浏览器中打开来源地址，确认网站可访问、未要求登录或更换地址")
    if "程序出错" in text or "broken page" in text or ("翻页中断" in text and not unreachable):
        steps.append(
            "页面结构可能已改版：对照网页修改来源配置中的选择器（本页可编辑），下次采集生效"
        )
    if "valid gb" in text or "encoding" in text:
        steps.append("网页编码与声明不符：在来源配置中设置 encoding")
    if not steps:
        steps.append("查看下方拒收原因和采集日志")
    where = f"；日志：{run.log_path}" if run.log_path else ""
    tail = "。修正后可等待下次定时采集，或运行 huiying crawl --source " + run.source.slug
    return "；".join(steps) + where + tail
