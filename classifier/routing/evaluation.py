"""Evaluation of a router on labelled data: macro-F1, per-class report, confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)

from classifier.routing.model import Router


@dataclass(frozen=True)
class Evaluation:
    labels: list[str]
    macro_f1: float
    accuracy: float
    per_class: list[tuple[str, float, float, float, int]]  # label, precision, recall, f1, support
    confusion: np.ndarray  # rows = true label, columns = predicted, in `labels` order
    auto_route_coverage: float
    auto_route_accuracy: float | None


def evaluate_predictions(
    y_true: Sequence[str], y_pred: Sequence[str], auto_route: Sequence[bool] | None = None
) -> Evaluation:
    labels = sorted(set(y_true) | set(y_pred))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    routed = np.asarray(auto_route if auto_route is not None else [], dtype=bool)
    hits = np.asarray(y_true) == np.asarray(y_pred)
    return Evaluation(
        labels=labels,
        macro_f1=float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        accuracy=float(accuracy_score(y_true, y_pred)),
        per_class=[
            (lab, float(pi), float(ri), float(fi), int(si))
            for lab, pi, ri, fi, si in zip(labels, p, r, f, s, strict=True)
        ],
        confusion=confusion_matrix(y_true, y_pred, labels=labels),
        auto_route_coverage=float(routed.mean()) if routed.size else 0.0,
        auto_route_accuracy=float(hits[routed].mean()) if routed.any() else None,
    )


def evaluate_router(
    router: Router, titles: Sequence[str] | None, bodies: Sequence[str], labels: Sequence[str]
) -> Evaluation:
    predictions = router.predict(titles, bodies)
    return evaluate_predictions(
        [str(x) for x in labels],
        [p.label for p in predictions],
        [p.auto_route for p in predictions],
    )


def format_evaluation(ev: Evaluation) -> str:
    """Chinese-headed plain-text report (fixed-width tables)."""
    width = max(6, *(len(lab) for lab in ev.labels)) + 2
    lines = [
        f"宏平均 F1 (macro-F1): {ev.macro_f1:.4f}",
        f"准确率 (accuracy): {ev.accuracy:.4f}",
        f"自动分办比例 (auto-routed): {ev.auto_route_coverage:.1%}"
        + (
            f"，其中正确率 {ev.auto_route_accuracy:.1%}"
            if ev.auto_route_accuracy is not None
            else ""
        ),
        "",
        "各类别指标 (per class)",
        f"{'类别':<{width}}{'精确率':>8}{'召回率':>8}{'F1':>8}{'样本数':>8}",
    ]
    for lab, p, r, f, s in ev.per_class:
        lines.append(f"{lab:<{width}}{p:>10.3f}{r:>10.3f}{f:>8.3f}{s:>10d}")
    lines += ["", "混淆矩阵 (confusion matrix：行 = 真实类别，列 = 预测类别)"]
    short = [f"[{i}]" for i in range(len(ev.labels))]
    lines.append(" " * width + "".join(f"{s:>6}" for s in short))
    for i, lab in enumerate(ev.labels):
        row = "".join(f"{v:>6d}" for v in ev.confusion[i])
        lines.append(f"{short[i] + ' ' + lab:<{width}}{row}")
    return "\n".join(lines)
