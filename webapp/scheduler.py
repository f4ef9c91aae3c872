"""The in-app reminder scheduler: APScheduler's BackgroundScheduler running ledger.reminders.

Started by create_app only when the config says SCHEDULER=1 (env HUIYING_SCHEDULER=1), never in
tests. Under gunicorn every worker runs one; the reminder log's unique key keeps each reminder
to a single send, so that is safe (if wasteful: prefer one worker or `huiying remind` from cron).
"""

from __future__ import annotations

import logging

from flask import Flask

from ledger.reminders import run_reminders
from ledger.workflow import now_utc

log = logging.getLogger(__name__)


def reminder_job(app: Flask) -> None:
    with app.app_context():
        from webapp import services

        sessions = app.extensions["huiying.sessions"]
        try:
            with sessions.begin() as session:
                report = run_reminders(
                    session,
                    now_utc(),
                    services.escalation(),
                    services.clock().calendar,
                    services.mailer(),
                )
            log.info("提醒：催办 %d 件，督办 %d 次", len(report.urged), len(report.escalated))
        except Exception:  # noqa: BLE001 - a failed run must not kill the scheduler thread
            log.exception("提醒任务失败")


def init_app(app: Flask) -> None:
    if str(app.config.get("SCHEDULER", "0")) not in ("1", "true", "True") or app.config.get(
        "TESTING"
    ):
        return
    from apscheduler.schedulers.background import BackgroundScheduler

    minutes = int(app.config.get("REMIND_EVERY_MINUTES", 15))
    scheduler = BackgroundScheduler(timezone="Asia/Shanghai", daemon=True)
    scheduler.add_job(
        reminder_job,
        "interval",
        minutes=minutes,
        args=[app],
        id="reminders",
        coalesce=True,
        max_instances=1,
        next_run_time=now_utc(),
    )
    scheduler.start()
    app.extensions["huiying.scheduler"] = scheduler
