"""`huiying crawl` (collect from the configured sources) and `huiying demo-portal` (serve the local
imitation of the three external systems)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

COLUMNS = ("来源", "页面", "新增", "更新", "未变", "拒收")


@click.command()
@click.option(
    "--source",
    "sources",
    multiple=True,
    help="只采集这些来源（data/sources/<名称>.toml），可重复。",
)
@click.option(
    "--sources-dir", type=click.Path(file_okay=False, path_type=Path), help="来源配置目录。"
)
@click.option("--database-url", envvar="HUIYING_DATABASE_URL", help="默认取 HUIYING_DATABASE_URL。")
@click.option(
    "--jobdir",
    type=click.Path(file_okay=False, path_type=Path),
    help="断点续采目录（Scrapy JOBDIR）。",
)
@click.option("--full", is_flag=True, help="全量采集：已知且未变的详情页也重新抓取。")
@click.option("--log-dir", type=click.Path(file_okay=False, path_type=Path), help="采集日志目录。")
@click.option(
    "--lock",
    type=click.Path(dir_okay=False, path_type=Path),
    help="锁文件（默认 实例目录/crawl.lock，与后台定时采集同一把锁）：另一进程正在采集时直接退出。",
)
def crawl(
    sources: tuple[str, ...],
    sources_dir: Path | None,
    database_url: str | None,
    jobdir: Path | None,
    full: bool,
    log_dir: Path | None,
    lock: Path | None,
) -> None:
    """采集留言板、领导信箱、12345 工单等来源，写入台账；采集在独立子进程中运行，各来源并行。"""
    from crawler.config.sources import SourceConfigError, default_sources_dir, list_sources
    from crawler.running.schedule import crawl_once_locked
    from ledger.settings import Settings

    settings = Settings.from_env()
    database_url = database_url or settings.database_url
    directory = sources_dir or default_sources_dir()
    known = list_sources(directory)
    unknown = [s for s in sources if s not in known]
    if unknown:
        raise click.ClickException(f"没有来源 {', '.join(unknown)}；可选：{', '.join(known)}")
    progress = _Progress()
    options: dict[str, Any] = {
        "sources": list(sources) or None,
        "database_url": database_url,
        "sources_dir": directory,
        "jobdir": jobdir,
        "log_dir": log_dir or settings.instance_dir / "logs",
        "settings": {"HUIYING_INCREMENTAL": False} if full else None,
        "progress": progress,
    }
    # Always take the lock: a second crawl must not clear the first one's JOBDIR queue.
    lock = lock or settings.instance_dir / "crawl.lock"
    try:
        result = crawl_once_locked(lock, **options)
    except SourceConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    progress.done()
    if result is None:
        click.echo(f"另一进程正在采集（{lock}），本次跳过。")
        return
    summary = result
    rows = [
        (s.source, s.pages, s.new, s.updated, s.unchanged + s.skipped, s.rejected)
        for s in summary.sources
    ]
    rows.append(
        (
            "合计",
            sum(r[1] for r in rows),
            sum(r[2] for r in rows),
            sum(r[3] for r in rows),
            sum(r[4] for r in rows),
            sum(r[5] for r in rows),
        )
    )
    click.echo(_table(rows))
    for s in summary.sources:
        if s.skipped:
            click.echo(f"{s.source}：{s.skipped} 条已知且未变，未重新抓取详情页")
        _explain_rejections(s)
        for failure in s.failures:
            click.secho(f"{s.source} 采集失败：{failure}，日志：{s.log_path}", fg="red")
    if not summary.ok:
        sys.exit(1)


SHOWN = 50  # refusals printed per source; the rest go to a file beside the log


def _explain_rejections(s: Any) -> None:
    """Every refused page or record: counts by reason, then URL and reason of each."""
    if not s.rejected:
        return
    from collections import Counter

    from crawler.rejects import reason_kind

    kinds = Counter(reason_kind(r["reason"]) for r in s.rejections)
    click.secho(
        f"{s.source} 拒收 {s.rejected} 条："
        + "，".join(f"{kind} {n}" for kind, n in kinds.most_common()),
        fg="yellow",
    )
    if s.conflicts:
        click.secho(
            f"{s.source}：{s.conflicts} 条编号重复且内容不同，保留了先收到的版本", fg="yellow"
        )
    for rejection in s.rejections[:SHOWN]:
        click.secho(f"  拒收 {rejection['url']}：{rejection['reason']}", fg="yellow")
    if len(s.rejections) > SHOWN and s.log_path:
        path = Path(s.log_path).with_name(f"rejections-{s.source}.tsv")
        lines = [f"{r['url']}\t{r['reason']}" for r in s.rejections]
        path.write_text("网址\t原因\n" + "\n".join(lines) + "\n", "utf-8")
        click.echo(f"  另有 {len(s.rejections) - SHOWN} 条，全部拒收清单：{path}")
    if s.rejected > len(s.rejections):
        click.echo(f"  超出清单上限的 {s.rejected - len(s.rejections)} 条见日志 {s.log_path}")


def _table(rows: list[tuple[Any, ...]]) -> str:
    lines = ["\t".join(COLUMNS)]
    lines += ["\t".join(str(v) for v in row) for row in rows]
    return "\n".join(lines)


class _Progress:
    """One status line per source, redrawn in place on a terminal."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last = ""

    def __call__(self, event: dict[str, Any]) -> None:
        line = (
            f"{event.get('source')}: 页面 {event.get('pages', 0)}  新增 {event.get('new', 0)}  "
            f"更新 {event.get('updated', 0)}  未变 {event.get('unchanged', 0) + event.get('skipped', 0)}  "
            f"拒收 {event.get('rejected', 0)}"
        )
        if self.tty:
            click.echo("\r" + line.ljust(len(self.last)), nl=False, err=True)
        elif event.get("event") == "closed":
            click.echo(line, err=True)
        self.last = line

    def done(self) -> None:
        if self.tty and self.last:
            click.echo(err=True)


@click.command("demo-portal")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=int)
@click.option(
    "--seed", default=2024, show_default=True, type=int, help="内容随机种子（结果可复现）。"
)
@click.option(
    "--speed",
    default=1.0,
    show_default=True,
    type=float,
    help="时钟速度：0 冻结（只由 /admin/advance 推进），1 实时，3600 即每秒一小时。",
)
def demo_portal(host: str, port: int, seed: int, speed: float) -> None:
    """在本机提供演示门户：网上留言板、厅长信箱（GBK）、12345 工单接口。"""
    from demoportal.server import serve_forever
    from demoportal.state import FEED_TOKEN

    base = f"http://{host}:{port}"
    click.echo(f"留言板      {base}/board/list")
    click.echo(f"厅长信箱    {base}/mailbox/index.html  (GBK)")
    click.echo(f"12345 工单  {base}/api/12345/orders  (Authorization: Bearer {FEED_TOKEN})")
    click.echo(
        f'管理        {base}/admin/state  POST /admin/advance {{"days": 3}}  POST /admin/reply'
    )
    click.echo(f"采集前设置  HUIYING_DEMO_PORTAL_URL={base}")
    try:
        serve_forever(host, port, seed=seed, speed=speed)
    except KeyboardInterrupt:
        pass
