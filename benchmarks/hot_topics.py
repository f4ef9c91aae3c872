"""Time and peak memory of topic discovery + hotness (`huiying hot-topics`) on real messages.

Runs 1. teddycup2020/hot_messages.csv as it is (4,320 messages), 2. inputs of 25,000, 50,000 and
100,000 messages built from the real messages of hot_messages, replied_messages and
unlabelled_messages: the first copy of each message as it is, later copies re-posted with a small
edit (a sentence dropped or a word changed), by another sender, at another time within the year
— as a year of a busy platform looks. Each size runs in its own process so peak RSS is its own.

Usage: HUIYING_SHARED_DATA=../shared/data .venv/bin/python benchmarks/hot_topics.py [--sizes 100000]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("HUIYING_SHARED_DATA", ROOT.parent / "shared" / "data")) / "teddycup2020"
SOURCES = ("hot_messages.csv", "replied_messages.csv", "unlabelled_messages.csv")
_SENTENCE = re.compile(r"(?<=[。！？!?])")


def build_input(size: int, path: Path, seed: int = 2020) -> None:
    rng = random.Random(seed)
    rows = []
    for name in SOURCES:
        with (DATA / name).open(encoding="utf-8") as fh:
            rows += [(r["title"], r["body"]) for r in csv.DictReader(fh)]
    start = datetime(2019, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "user", "title", "posted_at", "body", "likes"])
        for n in range(size):
            title, body = rows[n % len(rows)]
            if n >= len(rows):  # a re-post: one sentence dropped or one character changed
                parts = [p for p in _SENTENCE.split(body) if p]
                if len(parts) > 2 and rng.random() < 0.5:
                    parts.pop(rng.randrange(len(parts)))
                    body = "".join(parts)
                elif body:
                    k = rng.randrange(len(body))
                    body = body[:k] + rng.choice("的了我们请") + body[k + 1 :]
            when = start + timedelta(seconds=rng.randrange(365 * 86400))
            likes = int(rng.paretovariate(1.5)) - 1
            out.writerow([n + 1, f"U{rng.randrange(size)}", title, when.isoformat(), body, likes])


def run_one(path: Path, out: Path) -> dict[str, float]:
    """Run `huiying hot-topics` in a child process; wall time, the child's CPU time (user + system:
    the machine is shared, so wall time alone says little) and its peak RSS.

    `out` is in a temporary folder: the shared data folder is read-only."""
    cmd = [
        sys.executable, "-m", "huiying", "hot-topics", "--data", str(path), "--id-col", "id",
        "--text-col", "title", "--text-col", "body", "--likes-col", "likes", "--user-col", "user",
        "--time-col", "posted_at", "--top", "10", "--out", str(out),
    ]  # fmt: skip
    code = (
        "import resource, runpy, sys; sys.argv = sys.argv[1:];"
        "\ntry:\n    runpy.run_module('huiying', run_name='__main__')"
        "\nfinally:\n    u = resource.getrusage(resource.RUSAGE_SELF)"
        "\n    print('MAXRSS', u.ru_maxrss, u.ru_utime + u.ru_stime, file=sys.stderr)"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code, "huiying", *cmd[3:]],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    elapsed = time.perf_counter() - started
    rss = [line for line in proc.stderr.splitlines() if line.startswith("MAXRSS")]
    if proc.returncode != 0 or not rss:
        raise SystemExit(f"hot-topics failed on {path}:\n{proc.stderr[-2000:]}")
    topics = json.loads(out.read_text(encoding="utf-8"))["topics"]
    _, maxrss, cpu = rss[-1].split()
    return {
        "seconds": elapsed,
        "cpu_seconds": float(cpu),
        "peak_mib": int(maxrss) / 1024,
        "topics": len(topics),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[25_000, 50_000, 100_000])
    args = parser.parse_args()
    if not (DATA / "hot_messages.csv").is_file():
        raise SystemExit(f"没有找到 {DATA}/hot_messages.csv：设置 HUIYING_SHARED_DATA")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        r = run_one(DATA / "hot_messages.csv", Path(tmp) / "hot_messages.json")
        results.append(("hot_messages.csv", 4320, r))
        print(f"hot_messages.csv (4,320): {_figures(r)}")
        for size in args.sizes:
            path = Path(tmp) / f"messages_{size}.csv"
            build_input(size, path)
            r = run_one(path, path.with_suffix(".json"))
            results.append((path.name, size, r))
            print(f"{size:,} messages: {_figures(r)}")
    print("\n| 输入 | 条数 | 用时（秒，含启动） | CPU（秒） | 峰值内存（MiB） |")
    print("|---|---|---|---|---|")
    for name, size, r in results:
        print(
            f"| {name} | {size:,} | {r['seconds']:.1f} | {r['cpu_seconds']:.1f} | {r['peak_mib']:.0f} |"
        )


def _figures(r: dict[str, float]) -> str:
    return (
        f"{r['seconds']:.1f} s wall, {r['cpu_seconds']:.1f} s CPU, peak {r['peak_mib']:.0f} MiB, "
        f"load {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
