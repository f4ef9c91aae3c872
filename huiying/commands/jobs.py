"""Background jobs of a running site: crawl every N minutes, send reminders every M minutes, and
retrain the routing model once enough new routes were confirmed (checked every K minutes).

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

from crawler.running.process import CrawlSummary
from crawler.running.schedule import PeriodicCrawl
from ledger.settings import Settings

log = logging.getLogger("huiying.jobs")


class ReminderLoop:
    """Runs `huiying remind` in a child process every `minutes`; failures are logged, not fatal."""

    command: tuple[str, ...] = ("remind",)
    label = "提醒"

    def __init__(self, minutes: float, env: Mapping[str, str]) -> None:
        self.interval = minutes * 60
        self.env = dict(env)
        self.stopped = threading.Event()
        self.thread = threading.Thread(
            target=self._loop, name=f"huiying-{self.command[0]}", daemon=True
        )

    def start(self) -> ReminderLoop:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)

    def _loop(self) -> None:
        while not self.stopped.wait(self.interval):
            done = subprocess.run(
                [sys.executable, "-m", "huiying", *self.command],
                env=self.env,
                capture_output=True,
                text=True,
            )
            level = logging.INFO if done.returncode == 0 else logging.ERROR
            output = (done.stdout + done.stderr).strip().splitlines()
            log.log(level, "%s：%s", self.label, "；".join(output[-3:]))


class RetrainLoop(ReminderLoop):
    """Runs `huiying model retrain --if-due` every `minutes` (a child process: training is CPU
    work that must not stall this process); it retrains only after HUIYING_RETRAIN_EVERY new
    confirmed routes and switches models only if the new one is not worse."""

    command = ("model", "retrain", "--if-due")
    label = "分办模型"


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
        self.retrain_minutes = float(env.get("HUIYING_RETRAIN_CHECK_MINUTES", "10"))
        self.retrain_every = env.get("HUIYING_RETRAIN_EVERY", "50")
        self.retrainer = RetrainLoop(self.retrain_minutes, env)

    def _crawled(self, summary: CrawlSummary | None) -> None:
        if summary is None:
            log.info("定时采集：另一个采集正在进行，本次跳过")
        else:
            log.info(
                "定时采集完成：新增 %s，更新 %s", summary.total("new"), summary.total("updated")
            )
            for source in summary.sources:
                for failure in source.failures:
                    log.error("定时采集 %s 失败：%s（见管理页“来源”）", source.source, failure)

    def start(self) -> BackgroundJobs:
        self.crawl.start()
        self.reminders.start()
        self.retrainer.start()
        return self

    def stop(self) -> None:
        self.crawl.stop(timeout=5)
        self.reminders.stop()
        self.retrainer.stop()

    def describe(self) -> str:
        return (
            f"每 {self.crawl_minutes:g} 分钟采集一次，每 {self.remind_minutes:g} 分钟检查催办督办，"
            f"每 {self.retrain_minutes:g} 分钟检查是否有 {self.retrain_every} 条新确认分办可用于更新模型"
        )


def start_background_jobs(
    settings: Settings, env: Mapping[str, str] | None = None
) -> BackgroundJobs:
    return BackgroundJobs(settings, env if env is not None else os.environ).start()
