"""`huiying hot-topics`: topic discovery and hotness on any CSV (the department's history, benchmarks)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from huiying.commands.analysis.csv_reading import read_or_fail


@click.command("hot-topics")
@click.option(
    "--data", "data_path", required=True, type=click.Path(path_type=Path), help="CSV 文件"
)
@click.option("--id-col", required=True, help="编号列")
@click.option(
    "--text-col", "text_cols", required=True, multiple=True, help="文本列（可多次；第一列作标题）"
)
@click.option("--likes-col", default=None, help="点赞/附议数列")
@click.option("--user-col", default=None, help="发送人列")
@click.option("--time-col", default=None, help="时间列（无时区按北京时间）")
@click.option("--top", default=10, show_default=True, type=click.IntRange(min=1), help="输出前几名")
@click.option("--out", "out_path", required=True, type=click.Path(path_type=Path), help="输出 JSON")
def hot_topics(
    data_path: Path,
    id_col: str,
    text_cols: tuple[str, ...],
    likes_col: str | None,
    user_col: str | None,
    time_col: str | None,
    top: int,
    out_path: Path,
) -> None:
    """发现热点话题并按热度排序，写出 JSON，打印排行表。"""
    from analysis.csv_input import CsvColumns
    from analysis.topics.discovery import discover
    from analysis.topics.hotness import FORMULA, rank_topics
    from classifier.words.userdict import quiet_jieba

    quiet_jieba()
    started = time.perf_counter()
    cols = CsvColumns(
        id=id_col, text=list(text_cols), likes=likes_col, user=user_col, time=time_col
    )
    read = read_or_fail(data_path, cols)

    def progress(message: str) -> None:
        click.echo(f"[{time.perf_counter() - started:6.1f}s] {message}", err=True)

    clusters = discover(read.messages, progress=progress)
    topics = rank_topics(read.messages, clusters)[:top]
    payload = {
        "source": str(data_path),
        "rows": read.rows,
        "used": len(read.messages),
        "skipped": len(read.skipped),
        "hotness_formula": FORMULA,
        "topics": [t.as_json() for t in topics],
    }
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    _print_table(topics)
    click.echo(
        f"共 {len(read.messages)} 条（跳过 {len(read.skipped)} 行），"
        f"输出前 {len(topics)} 个话题到 {out_path}，用时 {time.perf_counter() - started:.1f} 秒。"
    )
    if not topics:
        click.echo("没有发现至少 2 条留言构成的话题。", err=True)
        sys.exit(1)


def _print_table(topics: list) -> None:
    click.echo(
        "排名  热度   条数  发送人  点赞   时间跨度                 地点/机构            关键词"
    )
    for t in topics:
        span = f"{t.start:%Y-%m-%d}～{t.end:%Y-%m-%d}" if t.start and t.end else "—"
        places = "、".join(t.places) or "—"
        click.echo(
            f"{t.rank:>3}  {t.hotness:5.1f}  {t.size:>4}  {t.senders:>5}  {t.likes:>5}  {span:<23}  "
            f"{places[:18]:<18}  {'、'.join(t.keywords[:5])}"
        )
