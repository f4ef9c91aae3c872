"""The production pipeline on real messages (Teddy Cup 2020, ../shared/data/teddycup2020).

Skips where the shared data folder is absent. Fits the pipeline once (no validation split or refit,
to stay well under a minute) and checks macro-F1 on the fixed test split for segmented and raw
(de-segmented) text. Throughput is measured by benchmarks/classify.py only: tests never assert
wall times.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from sklearn.metrics import f1_score

from classifier.routing.model import TrainConfig, fit_pipeline
from classifier.words.features import to_frame
from classifier.words.text import compact

DATA = (
    Path(os.environ.get("HUIYING_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared/data"))
    / "teddycup2020"
)


def _read(name: str) -> tuple[list[str], list[str]]:
    with open(DATA / name, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [r["text_segmented"] for r in rows], [r["label"] for r in rows]


@pytest.mark.slow
@pytest.mark.skipif(
    not (DATA / "classify_train.csv").is_file(),
    reason=f"Teddy Cup data not found at {DATA} (set HUIYING_SHARED_DATA)",
)
def test_teddycup_macro_f1_on_segmented_and_raw_text():
    texts, labels = _read("classify_train.csv")
    test_texts, test_labels = _read("classify_test.csv")
    pipeline = fit_pipeline(None, texts, labels, TrainConfig())

    segmented = f1_score(test_labels, pipeline.predict(to_frame(None, test_texts)), average="macro")
    raw = f1_score(
        test_labels,
        pipeline.predict(to_frame(None, [compact(t) for t in test_texts])),
        average="macro",
    )
    # regression guards a little below the measured figures (0.9418 for both: raw and segmented
    # text reach the same normalised form; see benchmarks/classify.py). Report only: the test
    # split is never used to choose settings.
    assert segmented >= 0.93
    assert raw >= 0.93
