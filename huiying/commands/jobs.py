"""Background jobs of a running site: crawl every N minutes and send reminders every M minutes.

They run in the `huiying serve` / `huiying run` process, beside (not inside) the gunicorn workers,
so one scheduler exists however many workers serve pages. Each crawl holds a file lock, so a crawl
started by hand or by cron at the same time is skipped rather than run twice.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections.abc import Mapping

from crawler.schedule import PeriodicCrawl
from ledger.settings import Settings

log = logging.getLogger("huiying.jobs")


class ReminderLoop:
    """Runs `huiying remind` in a child process every `minutes`; failures are logged, not fatal."""

    def __init__(self, minutes: float, env: Mapping[str, str]) -> None:
        self.interval = minutes * 60
        self.env = dict(env)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="huiying-remind", daemon=True)

    def start(self) -> ReminderLoop:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)

    def _loop(self) -> None:
        while not self.stopped.wait(self.interval):
            done = subprocess.run(
                [sys.executable, "-m", "huiying", "remind"],
                env=self.env,
                capture_output=True,
                text=True,
            )
            level = logging.INFO if done.returncode == 0 else logging.ERROR
            log.log(level, "提醒：%s", (done.stdout + done.stderr).strip().replace("\n", "；"))


class BackgroundJobs:
    def __init__(self, settings: Settings, env: Mapping[str, str]) -> None:
        self.crawl_minutes = float(env.get("HUIYING_CRAWL_EVERY_MINUTES", "30"))
        self.remind_minutes = float(env.get("HUIYING_REMIND_EVERY_MINUTES", "15"))
        self.crawl = PeriodicCrawl(
            self.crawl_minutes,
            settings.instance_dir / "crawl.lock",
            database_url=settings.database_url,
            env=dict(env),
            on_result=self._crawled,
        )
        self.reminders = ReminderLoop(self.remind_minutes, env)

    def _crawled(self, summary: object) -> None:
        if summary is None:
            log.info("定时采集：另一个采集正在进行，本次跳过")
        else:
            log.info(
                "定时采集完成：新增 %s，更新 %s", summary.total("new"), summary.total("updated")
            )  # type: ignore[attr-defined]
            for source in summary.sources:  # type: ignore[attr-defined]
                for failure in source.failures:
                    log.error("定时采集 %s 失败：%s（见 last-crawl.json）", source.source, failure)

    def start(self) -> BackgroundJobs:
        self.crawl.start()
        self.reminders.start()
        return self

    def stop(self) -> None:
        self.crawl.stop(timeout=5)
        self.reminders.stop()

    def describe(self) -> str:
        return (
            f"每 {self.crawl_minutes:g} 分钟采集一次，每 {self.remind_minutes:g} 分钟检查催办督办"
        )


def start_background_jobs(
    settings: Settings, env: Mapping[str, str] | None = None
) -> BackgroundJobs:
    return BackgroundJobs(settings, env if env is not None else os.environ).start()
