"""The cold-start corpus (data/seed_corpus.csv) and the router trained from it.

The seed corpus was written for this project (not copied from any real platform): several hundred
messages to a provincial 工业和信息化厅, from enterprises and citizens, covering every 处室 code in
data/departments.toml plus many 非本厅职责 (`not_ours`) items. Columns: title, body,
department_code, topics (tags separated by ";").
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from classifier.routing.model import Progress, Router, TrainConfig, train_from_examples
from classifier.routing.negatives import NOT_OURS, Negative

DEFAULT_SEED_CORPUS = Path(__file__).resolve().parents[2] / "data" / "seed_corpus.csv"


@dataclass(frozen=True)
class SeedExample:
    title: str
    body: str
    department_code: str
    topics: tuple[str, ...]


def load_seed_corpus(path: str | Path = DEFAULT_SEED_CORPUS) -> list[SeedExample]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [
            SeedExample(
                title=row["title"].strip(),
                body=row["body"].strip(),
                department_code=row["department_code"].strip(),
                topics=tuple(t for t in row.get("topics", "").split(";") if t),
            )
            for row in csv.DictReader(fh)
        ]


def train_cold_start(
    path: str | Path = DEFAULT_SEED_CORPUS,
    config: TrainConfig | None = None,
    progress: Progress | None = None,
    negatives: list[Negative] | None = None,
) -> Router:
    """Train the cold-start router on the seed corpus (plus real 非本厅职责 `negatives`, if given)."""
    examples = load_seed_corpus(path)
    negatives = negatives or []
    router = train_from_examples(
        [e.title for e in examples] + [n.title for n in negatives],
        [e.body for e in examples] + [n.body for n in negatives],
        [e.department_code for e in examples] + [NOT_OURS] * len(negatives),
        config=config,
        progress=progress,
    )
    router.card.params["real_negatives"] = len(negatives)
    return router
