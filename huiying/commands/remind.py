"""`huiying remind`: send due 催办 and 督办 once (in-app notices, and e-mail when SMTP is configured),
and mark 依申请公开 applications whose 补正 date has passed as 视为撤回.

`huiying serve`/`run` run it in the background (HUIYING_REMIND_EVERY_MINUTES); cron may run it too.
Both are safe together: the reminder log sends each reminder once.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import click

from ledger.db import make_engine, make_session_factory
from ledger.settings import Settings
from ledger.workflow.disclosure.requests import expire_corrections
from ledger.workflow.events import proposals as event_proposals
from ledger.workflow.events.config import EventConfigError, load_event_config
from ledger.workflow.guards import Clock
from ledger.workflow.notices import SmtpMailer
from ledger.workflow.reminders import EscalationFileError, load_escalation, run_reminders


@click.command("remind")
@click.option("--no-email", is_flag=True, help="只发站内通知，不发邮件。")
def remind(no_email: bool) -> None:
    """发送到点的催办（黄牌）与督办（超期，按 data/escalation.toml 逐级），每条只发一次。"""
    settings = Settings.from_env()
    try:
        escalation = load_escalation(settings.data_dir / "escalation.toml")
    except EscalationFileError as exc:
        raise click.ClickException(str(exc)) from exc
    clock = Clock.from_data_dir(settings.data_dir)
    try:
        events = load_event_config(settings.data_dir / "opinion_events.toml")
    except EventConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    smtp_config = {
        key.removeprefix("HUIYING_"): value
        for key, value in os.environ.items()
        if key.startswith("HUIYING_SMTP_")
    }
    mailer = None if no_email else SmtpMailer.from_config(smtp_config)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine).begin() as session:
            now = datetime.now(UTC)
            report = run_reminders(session, now, escalation, clock.calendar, mailer, events)
            withdrawn = expire_corrections(session, now)  # 依申请公开: 逾期未补正 → 视为撤回
            proposed = event_proposals.scan(session, now, events)
    finally:
        engine.dispose()
    click.echo(
        f"催办：{len(report.urged)} 件；督办：{len(report.escalated)} 次（每件每轮至多升一级）；"
        f"站内通知：{report.notices} 条（每人每轮一条汇总）；邮件：{report.emails} 封"
    )
    if withdrawn:
        click.echo(
            f"依申请公开逾期未补正、视为撤回：{len(withdrawn)} 件（#{'、#'.join(map(str, withdrawn))}）"
        )
    click.echo(f"舆情事件提醒：{len(report.events)} 条；新的舆情提示：{len(proposed.created)} 条")
    for item_id, level in report.escalated:
        click.echo(f"  督办（{level}）事项 #{item_id}")
    if report.proposal_notices:
        click.echo(
            f"建议提案分项时限（协办意见、非本单位办理说明）提醒：{report.proposal_notices} 条"
        )
    if mailer is None and not no_email:
        click.echo("未配置 HUIYING_SMTP_HOST：只发了站内通知。")
    for error in report.email_errors:
        click.echo(f"邮件失败：{error}", err=True)
