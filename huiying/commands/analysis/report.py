"""`huiying report --month 2026-10 --out 2026-10.docx`: the month's Word report and its Excel tables."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from ledger.db import make_engine, make_session_factory
from ledger.settings import Settings


@click.command()
@click.option("--month", required=True, help="月份，YYYY-MM（北京时间）")
@click.option(
    "--out", "out_path", required=True, type=click.Path(path_type=Path), help="输出 .docx"
)
def report(month: str, out_path: Path) -> None:
    """生成月度分析报告（Word），并在旁边写出同名 Excel 表格。"""
    from analysis.monthly.month import analyse_month, parse_month
    from analysis.monthly.report import write_docx, write_xlsx
    from classifier.words.text import quiet_jieba

    quiet_jieba()
    try:
        first = parse_month(month)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from exc
    if out_path.suffix.lower() != ".docx":
        raise click.BadParameter("输出文件应以 .docx 结尾", param_hint="--out")
    now = datetime.now(UTC)
    engine = make_engine(Settings.from_env().database_url)
    try:
        with make_session_factory(engine)() as session:
            click.echo(f"分析 {month} 的事项……", err=True)
            analysis = analyse_month(session, None, first, now=now)
    finally:
        engine.dispose()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    xlsx = out_path.with_suffix(".xlsx")
    write_docx(analysis, out_path, generated_at=now)
    write_xlsx(analysis, xlsx)
    click.echo(
        f"{month}：收到 {analysis.total} 条，热点话题 {len(analysis.topics)} 个，"
        f"公开建议 {len(analysis.candidates)} 条，超期 {len(analysis.overdue)} 件。"
        f"已写出 {out_path} 与 {xlsx}。"
    )
