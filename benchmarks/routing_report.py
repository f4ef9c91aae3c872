"""Routing report for the cold-start router: per-处室 F1 on the seed validation split and on the
department-style messages in tests/files/routing_messages.csv (written for this project, apart from
the seed corpus). Prints markdown tables: model alone and model + 处室 catalogue prior.

The seed split: 20 % of data/seed_corpus.csv (stratified, the training code's random_state) is
held out; the router is trained on the rest plus the real 非本厅职责 messages from ../shared/data
(when present). The test messages are never used for any choice of settings.

    HUIYING_SHARED_DATA=/path/to/shared/data .venv/bin/python benchmarks/routing_report.py
"""

from __future__ import annotations

import csv
import os
import sys
import tomllib
from pathlib import Path

from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.model_selection import train_test_split

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from classifier.routing.catalogue import CataloguePrior  # noqa: E402
from classifier.routing.model import TrainConfig, train_from_examples  # noqa: E402
from classifier.routing.negatives import NOT_OURS, load_real_negatives  # noqa: E402
from classifier.routing.seed import load_seed_corpus  # noqa: E402
from classifier.words.text import quiet_jieba  # noqa: E402

DATA = REPO / "data"
MESSAGES = REPO / "tests" / "files" / "routing_messages.csv"


def shared_data() -> Path | None:
    path = Path(os.environ.get("HUIYING_SHARED_DATA", REPO.parent / "shared" / "data"))
    return path if path.is_dir() else None


def report(name: str, truth: list[str], model: list[str], blended: list[str], names: dict) -> None:
    labels = sorted(set(truth))
    _, _, f_model, support = precision_recall_fscore_support(
        truth, model, labels=labels, zero_division=0
    )
    _, _, f_blend, _ = precision_recall_fscore_support(
        truth, blended, labels=labels, zero_division=0
    )
    macro_m = f1_score(truth, model, labels=labels, average="macro", zero_division=0)
    macro_b = f1_score(truth, blended, labels=labels, average="macro", zero_division=0)
    acc_m = sum(a == b for a, b in zip(truth, model, strict=True)) / len(truth)
    acc_b = sum(a == b for a, b in zip(truth, blended, strict=True)) / len(truth)
    print(f"\n### {name} ({len(truth)} messages)\n")
    print("| 处室 | n | F1 model | F1 model + catalogue |")
    print("|---|---|---|---|")
    for label, fm, fb, n in zip(labels, f_model, f_blend, support, strict=True):
        print(f"| {names.get(label, label)} | {n} | {fm:.2f} | {fb:.2f} |")
    print(f"| **macro-F1** | {len(truth)} | **{macro_m:.3f}** | **{macro_b:.3f}** |")
    print(f"| accuracy | | {acc_m:.3f} | {acc_b:.3f} |")


def main() -> None:
    quiet_jieba()
    catalogue = tomllib.loads((DATA / "departments.toml").read_text("utf-8"))["department"]
    names = {d["code"]: d["name"] for d in catalogue}
    prior = CataloguePrior.from_toml(DATA / "departments.toml")
    seed = load_seed_corpus(DATA / "seed_corpus.csv")
    negatives = load_real_negatives(shared_data())
    config = TrainConfig()
    fit, held = train_test_split(
        seed,
        test_size=config.validation_size,
        stratify=[e.department_code for e in seed],
        random_state=config.random_state,
    )
    print(f"seed corpus {len(seed)} (held out {len(held)}), real 非本厅职责 {len(negatives)}")
    router = train_from_examples(
        [e.title for e in fit] + [n.title for n in negatives],
        [e.body for e in fit] + [n.body for n in negatives],
        [e.department_code for e in fit] + [NOT_OURS] * len(negatives),
        config,
    )
    titles, bodies = [e.title for e in held], [e.body for e in held]
    report(
        "seed corpus validation split",
        [e.department_code for e in held],
        [p.label for p in router.predict(titles, bodies)],
        [p.label for p in router.predict(titles, bodies, prior)],
        names,
    )
    # The full cold-start router, as `make run` trains it (all of the seed corpus).
    full = train_from_examples(
        [e.title for e in seed] + [n.title for n in negatives],
        [e.body for e in seed] + [n.body for n in negatives],
        [e.department_code for e in seed] + [NOT_OURS] * len(negatives),
        config,
    )
    with open(MESSAGES, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    titles, bodies = [r["title"] for r in rows], [r["body"] for r in rows]
    report(
        "tests/files/routing_messages.csv (written apart from the seed corpus)",
        [r["department_code"] for r in rows],
        [p.label for p in full.predict(titles, bodies)],
        [p.label for p in full.predict(titles, bodies, prior)],
        names,
    )


if __name__ == "__main__":
    main()
