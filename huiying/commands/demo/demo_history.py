"""`huiying demo-history`: play the crawled demo year through the workflow, so the demo looks like
a working office (answered, late, 回退, a live queue, a few 黄牌/红牌). `huiying run` calls it."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from ledger.db import make_engine, make_session_factory
from ledger.demo.history import play_history
from ledger.settings import Settings
from ledger.workflow.guards import Clock


@click.command("demo-history")
@click.option(
    "--seed", default=2024, show_default=True, type=int, help="随机种子（同一数据同一结果）。"
)
def demo_history(seed: int) -> None:
    """把演示门户采集到的事项按本系统的办理流程补上历史（分办、起草、审核、答复、回退）。"""
    settings = Settings.from_env()
    clock = Clock.from_data_dir(settings.data_dir)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine).begin() as session:
            report = play_history(session, clock, datetime.now(UTC), seed=seed)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.dispose()
    total = sum(report.outcomes.values())
    click.echo(f"演示历史：处理在办事项 {total} 条，新建处室同事账号 {report.colleagues} 个")
    for line in report.lines():
        click.echo(f"  {line}")
