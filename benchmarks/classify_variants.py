"""Router variants compared on classify_train only (issue 13): paired repeated CV and a learning
curve drawn inside the training split. classify_test is never read here.

- CV: 5-fold stratified CV repeated with seeds 0, 1, 2 (15 folds; seed 0 are the folds of
  `benchmarks/classify.py`). Every variant sees the same folds, so each is reported as its mean
  macro-F1 and its paired difference from the production model (char 1–2-gram hashing TF-IDF of the
  normalised text → LinearSVC C=3; the calibration does not change the argmax).
- Learning curve: n = 10/25/50/100 examples per class drawn from classify_train (8 draws, seeds
  unlike the benchmark's), scored on 1,500 other classify_train messages; paired as above.

Variants: class_weight="balanced"; word 1+2-gram TF-IDF (sublinear; words of the normalised text:
rjieba cut, stopwords out) united with the char n-grams at weight 0.5; NB-SVM (Wang & Manning 2012:
binarised log-count ratios per class scale the char features of one-vs-rest LinearSVCs);
SGDClassifier(modified_huber); LogisticRegression(C=30) alone and score-averaged with the SVM; the
SVM score-averaged with the SGD model; balanced class weights with the word block; and the SVM blended with ComplementNB on word 1+2-gram counts
(per-row standardised scores, SVM + w·NB, alpha 1).

    HUIYING_SHARED_DATA=/path/to/shared/data .venv/bin/python benchmarks/classify_variants.py \
        [--skip-cv] [--skip-curve]
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
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression, SGDClassifier  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sklearn.naive_bayes import ComplementNB  # noqa: E402
from sklearn.preprocessing import LabelEncoder  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from classifier.words.charngrams import CharNgramTfidf  # noqa: E402
from classifier.words.text import cut_words, normalise, quiet_jieba  # noqa: E402

BLEND_WEIGHTS = (0.1, 0.15, 0.25)


def word_ngrams(words: list[str]) -> list[str]:
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def rowz(scores: np.ndarray) -> np.ndarray:
    """Per-row standardised scores: SVM margins and NB log-likelihoods on one scale."""
    centred = scores - scores.mean(axis=1, keepdims=True)
    return centred / (centred.std(axis=1, keepdims=True) + 1e-9)


class Fold:
    """Features of one train/held-out split, fitted on the train part only."""

    def __init__(self, normal: list[str], words: list[list[str]], fit: list[int], held: list[int]):
        chars = CharNgramTfidf(min_df=2).fit([normal[i] for i in fit])
        self.chars = (
            chars.transform([normal[i] for i in fit]),
            chars.transform([normal[i] for i in held]),
        )
        tfidf = TfidfVectorizer(analyzer=word_ngrams, sublinear_tf=True, dtype=np.float32)
        self.words = (
            tfidf.fit_transform([words[i] for i in fit]),
            tfidf.transform([words[i] for i in held]),
        )
        counts = CountVectorizer(analyzer=word_ngrams)
        self.counts = (
            counts.fit_transform([words[i] for i in fit]),
            counts.transform([words[i] for i in held]),
        )


def svm(x: sp.csr_matrix, y: np.ndarray, x_held: sp.csr_matrix, **kw: object) -> np.ndarray:
    return LinearSVC(C=3.0, **kw).fit(x, y).decision_function(x_held)  # type: ignore[arg-type]


def nbsvm(x: sp.csr_matrix, y: np.ndarray, x_held: sp.csr_matrix) -> np.ndarray:
    binary = (x > 0).astype(np.float32)
    out = np.zeros((x_held.shape[0], len(np.unique(y))))
    for k in range(out.shape[1]):
        p = 1.0 + np.asarray(binary[y == k].sum(axis=0)).ravel()
        q = 1.0 + np.asarray(binary[y != k].sum(axis=0)).ravel()
        ratio = sp.diags(np.log((p / p.sum()) / (q / q.sum())).astype(np.float32))
        model = LinearSVC(C=3.0).fit(x @ ratio, (y == k).astype(int))
        out[:, k] = model.decision_function(x_held @ ratio)
    return out


def cnb(f: Fold, y: np.ndarray) -> np.ndarray:
    return ComplementNB(alpha=1.0).fit(f.counts[0], y)._joint_log_likelihood(f.counts[1])


Variant = Callable[[Fold, np.ndarray, dict[str, np.ndarray]], np.ndarray]


def _variants() -> dict[str, Variant]:
    out: dict[str, Variant] = {
        "production: char 1–2 TF-IDF → LinearSVC C=3": lambda f, y, s: s["svm"],
        "class_weight='balanced'": lambda f, y, s: svm(
            f.chars[0], y, f.chars[1], class_weight="balanced"
        ),
        "+ word 1–2-gram TF-IDF (weight 0.5)": lambda f, y, s: svm(
            sp.hstack([f.chars[0], 0.5 * f.words[0]]).tocsr(),
            y,
            sp.hstack([f.chars[1], 0.5 * f.words[1]]).tocsr(),
        ),
        "NB-SVM (char, binarised log-count ratios)": lambda f, y, s: nbsvm(
            f.chars[0], y, f.chars[1]
        ),
        "SGDClassifier(modified_huber, alpha 1e-5)": lambda f, y, s: (
            SGDClassifier(loss="modified_huber", alpha=1e-5, max_iter=30, tol=None, random_state=0)
            .fit(f.chars[0], y)
            .decision_function(f.chars[1])
        ),
    }
    out["LogisticRegression(C=30)"] = lambda f, y, s: s["lr"]
    out["SVM + LogisticRegression (standardised scores, equal weight)"] = lambda f, y, s: (
        rowz(s["svm"]) + rowz(s["lr"])
    )
    out["SVM + SGD(modified_huber) (standardised scores, equal weight)"] = lambda f, y, s: (
        rowz(s["svm"]) + rowz(out["SGDClassifier(modified_huber, alpha 1e-5)"](f, y, s))
    )
    out["class_weight='balanced' + word 1–2-gram TF-IDF (0.5)"] = lambda f, y, s: svm(
        sp.hstack([f.chars[0], 0.5 * f.words[0]]).tocsr(),
        y,
        sp.hstack([f.chars[1], 0.5 * f.words[1]]).tocsr(),
        class_weight="balanced",
    )
    for w in BLEND_WEIGHTS:
        out[f"SVM + {w} × ComplementNB(word 1–2-gram counts)"] = lambda f, y, s, w=w: (
            rowz(s["svm"]) + w * rowz(s["cnb"])
        )
    return out


def _score(f: Fold, y_fit: np.ndarray, y_held: np.ndarray, chosen: dict[str, Variant]):
    shared = {"svm": svm(f.chars[0], y_fit, f.chars[1]), "cnb": cnb(f, y_fit)}
    if any("Logistic" in name for name in chosen):
        lr = LogisticRegression(C=30.0, max_iter=200).fit(f.chars[0], y_fit)
        shared["lr"] = lr.decision_function(f.chars[1])
    return {
        name: float(f1_score(y_held, fn(f, y_fit, shared).argmax(axis=1), average="macro"))
        for name, fn in chosen.items()
    }


def report(title: str, results: dict[str, list[float]]) -> None:
    names = list(results)
    base = np.asarray(results[names[0]])
    print(
        f"\n### {title}\n\n| variant | macro-F1 (mean ± sd) | paired diff | wins |\n|---|---|---|---|"
    )
    for name in names:
        r = np.asarray(results[name])
        d = r - base
        print(
            f"| {name} | {r.mean():.4f} ± {r.std():.4f} | {d.mean():+.4f} (sd {d.std():.4f}) "
            f"| {(d > 0).sum()}/{len(d)} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-cv", action="store_true")
    parser.add_argument("--skip-curve", action="store_true")
    args = parser.parse_args()
    quiet_jieba()
    base = Path(os.environ.get("HUIYING_SHARED_DATA", REPO.parent / "shared" / "data"))
    path = base / "teddycup2020" / "classify_train.csv"
    if not path.is_file():
        sys.exit(f"Teddy Cup data not found at {path}: set HUIYING_SHARED_DATA")
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    started = time.process_time()
    normal = [normalise(r["text_segmented"]) for r in rows]
    words = [cut_words(t) for t in normal]  # the normal form's words (stopwords already out)
    y = LabelEncoder().fit_transform([r["label"] for r in rows])
    variants = _variants()
    if not args.skip_cv:
        results: dict[str, list[float]] = defaultdict(list)
        for seed in (0, 1, 2):
            for fit, held in StratifiedKFold(5, shuffle=True, random_state=seed).split(normal, y):
                f = Fold(normal, words, list(fit), list(held))
                for name, value in _score(f, y[fit], y[held], variants).items():
                    results[name].append(value)
        report("5-fold CV × 3 seeds on classify_train (15 paired folds)", results)
    if not args.skip_curve:
        curve = {k: v for k, v in variants.items() if k.startswith("production") or "NB(" in k}
        by_label: dict[int, list[int]] = defaultdict(list)
        for i, label in enumerate(y):
            by_label[int(label)].append(i)
        for n in (10, 25, 50, 100):
            results = defaultdict(list)
            for draw in range(8):
                rng = random.Random(1000 * n + draw + 7)
                fit = [i for label in sorted(by_label) for i in rng.sample(by_label[label], n)]
                held = rng.sample(sorted(set(range(len(y))) - set(fit)), 1500)
                f = Fold(normal, words, fit, held)
                for name, value in _score(f, y[fit], y[held], curve).items():
                    results[name].append(value)
            report(f"{n} examples per class (8 draws, 1,500 other train messages each)", results)
    print(f"\nCPU seconds: {time.process_time() - started:.0f}; load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
