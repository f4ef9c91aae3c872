"""`huiying demo-data --items N`: fill the database with N realistic items over several years."""

from __future__ import annotations

import tomllib

import click

from ledger.db import make_engine
from ledger.demo.bulk import generate
from ledger.demo.rows import Corpus
from ledger.settings import Settings


@click.command("demo-data")
@click.option("--items", type=click.IntRange(1, 20_000_000), required=True, help="新增事项条数。")
@click.option("--years", type=click.FloatRange(0.1, 20), default=4.0, show_default=True,
              help="收到时间分布在最近几年。")  # fmt: skip
@click.option("--seed", type=int, default=14, show_default=True, help="随机种子（可复现）。")
def demo_data(items: int, years: float, seed: int) -> None:
    """批量生成演示台账（PostgreSQL 用 COPY，SQLite 用 executemany），用于压测与查询计划。

    先运行 huiying init-db --demo（处室目录与演示账号）。正文由 data/demo 的演示模板重新组合。
    """
    settings = Settings.from_env()
    demo_dir = settings.data_dir / "demo"
    corpus = Corpus(
        topics=tomllib.loads((demo_dir / "topics.toml").read_text("utf-8"))["topic"],
        slots=tomllib.loads((demo_dir / "slots.toml").read_text("utf-8")),
    )
    engine = make_engine(settings.database_url)
    step = max(items // 20, 1)

    def progress(done: int, total: int) -> None:
        if done % step < 20_000 or done == total:
            click.echo(f"  {done:>10,} / {total:,} 条", err=True)

    click.echo(f"数据库：{engine.url.render_as_string(hide_password=True)}")
    try:
        summary = generate(engine, corpus, items=items, years=years, seed=seed, progress=progress)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.dispose()
    names = {
        "item": "事项", "routing_decision": "分办记录", "reply": "答复",
        "reply_revision": "答复修改记录", "clock_adjustment": "计时调整（暂停/恢复/延期）",
        "event": "操作记录", "notice": "站内通知",
    }  # fmt: skip
    for table, count in summary.counts.items():
        click.echo(f"{names.get(table, table)}：{count:,}")
    rate = summary.counts["item"] / summary.seconds if summary.seconds else 0
    click.echo(f"用时 {summary.seconds:.1f} 秒（{rate:,.0f} 条事项/秒）")
