"""The 处室 router: training, calibrated top-3 prediction and the abstain threshold.

`train_from_examples` is the single training entry point: the CLI's labelled-CSV mode and the
ledger's retraining (confirmed/corrected routes + seed corpus) both call it.

Training: a stratified validation split (`validation_size`) is taken from the training examples;
the pipeline (hashed character n-gram TF-IDF + LinearSVC) is fitted on the rest. On the validation
split the softmax temperature that turns SVM margins into probabilities is fitted (one parameter,
minimum log-loss), validation metrics are measured and the abstain threshold is chosen (the lowest
confidence at which auto-routed validation items reach `target_precision`). The pipeline is then
refitted on all examples, keeping that temperature; card metrics are the validation figures.
A test file is never involved.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from classifier import card as card_io
from classifier.features import FeatureConfig, build_features, to_frame

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float
    top3: list[tuple[str, float]]
    auto_route: bool


@dataclass(frozen=True)
class TrainConfig:
    features: FeatureConfig = field(default_factory=FeatureConfig)
    C: float = 3.0
    calibration_folds: int = 3  # kept for old callers; calibration now uses the validation split
    validation_size: float = 0.2
    target_precision: float = 0.95
    refit_on_all: bool = True
    random_state: int = 20210


class SoftmaxCalibrated(ClassifierMixin, BaseEstimator):
    """A linear classifier whose margins become probabilities through a softmax with temperature.

    ``temperature`` is fitted on held-out data by `fit_temperature` (train_from_examples uses its
    validation split); refitting keeps it. Cheaper than CalibratedClassifierCV (one fit instead of
    folds + 1) and gives one coherent multi-class distribution for the top-3.
    """

    def __init__(self, estimator: Any = None, temperature: float = 1.0):
        self.estimator = estimator
        self.temperature = temperature

    def fit(self, X, y):
        self.estimator_ = clone(self.estimator if self.estimator is not None else LinearSVC())
        self.estimator_.fit(X, y)
        self.classes_ = self.estimator_.classes_
        return self

    def margins(self, X) -> np.ndarray:
        scores = self.estimator_.decision_function(X)
        if scores.ndim == 1:  # binary: one margin for classes_[1]
            scores = np.column_stack([-scores, scores]) / 2
        return scores

    def decision_function(self, X) -> np.ndarray:
        return self.margins(X)

    def predict(self, X) -> np.ndarray:
        return self.classes_[np.argmax(self.margins(X), axis=1)]

    def predict_proba(self, X) -> np.ndarray:
        return softmax(self.margins(X) / self.temperature, axis=1)


def fit_temperature(margins: np.ndarray, classes: np.ndarray, y: Sequence[str]) -> float:
    """Temperature minimising the log-loss of softmax(margins / T) on held-out items."""
    index = {label: i for i, label in enumerate(classes)}
    known = np.array([label in index for label in y])
    if not known.any():
        return 1.0
    target = np.array([index[label] for label in np.asarray(y)[known]])
    m = margins[known]

    def loss(log_t: float) -> float:
        logp = log_softmax(m / np.exp(log_t), axis=1)
        return float(-logp[np.arange(len(target)), target].mean())

    result = minimize_scalar(loss, bounds=(np.log(0.01), np.log(10.0)), method="bounded")
    return float(np.exp(result.x))


def build_pipeline(config: TrainConfig, temperature: float = 1.0) -> Pipeline:
    clf = SoftmaxCalibrated(LinearSVC(C=config.C), temperature=temperature)
    return Pipeline([("features", build_features(config.features)), ("clf", clf)])


def choose_threshold(confidences: np.ndarray, correct: np.ndarray, target: float) -> float:
    """Lowest confidence t such that items with confidence ≥ t are right at least `target` often.

    Returns 1.0 (never auto-route) when no threshold reaches the target.
    """
    order = np.argsort(-confidences)
    conf, hits = confidences[order], correct[order].astype(float)
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    ok = np.nonzero(precision >= target)[0]
    if len(ok) == 0:
        return 1.0
    # the largest prefix whose precision meets the target, cut at a confidence boundary
    last = ok[-1]
    return float(conf[last])


class Router:
    """A fitted pipeline plus its card; predicts top-3 処室 with confidence and auto-route flag."""

    def __init__(self, pipeline: Pipeline, card: card_io.ModelCard):
        self.pipeline = pipeline
        self.card = card

    @property
    def labels(self) -> list[str]:
        return list(self.pipeline.classes_)

    @property
    def threshold(self) -> float:
        return self.card.threshold

    def predict_proba(self, titles: Sequence[str] | None, bodies: Sequence[str]) -> np.ndarray:
        return self.pipeline.predict_proba(self._frame(titles, bodies))

    def predict(self, titles: Sequence[str] | None, bodies: Sequence[str]) -> list[Prediction]:
        proba = self.predict_proba(titles, bodies)
        classes = [str(c) for c in self.pipeline.classes_]
        k = min(3, proba.shape[1])
        top = np.argsort(-proba, axis=1)[:, :k]
        top_p = np.round(np.take_along_axis(proba, top, axis=1).astype(float), 4).tolist()
        threshold = self.threshold
        out = []
        for idx, ps in zip(top.tolist(), top_p, strict=True):
            top3 = [(classes[i], p) for i, p in zip(idx, ps, strict=True)]
            out.append(Prediction(top3[0][0], ps[0], top3, ps[0] >= threshold))
        return out

    def predict_one(self, title: str, body: str) -> Prediction:
        return self.predict([title], [body])[0]

    def should_auto_route(self, prediction: Prediction) -> bool:
        """True when the item may skip manual triage (confidence at or above the threshold)."""
        return prediction.confidence >= self.threshold

    def save(self, path: str | Path) -> Path:
        return card_io.save(self.pipeline, self.card, path)

    def _frame(self, titles: Sequence[str] | None, bodies: Sequence[str]) -> np.ndarray:
        # A model without a title block still reads the title as part of the whole text.
        return to_frame(titles, bodies)


def load_router(path: str | Path) -> Router:
    """Load a saved router; raises card.ModelVersionMismatch under other library versions."""
    pipeline, model_card = card_io.load(path)
    return Router(pipeline, model_card)


def _check_labels(labels: Sequence[str]) -> None:
    if min(Counter(labels).values()) < 2:
        raise ValueError("每个类别至少需要 2 条训练样本 / every label needs at least 2 examples")


def fit_pipeline(
    titles: Sequence[str] | None,
    bodies: Sequence[str],
    labels: Sequence[str],
    config: TrainConfig,
    temperature: float = 1.0,
) -> Pipeline:
    """Fit features + classifier; `temperature` comes from a validation split (see module doc)."""
    use_title = config.features.use_title and titles is not None and any(titles)
    cfg = config if use_title else _without_title(config)
    pipeline = build_pipeline(cfg, temperature)
    pipeline.fit(to_frame(titles, bodies), np.asarray(labels))
    return pipeline


def _without_title(config: TrainConfig) -> TrainConfig:
    from dataclasses import replace

    return replace(config, features=replace(config.features, use_title=False))


def train_from_examples(
    titles: Sequence[str] | None,
    bodies: Sequence[str],
    labels: Sequence[str],
    config: TrainConfig | None = None,
    progress: Progress | None = None,
) -> Router:
    """Train a router on labelled examples (titles may be None for single-text data)."""
    config = config or TrainConfig()
    say = progress or (lambda _msg: None)
    labels = [str(label) for label in labels]
    bodies = ["" if b is None else str(b) for b in bodies]
    if titles is not None:
        titles = ["" if t is None else str(t) for t in titles]
    use_title = bool(config.features.use_title and titles is not None and any(titles))
    if len(set(labels)) < 2:
        raise ValueError("至少需要 2 个类别 / need at least 2 labels")
    _check_labels(labels)

    index = np.arange(len(labels))
    fit_idx, val_idx = train_test_split(
        index,
        test_size=config.validation_size,
        stratify=labels,
        random_state=config.random_state,
    )

    def pick(seq: Sequence[str] | None, idx: np.ndarray) -> list[str] | None:
        return None if seq is None else [seq[i] for i in idx]

    say(f"训练/验证划分 split: {len(fit_idx)} train, {len(val_idx)} validation")
    started = time.perf_counter()
    pipeline = fit_pipeline(
        pick(titles, fit_idx), pick(bodies, fit_idx), pick(labels, fit_idx), config
    )
    params = {**asdict(config), "use_title": use_title}
    x_val = to_frame(pick(titles, val_idx), pick(bodies, val_idx))
    y_val = np.asarray(pick(labels, val_idx))
    clf = pipeline.named_steps["clf"]
    margins = clf.margins(pipeline.named_steps["features"].transform(x_val))
    temperature = fit_temperature(margins, clf.classes_, y_val)
    proba = softmax(margins / temperature, axis=1)
    predicted = clf.classes_[np.argmax(proba, axis=1)]
    confidence = proba.max(axis=1)
    threshold = choose_threshold(confidence, predicted == y_val, config.target_precision)
    params["temperature"] = round(temperature, 6)
    routed = confidence >= threshold
    metrics = {
        "validation_macro_f1": round(float(f1_score(y_val, predicted, average="macro")), 4),
        "validation_accuracy": round(float(accuracy_score(y_val, predicted)), 4),
        "validation_size": int(len(val_idx)),
        "auto_route_coverage": round(float(routed.mean()), 4),
        "auto_route_precision": round(float((predicted == y_val)[routed].mean()), 4)
        if routed.any()
        else None,
        "validation_log_loss": round(_log_loss(proba, clf.classes_, y_val), 4),
        "train_seconds": 0.0,
    }
    say(
        f"验证集 validation: macro-F1 {metrics['validation_macro_f1']:.4f}, "
        f"阈值 threshold {threshold:.3f} (自动分办 auto-route {metrics['auto_route_coverage']:.0%})"
    )
    if config.refit_on_all:
        say(f"用全部 {len(labels)} 条样本重新训练 refit on all examples")
        pipeline = fit_pipeline(titles, bodies, labels, config, temperature)
    else:
        clf.set_params(temperature=temperature)
    metrics["train_seconds"] = round(time.perf_counter() - started, 1)
    return Router(pipeline, _card(labels, titles, bodies, threshold, metrics, params))


def _log_loss(proba: np.ndarray, classes: np.ndarray, y: np.ndarray) -> float:
    index = {label: i for i, label in enumerate(classes)}
    rows = [(r, index[label]) for r, label in enumerate(y) if label in index]
    if not rows:
        return float("nan")
    r, c = np.array(rows).T
    return float(-np.log(np.maximum(proba[r, c], 1e-12)).mean())


def _card(
    labels: list[str],
    titles: Sequence[str] | None,
    bodies: Sequence[str],
    threshold: float,
    metrics: dict[str, Any],
    params: dict[str, Any],
) -> card_io.ModelCard:
    texts = bodies if titles is None else [f"{t}\n{b}" for t, b in zip(titles, bodies, strict=True)]
    return card_io.ModelCard(
        labels=sorted(set(labels)),
        threshold=round(float(threshold), 4),
        data_fingerprint=card_io.data_fingerprint(texts, labels),
        n_examples=len(labels),
        metrics=metrics,
        params=params,
    )
