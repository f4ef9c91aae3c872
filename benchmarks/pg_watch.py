"""What a PostgreSQL database's own server processes do while a benchmark runs: their CPU seconds
(psutil on the backends serving that database and their parallel workers, found by process title,
sampled because a backend's times vanish when its connection closes) and, sampled from pg_stat_activity, what they wait on.
Also the commits and rows of that database (pg_stat_database), so per-batch figures can be given.

Used by benchmarks/crawl.py for PostgreSQL URLs; no server setting is changed.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import psutil
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

STAT_COLUMNS = ("xact_commit", "xact_rollback", "tup_inserted", "tup_updated", "tup_deleted")


@dataclass
class PgWatch:
    url: str
    interval: float = 0.05
    cpu: dict[int, float] = field(default_factory=dict)  # backend pid -> last seen CPU seconds
    waits: Counter[str] = field(default_factory=Counter)  # "state: wait" -> samples
    samples: int = 0
    stats_before: dict[str, int] = field(default_factory=dict)
    stats_after: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.database = make_url(self.url).database or ""
        self.engine = create_engine(self.url, isolation_level="AUTOCOMMIT", pool_size=1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _stats(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
            row = conn.execute(
                text(f"SELECT {', '.join(STAT_COLUMNS)} FROM pg_stat_database WHERE datname = :d"),
                {"d": self.database},
            ).one()
        return dict(zip(STAT_COLUMNS, (int(v) for v in row), strict=True))

    def start(self) -> None:
        self.stats_before = self._stats()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        time.sleep(0.7)  # the statistics collector reports every 500 ms
        self.stats_after = self._stats()
        self.engine.dispose()

    own_cpu: float = 0.0  # this watcher's CPU seconds (it runs in the benchmark's process)

    def _run(self) -> None:
        started = time.thread_time()
        try:
            self._sample()
        finally:
            self.own_cpu = time.thread_time() - started

    def _sample(self) -> None:
        marker = f" {self.database} "
        with self.engine.connect() as conn:
            me = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            while not self._stop.is_set():
                for p in psutil.process_iter(["name", "cmdline"]):
                    title = " ".join(p.info["cmdline"] or [])
                    ours = marker in title or any(  # a parallel worker of one of ours
                        f"parallel worker for PID {pid} " in f"{title} " for pid in self.cpu
                    )
                    if p.pid != me and ours and title.startswith("postgres:"):
                        try:
                            times = p.cpu_times()
                        except psutil.Error:
                            continue
                        self.cpu[p.pid] = times.user + times.system
                rows = conn.execute(
                    text(
                        "SELECT state, wait_event_type, wait_event FROM pg_stat_activity "
                        "WHERE datname = :d AND pid <> pg_backend_pid() AND backend_type = "
                        "'client backend'"
                    ),
                    {"d": self.database},
                ).all()
                self.samples += 1
                for state, kind, event in rows:
                    self.waits[f"{state}: {kind or 'CPU'}/{event or '-'}"] += 1
                self._stop.wait(self.interval)

    @property
    def backend_cpu(self) -> float:
        return sum(self.cpu.values())

    def delta(self, name: str) -> int:
        return self.stats_after.get(name, 0) - self.stats_before.get(name, 0)

    def report(self, seconds: float) -> list[tuple[str, str]]:
        """(label, figure) rows: CPU, commits, rows, and the share of time in each state/wait."""
        rows = [
            (
                "PostgreSQL backends of this database: CPU",
                f"{self.backend_cpu:.1f} s "
                f"({len(self.cpu)} backends, {self.backend_cpu / seconds:.0%} of one core)",
            ),
            (
                "PostgreSQL: commits / rollbacks",
                f"{self.delta('xact_commit')} / {self.delta('xact_rollback')}",
            ),
            (
                "PostgreSQL: rows inserted / updated / deleted",
                f"{self.delta('tup_inserted')} / "
                f"{self.delta('tup_updated')} / {self.delta('tup_deleted')}",
            ),
        ]
        if self.samples:
            top = ", ".join(f"{k} {n / self.samples:.2f}" for k, n in self.waits.most_common(8))
            rows.append(("PostgreSQL backends by state (mean number at a sample)", top))
        return rows
