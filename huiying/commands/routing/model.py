"""`huiying model show | retrain | rollback`: the routing model that intake uses.

`retrain --if-due` is what `huiying serve`/`run` run in the background: it retrains only after
HUIYING_RETRAIN_EVERY (default 50) new confirmed routes and switches only if the new model is not
worse on held-out confirmed routes (ledger/model_updates.py). `rollback` restores the model that
was current before the last switch.
"""

from __future__ import annotations

import json
import os

import click

from ledger.settings import Settings


def retrain_every(env: dict[str, str] | os._Environ[str] | None = None) -> int:
    raw = (env if env is not None else os.environ).get("HUIYING_RETRAIN_EVERY", "50")
    try:
        every = int(raw)
    except ValueError as exc:
        raise click.ClickException(f"HUIYING_RETRAIN_EVERY 应为正整数，现在是 {raw!r}") from exc
    if every < 1:
        raise click.ClickException(f"HUIYING_RETRAIN_EVERY 应为正整数，现在是 {raw!r}")
    return every


@click.group("model")
def model() -> None:
    """分办模型：查看、按需重新训练、回滚。"""


@model.command("show")
def show() -> None:
    """显示当前分办模型的说明卡与最近的更新记录。"""
    from ledger.intake.model.model_store import overview

    settings = Settings.from_env()
    seen = overview(settings, log_entries=5)
    if seen.current is None:
        raise click.ClickException(f"还没有分办模型：{settings.model_path}。请运行 huiying train。")
    data = seen.current
    click.echo(
        f"当前模型：{settings.model_path}（训练于 {data['created_at']}，{data['n_examples']} 条样本）"
    )
    for key, value in data["metrics"].items():
        click.echo(f"  {key}: {value}")
    click.echo(f"可回滚的旧模型：{seen.kept} 个")
    for entry in seen.log:
        click.echo(f"  {json.dumps(entry, ensure_ascii=False)}")


@model.command("retrain")
@click.option(
    "--if-due", is_flag=True, help="只在新增确认分办达到 HUIYING_RETRAIN_EVERY 条时训练。"
)
def retrain(if_due: bool) -> None:
    """用台账中人工确认的分办训练候选模型；不比当前模型差才切换。"""
    from classifier.words.text import quiet_jieba
    from ledger.db import make_engine, make_session_factory
    from ledger.intake.model.model_updates import retrain_if_due

    quiet_jieba()
    settings = Settings.from_env()
    every = retrain_every() if if_due else 1
    engine = make_engine(settings.database_url)
    try:
        with _update_lock(settings), make_session_factory(engine)() as session:
            outcome = retrain_if_due(session, settings, every=every, progress=click.echo)
    finally:
        engine.dispose()
    click.echo(outcome.summary())


def _update_lock(settings: Settings):
    """One model change at a time: a second retrain or rollback stops with a clear message."""
    from ledger.intake.model.model_store import ModelBusy, update_lock

    try:
        return update_lock(settings)
    except ModelBusy as exc:
        raise click.ClickException(str(exc)) from exc


@model.command("rollback")
@click.option("--by", "by", default=None, help="操作人（默认：当前操作系统用户）。")
def rollback(by: str | None) -> None:
    """回滚到上一次切换之前的分办模型（操作人记入更新记录与审计）。"""
    from datetime import UTC, datetime

    from ledger.db import make_engine, make_session_factory
    from ledger.intake.model.model_updates import rollback_recorded
    from ledger.workflow.guards import WorkflowError

    actor = (by or _os_user()).strip()
    if not actor:
        raise click.ClickException("操作人不能为空：请用 --by 指明。")
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    try:
        # the event commits only if the rollback happened (a refusal raises before it is added)
        with make_session_factory(engine).begin() as session:
            card = rollback_recorded(
                session, actor, settings, datetime.now(UTC), note="huiying model rollback（命令行）"
            )
    except WorkflowError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.dispose()
    click.echo(
        f"已回滚：当前分办模型训练于 {card.created_at}（{card.n_examples} 条样本），操作人 {actor}。"
    )


def _os_user() -> str:
    """Who runs the command, as the OS knows them (as `whoami`)."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError) as exc:  # no login name and no passwd entry for the uid
        raise click.ClickException("无法确定操作系统用户：请用 --by 指明操作人。") from exc
