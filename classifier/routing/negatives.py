"""Real 非本厅职责 examples: citizens' messages to city platforms, read at training time.

Most of what reaches a provincial 工信厅 by mistake is city business (housing, schools, traffic,
social insurance, neighbours, rivers). The shared data folder beside the project holds exactly such
text: the Teddy Cup 2020 platform messages (teddycup2020/hot_messages.csv, replied_messages.csv) and
a city's 12345 work orders (fuzhou12345/work_orders.csv). They are read from that folder when the
router is trained and never copied into the repository; without the folder the router trains from
its own seed corpus alone. classify_test.csv and unlabelled_messages.csv are never read here (the
first is the benchmark's test split, the second its robustness set).
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

NOT_OURS = "not_ours"
# (file inside the shared folder, how many messages to take). Chosen by cross-validation on the seed
# corpus: more negatives than this raised 非本厅职责 recall but cost the small 处室 more.
SOURCES: tuple[tuple[str, int], ...] = (
    ("teddycup2020/hot_messages.csv", 60),
    ("teddycup2020/replied_messages.csv", 60),
    ("fuzhou12345/work_orders.csv", 30),
)


@dataclass(frozen=True)
class Negative:
    title: str
    body: str
    source: str


def load_real_negatives(
    shared_dir: str | Path | None,
    sources: tuple[tuple[str, int], ...] = SOURCES,
    seed: int = 20210,
) -> list[Negative]:
    """A reproducible sample of real city-business messages; [] when the folder is absent."""
    if shared_dir is None:
        return []
    base = Path(shared_dir)
    rng = random.Random(seed)
    out: list[Negative] = []
    for name, count in sources:
        path = base / name
        if not path.is_file():
            continue
        with open(path, encoding="utf-8", newline="") as fh:
            rows = [
                r for r in csv.DictReader(fh) if (r.get("body") or "").strip() and r.get("title")
            ]
        for row in rng.sample(rows, min(count, len(rows))):
            out.append(Negative(row["title"].strip(), row["body"].strip()[:600], name))
    return out
