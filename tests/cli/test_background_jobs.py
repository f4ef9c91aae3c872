"""The background jobs beside gunicorn: reminders run in a child process and report in the log."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import pytest

from huiying.commands.jobs import BackgroundJobs, ReminderLoop
from ledger.settings import Settings


def test_reminder_loop_runs_huiying_remind(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    env = {**os.environ, "HUIYING_DATABASE_URL": database_url}
    loop = ReminderLoop(minutes=0.01, env=env)  # every 0.6 s
    with caplog.at_level(logging.INFO, logger="huiying.jobs"):
        loop.start()
        deadline = time.monotonic() + 60
        while not any("催办" in r.getMessage() for r in caplog.records):
            assert time.monotonic() < deadline, "huiying remind never reported"
            time.sleep(0.2)
        loop.stop()
    message = next(r.getMessage() for r in caplog.records if "催办" in r.getMessage())
    assert "督办" in message and "错误" not in message


def test_intervals_come_from_the_environment(database_url: str, tmp_path: Path) -> None:
    env = {
        "HUIYING_DATABASE_URL": database_url,
        "HUIYING_INSTANCE_DIR": str(tmp_path),
        "HUIYING_CRAWL_EVERY_MINUTES": "45",
        "HUIYING_REMIND_EVERY_MINUTES": "5",
        "HUIYING_RETRAIN_CHECK_MINUTES": "20",
        "HUIYING_RETRAIN_EVERY": "60",
    }
    jobs = BackgroundJobs(Settings.from_env(env), env)
    assert jobs.describe() == (
        "每 45 分钟采集一次，每 5 分钟检查催办督办，每 20 分钟检查是否有 60 条新确认分办可用于更新模型"
    )
    assert jobs.crawl.lock_path == tmp_path / "crawl.lock"
