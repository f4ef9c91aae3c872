"""Router benchmark on the Teddy Cup 2020 data (../shared/data/teddycup2020).

Prints a markdown table:
- 5-fold cross-validated macro-F1 on classify_train.csv (stratified, seed 0): the figure settings
  are chosen by;
- macro-F1 on the fixed test split classify_test.csv, segmented and de-segmented (report only:
  never used for any choice), with a router trained on all of classify_train.csv;
- raw-text robustness on the 2,801 raw unlabelled messages: the share whose top-1 (and top-3) is
  the same for the raw title + body and for its segmented, stopword-free twin, built the way the
  shared split was built: jieba 0.42 `lcut` with its default dictionary (no user dictionary), the
  ICT stopword list of the stopwords-zh package removed, words joined by spaces;
- throughput on those raw messages on one core, including reading the CSV and normalisation, for
  the model alone and with the taxonomy prior below (as the ledger routes with departments.toml);
- the character n-gram vectoriser against scikit-learn's TfidfVectorizer(analyzer="char");
- a learning curve (10/25/50/100 examples per class sampled from train, scored on test), for the
  model alone and with the platform's own category tree (taxonomy.csv: the level-2/level-3 names under
  each label) as the catalogue prior of `classifier.routing.catalogue`, as departments.toml is for a 处室.

    HUIYING_SHARED_DATA=/path/to/shared/data .venv/bin/python benchmarks/classify.py [--quick]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import csv  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from classifier.routing.catalogue import CataloguePrior, DepartmentProfile  # noqa: E402
from classifier.routing.evaluation import evaluate_predictions, evaluate_router  # noqa: E402
from classifier.routing.model import TrainConfig, fit_pipeline, train_from_examples  # noqa: E402
from classifier.words.charngrams import CharNgramTfidf  # noqa: E402
from classifier.words.features import to_frame  # noqa: E402
from classifier.words.text import (  # noqa: E402
    compact,
    cut_words,
    normalise,
    quiet_jieba,
    segment_without_stopwords,
    userdict_entries,
)


def shared_data() -> Path:
    return Path(os.environ.get("HUIYING_SHARED_DATA", REPO.parent / "shared" / "data"))


def read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# Prior weights for the taxonomy catalogue, chosen on classify_train only (never on test): 50
# examples per class (3 draws) scored on 800 other train messages, keyword 0–3 × similarity 0–10.
# Macro-F1 there: model alone 0.810, plateau 0.833–0.839 at keyword 1–2 × similarity 4–10, but a
# cliff beyond it (0.71–0.81 at keyword 2 × similarity 8+ or keyword 2.5): we take the plateau's
# middle, not its edge. On test (report only) it lifts 50/class from 0.829 to 0.840 and 100/class
# slightly, but lowers 10 and 25/class: keyword hits are unbounded and the fitted temperature of a
# small model varies, so the prior can swamp it. Kept as a row to show that, not as the router's.
TAXONOMY_KEYWORD_WEIGHT = 1.5
TAXONOMY_SIMILARITY_WEIGHT = 6.0


def taxonomy_prior(path: Path) -> CataloguePrior:
    """The Teddy Cup category tree as a catalogue: per label, its level-2/3 names are the terms and,
    joined, the duties (no typical requests: the tree has none)."""
    names: dict[str, list[str]] = defaultdict(list)
    for row in read(path):
        for name in (row["level2"], row["level3"]):
            if name and name != "其他" and name not in names[row["level1"]]:
                names[row["level1"]].append(name)
    profiles = [
        DepartmentProfile(label, label, "、".join([label, *terms]), tuple(terms), ())
        for label, terms in names.items()
    ]
    return CataloguePrior(
        profiles,
        keyword_weight=TAXONOMY_KEYWORD_WEIGHT,
        similarity_weight=TAXONOMY_SIMILARITY_WEIGHT,
    )


def pin_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to CPU {core}"
    return "not pinned (no sched_setaffinity)"


def sample_per_class(rows: list[dict[str, str]], n: int, seed: int) -> list[dict[str, str]]:
    by_label: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_label[row["label"]].append(row)
    rng = random.Random(seed)
    return [r for label in sorted(by_label) for r in rng.sample(by_label[label], n)]


def cross_validate(texts: list[str], labels: list[str], config: TrainConfig) -> list[float]:
    y = np.asarray(labels)
    scores = []
    for fit, held in StratifiedKFold(5, shuffle=True, random_state=0).split(texts, y):
        pipeline = fit_pipeline(None, [texts[i] for i in fit], list(y[fit]), config)
        predicted = pipeline.predict(to_frame(None, [texts[i] for i in held]))
        scores.append(float(f1_score(y[held], predicted, average="macro")))
    return scores


def robustness(router, raw: list[dict[str, str]]) -> tuple[float, float]:
    texts = [f"{r['title']}\n{r['body']}" for r in raw]
    twins = [segment_without_stopwords(t) for t in texts]
    a, b = router.predict(None, texts), router.predict(None, twins)
    top1 = sum(x.label == y.label for x, y in zip(a, b, strict=True)) / len(a)
    top3 = sum(
        [c for c, _ in x.top3] == [c for c, _ in y.top3] for x, y in zip(a, b, strict=True)
    ) / len(a)
    return top1, top3


def throughput(router, path: Path, prior: CataloguePrior | None = None) -> tuple[float, float]:
    """Messages per second on one core: read the CSV, normalise, featurise, predict top-3 (with
    the catalogue `prior`'s evidence blended in, if given).

    Wall clock and CPU time of this process: on a shared machine the wall figure also counts
    time other processes held the core.
    """
    read(path)  # warm the page cache
    wall = cpu = 0.0
    for _ in range(3):  # the machine is shared: report the best of three passes
        started, started_cpu = time.perf_counter(), time.process_time()
        rows = read(path)
        router.predict([r["title"] for r in rows], [r["body"] for r in rows], prior)
        wall = max(wall, len(rows) / (time.perf_counter() - started))
        cpu = max(cpu, len(rows) / (time.process_time() - started_cpu))
    return wall, cpu


def cut_agreement(raw: list[dict[str, str]]) -> tuple[float, int, float, float]:
    """rjieba (the router's cut) against jieba 0.42 itself, both with the project's user dictionary
    and HMM off, on the folded raw messages: share of messages whose token lists are identical,
    token count, and the CPU seconds of each cutter."""
    import jieba

    reference = jieba.Tokenizer()
    for word, freq, tag in userdict_entries():
        reference.add_word(word, freq, tag)
    texts = [normalise(f"{r['title']}\n{r['body']}", remove_stopwords=False) for r in raw]
    reference.lcut("预热", HMM=False)  # load both dictionaries outside the timing
    cut_words("预热")
    started = time.process_time()
    theirs = [reference.lcut(t, HMM=False) for t in texts]
    jieba_cpu = time.process_time() - started
    started = time.process_time()
    ours = [cut_words(t) for t in texts]
    ours_cpu = time.process_time() - started
    same = sum(a == b for a, b in zip(ours, theirs, strict=True)) / len(texts)
    return same, sum(map(len, theirs)), jieba_cpu, ours_cpu


def vectoriser_speed(texts: list[str]) -> tuple[float, float]:
    """Transform speed (messages/s) of ours vs TfidfVectorizer(analyzer="char"), same n-grams."""
    ours = CharNgramTfidf().fit(texts)
    theirs = TfidfVectorizer(
        analyzer="char", ngram_range=(1, 2), min_df=2, sublinear_tf=True, dtype=np.float32
    ).fit(texts)
    speeds = []
    for vec in (ours, theirs):
        best = 0.0
        for _ in range(3):
            started = time.perf_counter()
            vec.transform(texts)
            best = max(best, len(texts) / (time.perf_counter() - started))
        speeds.append(best)
    return speeds[0], speeds[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip CV and the learning curve")
    args = parser.parse_args()
    quiet_jieba()
    base = shared_data() / "teddycup2020"
    if not base.is_dir():
        sys.exit(f"Teddy Cup data not found at {base}: set HUIYING_SHARED_DATA")
    pinned = pin_one_core()
    train_rows, test_rows = read(base / "classify_train.csv"), read(base / "classify_test.csv")
    raw = read(base / "unlabelled_messages.csv")
    texts = [r["text_segmented"] for r in train_rows]
    train_labels = [r["label"] for r in train_rows]
    config = TrainConfig()
    rows_out: list[tuple[str, str]] = []

    if not args.quick:
        cv = cross_validate(texts, train_labels, config)
        rows_out.append(
            (
                "5-fold CV macro-F1, classify_train (mean ± sd; goal ≥ 0.93)",
                f"{np.mean(cv):.4f} ± {np.std(cv):.4f}",
            )
        )

    started = time.perf_counter()
    router = train_from_examples(None, texts, train_labels, config=config)
    train_seconds = time.perf_counter() - started
    labels = [r["label"] for r in test_rows]
    seg = evaluate_router(router, None, [r["text_segmented"] for r in test_rows], labels)
    raw_eval = evaluate_router(
        router, None, [compact(r["text_segmented"]) for r in test_rows], labels
    )
    rows_out += [
        ("macro-F1, classify_test, segmented (report only; never tuned on)", f"{seg.macro_f1:.4f}"),
        ("macro-F1, classify_test, de-segmented (spaces removed)", f"{raw_eval.macro_f1:.4f}"),
        (
            f"auto-routed at threshold {router.threshold:.3f} (test)",
            f"{seg.auto_route_coverage:.1%}, {seg.auto_route_accuracy or 0:.1%} correct",
        ),
        (f"training time ({len(train_rows)} examples, split + refit)", f"{train_seconds:.1f} s"),
    ]
    top1, top3 = robustness(router, raw)
    rows_out.append(
        (
            f"raw vs segmented-stopword-free twin, {len(raw)} raw messages: same top-1 "
            "(goal ≥ 98 %) / same top-3 list",
            f"{top1:.2%} / {top3:.2%}",
        )
    )
    wall, cpu = throughput(router, base / "unlabelled_messages.csv")
    rows_out.append(
        (
            "throughput, raw messages incl. reading CSV + normalisation, 1 core (goal ≥ 10,000/s)",
            f"{wall:,.0f} messages/s wall clock, {cpu:,.0f} per CPU-second ({pinned})",
        )
    )
    prior = taxonomy_prior(base / "taxonomy.csv")
    prior_wall, prior_cpu = throughput(router, base / "unlabelled_messages.csv", prior)
    rows_out.append(
        (
            "the same with the catalogue prior (taxonomy.csv as the catalogue: "
            f"{len(prior.codes)} classes, {sum(map(len, prior._terms))} terms)",
            f"{prior_wall:,.0f} messages/s wall clock, {prior_cpu:,.0f} per CPU-second",
        )
    )
    # The same router without the word cut / stopword removal: faster, less robust.
    fast_config = replace(config, features=replace(config.features, remove_stopwords=False))
    fast = train_from_examples(None, texts, train_labels, config=fast_config)
    fast_eval = evaluate_router(fast, None, [r["text_segmented"] for r in test_rows], labels)
    fast_top1, fast_top3 = robustness(fast, raw)
    fast_wall, fast_cpu = throughput(fast, base / "unlabelled_messages.csv")
    rows_out.append(
        (
            "without stopword removal (remove_stopwords=False): test macro-F1 / same top-1 / "
            "same top-3 / throughput",
            f"{fast_eval.macro_f1:.4f} / {fast_top1:.2%} / {fast_top3:.2%} / "
            f"{fast_wall:,.0f} messages/s wall, {fast_cpu:,.0f} per CPU-second",
        )
    )
    if not args.quick:
        same, tokens, jieba_cpu, ours_cpu = cut_agreement(raw)
        rows_out.append(
            (
                f"word cut: rjieba vs jieba, project user dictionary, HMM off ({len(raw)} raw "
                "messages): identical token lists / tokens / CPU seconds",
                f"{same:.2%} / {tokens:,} / rjieba {ours_cpu:.2f} s vs jieba {jieba_cpu:.2f} s",
            )
        )
    normalised = [normalise(f"{r['title']}\n{r['body']}") for r in raw]
    ours, theirs = vectoriser_speed(normalised)
    rows_out.append(
        (
            "char 1–2-gram TF-IDF transform: CharNgramTfidf vs TfidfVectorizer(analyzer='char')",
            f"{ours:,.0f} vs {theirs:,.0f} messages/s ({ours / theirs:.1f}×)",
        )
    )
    if not args.quick:
        test_texts = [r["text_segmented"] for r in test_rows]
        for n in (10, 25, 50, 100):
            sample = sample_per_class(train_rows, n, seed=n)
            small = train_from_examples(
                None, [r["text_segmented"] for r in sample], [r["label"] for r in sample], config
            )
            alone = evaluate_router(small, None, test_texts, labels)
            with_prior = evaluate_predictions(
                labels, [p.label for p in small.predict(None, test_texts, prior)]
            )
            goal = " (goal ≥ 0.85)" if n == 50 else ""
            rows_out.append(
                (
                    f"learning curve: {n} examples per class → macro-F1 (test), model alone / "
                    f"with the taxonomy prior{goal}",
                    f"{alone.macro_f1:.4f} / {with_prior.macro_f1:.4f}",
                )
            )
    print("| measure | value |")
    print("|---|---|")
    for name, value in rows_out:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
