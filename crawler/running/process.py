"""Run crawls in child processes (Twisted's reactor cannot restart, so every crawl gets a fresh
process) and collect their figures. This is what `huiying crawl`, `huiying run` and the scheduler
call."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.config.sources import REPO_ROOT, default_sources_dir, list_sources, load_source

ProgressCallback = Callable[[dict[str, Any]], None]


@dataclass
class SourceSummary:
    source: str
    pages: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0  # delivered again without change
    skipped: int = 0  # known and unchanged on the list: detail page not fetched
    rejected: int = 0
    rejections: list[dict[str, str]] = field(default_factory=list)
    conflicts: int = 0  # conflicting duplicates inside this crawl (also counted in `rejected`)
    errors: int = 0  # exceptions in spider callbacks (logged with traceback and URL)
    paging_stopped: str = ""  # why the list could not be walked to its end (empty: it was)
    finish_reason: str = ""
    returncode: int | None = None
    seconds: float = 0.0
    log_path: str | None = None
    process_cpu: float = 0.0  # CPU seconds of the process that crawled it (with the others in it)
    intake_cpu: float = 0.0  # of which its writer thread spent on this source's batches

    @property
    def failures(self) -> list[str]:
        """Why this source's crawl counts as failed (empty: it did not)."""
        reasons = []
        if self.returncode != 0 or self.finish_reason != "finished":
            reasons.append(f"未正常结束（{self.finish_reason or '未知'}）")
        if self.errors:
            reasons.append(f"{self.errors} 个页面或条目处理时程序出错")
        if self.paging_stopped:
            reasons.append(f"翻页中断：{self.paging_stopped}")
        if self.items + self.skipped == 0:
            reasons.append(f"没有采到任何条目（拒收 {self.rejected}）")
        return reasons

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def items(self) -> int:
        return self.new + self.updated + self.unchanged

    @classmethod
    def from_stats(cls, source: str, stats: Mapping[str, Any]) -> SourceSummary:
        def count(name: str) -> int:
            return int(stats.get(f"huiying/{name}", 0) or 0)

        return cls(
            source=source,
            pages=int(stats.get("downloader/response_count", 0) or 0),
            new=count("new"),
            updated=count("updated"),
            unchanged=count("unchanged"),
            skipped=count("skipped"),
            rejected=count("rejected"),
            rejections=list(stats.get("huiying/rejections") or []),
            conflicts=count("conflicts"),
            errors=count("errors"),
            paging_stopped=str(stats.get("huiying/paging_stopped") or ""),
            finish_reason=str(stats.get("finish_reason", "")),
            process_cpu=float(stats.get("huiying/process_cpu_seconds", 0) or 0),
            intake_cpu=float(stats.get("huiying/intake_cpu_seconds", 0) or 0),
        )


@dataclass
class CrawlSummary:
    sources: list[SourceSummary]

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.sources)

    def total(self, name: str) -> int:
        return sum(getattr(s, name) for s in self.sources)

    def __getitem__(self, source: str) -> SourceSummary:
        for summary in self.sources:
            if summary.source == source:
                return summary
        raise KeyError(source)


def crawl_env(
    database_url: str | None,
    *,
    sources_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The child's environment: ours plus what the crawler settings read."""
    child = dict(os.environ if env is None else env)
    child["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), child.get("PYTHONPATH")]))
    child["HUIYING_PROGRESS"] = "1"
    if database_url:
        child["HUIYING_DATABASE_URL"] = database_url
    if sources_dir:
        child["HUIYING_SOURCES_DIR"] = str(sources_dir)
    return child


def start_crawl_process(
    sources: list[str],
    *,
    forks: list[list[str]] | None = None,
    database_url: str | None,
    summary_dir: Path,
    log_path: Path,
    sources_dir: Path | None = None,
    jobdir: Path | None = None,
    settings: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[str]:
    """Start `python -m crawler.running.run_source` for `sources` (side by side in one child process);
    each group in `forks` is crawled in a process forked from it once the imports and the routing
    model are loaded. Progress arrives as JSON lines on its stdout, its log goes to `log_path`."""
    cmd = [sys.executable, "-m", "crawler.running.run_source", "--summary-dir", str(summary_dir)]
    for source in sources:
        cmd += ["--source", source]
    for group in forks or []:
        cmd += ["--fork", ",".join(group)]
    if sources_dir:
        cmd += ["--sources-dir", str(sources_dir)]
    if jobdir:
        cmd += ["--jobdir", str(jobdir)]
    for key, value in (settings or {}).items():
        cmd += ["--set", f"{key}={value if isinstance(value, str) else json.dumps(value)}"]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            cwd=REPO_ROOT,
            env=crawl_env(database_url, sources_dir=sources_dir, env=env),
        )


def run_crawl(
    sources: list[str] | None = None,
    database_url: str | None = None,
    *,
    sources_dir: Path | None = None,
    jobdir: Path | None = None,
    log_dir: Path | None = None,
    settings: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    progress: ProgressCallback | None = None,
    timeout: float | None = None,
    processes: int | None = None,
) -> CrawlSummary:
    """Crawl `sources` (default: every file in the sources directory) into the ledger at
    `database_url` in a child process (the sources run side by side in it); blocks until done and
    returns the figures per source.

    `jobdir` keeps each source's resumable state in jobdir/<slug> (Scrapy JOBDIR). `settings` are
    Scrapy settings for the child (e.g. {"DOWNLOAD_TIMEOUT": 5}). The log goes to
    log_dir/crawl.log (default: <instance>/logs). `progress` receives dicts with the running counts.
    The sources are spread over `processes` processes (default HUIYING_CRAWL_PROCESSES, else 1), so
    that parsing and intake can use several cores: one child, which forks the others once it has
    imported what a crawl needs and loaded the routing model (paid once, not per process).
    """
    sources_dir = Path(sources_dir) if sources_dir else default_sources_dir()
    names = sources or list_sources(sources_dir)
    for name in names:  # a broken source file fails here, with its name and key (SourceConfigError)
        load_source(name, sources_dir, os.environ if env is None else env)
    log_path = (Path(log_dir) if log_dir else _default_log_dir()) / "crawl.log"
    started = time.monotonic()
    environ = os.environ if env is None else env
    count = processes or int(environ.get("HUIYING_CRAWL_PROCESSES") or 1)
    groups = [names[i :: max(1, count)] for i in range(min(max(1, count), len(names)))]
    with tempfile.TemporaryDirectory(prefix="huiying-crawl-") as tmp:
        proc = start_crawl_process(
            groups[0],
            forks=groups[1:],
            database_url=database_url,
            summary_dir=Path(tmp),
            log_path=log_path,
            sources_dir=sources_dir,
            jobdir=Path(jobdir) if jobdir else None,
            settings=settings,
            env=env,
        )
        _follow_all([proc], progress, timeout)
        results = []
        for name in names:
            path = Path(tmp) / f"{name}.json"
            stats = json.loads(path.read_text("utf-8")) if path.exists() else {}
            result = SourceSummary.from_stats(name, stats)
            # the code of the (forked) process that crawled this source; else the whole crawl's
            code = stats.get("huiying/exit_code", proc.returncode)
            result.returncode = None if code is None else int(code)
            result.seconds = time.monotonic() - started
            result.log_path = str(log_path)
            if not stats:
                result.finish_reason = f"crashed (exit {proc.returncode}), see {log_path}"
            results.append(result)
    return CrawlSummary(results)


def _follow_all(
    procs: list[subprocess.Popen[str]], progress: ProgressCallback | None, timeout: float | None
) -> None:
    """Follow every child's progress lines (one reader thread each) until all have ended."""
    lock = threading.Lock()

    def report(event: dict[str, Any]) -> None:
        if progress is not None:
            with lock:
                progress(event)

    readers = [
        threading.Thread(target=_follow, args=(proc, report, timeout), daemon=True)
        for proc in procs
    ]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()


def _follow(
    proc: subprocess.Popen[str], progress: ProgressCallback | None, timeout: float | None
) -> None:
    deadline = time.monotonic() + timeout if timeout else None
    assert proc.stdout is not None
    for line in proc.stdout:
        if progress is not None and line.startswith("{"):
            try:
                progress(json.loads(line))
            except ValueError:
                pass
        if deadline and time.monotonic() > deadline:
            proc.kill()
            break
    proc.stdout.close()
    proc.wait()


def _default_log_dir() -> Path:
    instance = os.environ.get("HUIYING_INSTANCE_DIR", str(REPO_ROOT / "instance"))
    return Path(instance) / "logs"
