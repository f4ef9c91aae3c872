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
    from crawler.schedule import crawl_once_locked
    from crawler.sources import SourceConfigError, default_sources_dir, list_sources
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
        for rejection in s.rejections[:10]:
            click.secho(f"{s.source} 拒收 {rejection['url']}：{rejection['reason']}", fg="yellow")
        if s.rejected > 10:
            click.echo(f"{s.source}：另有 {s.rejected - 10} 条拒收，见日志 {s.log_path}")
        if s.errors:
            click.secho(f"{s.source}：{s.errors} 个页面解析出错，见日志 {s.log_path}", fg="red")
        if not s.ok:
            click.secho(f"{s.source} 未正常结束（{s.finish_reason}），日志：{s.log_path}", fg="red")
    if not summary.ok:
        sys.exit(1)


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
