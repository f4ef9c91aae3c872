"""`huiying route`: refresh routing suggestions of items waiting for triage with the current model."""

from __future__ import annotations

import click

from ledger.db import make_engine, make_session_factory
from ledger.intake.model.rerouting import reroute_waiting
from ledger.intake.pipeline import IntakeContext
from ledger.settings import Settings


@click.command()
def route() -> None:
    """用当前分办模型为“待分办”事项重新给出建议（模型重新训练后运行）。"""
    from classifier.words.text import quiet_jieba

    quiet_jieba()
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine).begin() as session:
            ctx = IntakeContext.load(session, settings)
            with click.progressbar(length=1, label="重新分办", show_pos=True) as bar:

                def tick(n: int, total: int) -> None:
                    bar.length = max(total, 1)
                    bar.update(1)

                summary = reroute_waiting(session, ctx.router, ctx.department_ids, progress=tick)
    finally:
        engine.dispose()
    click.echo(
        f"待分办 {summary.examined} 条：建议有变化 {summary.changed} 条，"
        f"其中达到阈值自动分办 {summary.auto_routed} 条。"
    )
