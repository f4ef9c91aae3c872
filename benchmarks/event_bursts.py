"""Cost of the 舆情 burst grouping (ledger.workflow.events.proposals._groups) per window size.

The events page runs the proposal scan (at most once a minute per worker) and `huiying remind`
runs it too, so its cost is per request. Windows are built from data/seed_corpus.csv (486 real
messages), repeated with a number appended so larger windows hold groups of near-duplicates.
Prints wall and CPU seconds (CPU is the figure to trust on a shared machine) and the load average.

    .venv/bin/python benchmarks/event_bursts.py
"""

from __future__ import annotations

import csv
import os
import resource
import time
from types import SimpleNamespace

from ledger.settings import REPO_ROOT
from ledger.workflow.events.proposals import _groups


def main() -> None:
    with open(REPO_ROOT / "data" / "seed_corpus.csv", encoding="utf-8") as fh:
        texts = [(r["title"], r["body"]) for r in csv.DictReader(fh)]
    print("| 窗口内事项数 | 墙钟（秒） | CPU（秒） | 分组数 |")
    print("|---:|---:|---:|---:|")
    for n in (100, 300, 1000, 2000, 5000):
        items = [
            SimpleNamespace(title=texts[i % len(texts)][0], body=texts[i % len(texts)][1] + str(i))
            for i in range(n)
        ]
        cpu0, wall0 = resource.getrusage(resource.RUSAGE_SELF).ru_utime, time.perf_counter()
        groups = _groups(items, 0.3)  # type: ignore[arg-type]
        cpu = resource.getrusage(resource.RUSAGE_SELF).ru_utime - cpu0
        print(f"| {n} | {time.perf_counter() - wall0:.2f} | {cpu:.2f} | {len(groups)} |")
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
