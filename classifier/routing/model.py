"""The 处室 router: training, calibrated top-3 prediction and the abstain threshold.

`train_from_examples` is the single training entry point: the CLI's labelled-CSV mode and the
ledger's retraining (confirmed/corrected routes + seed corpus) both call it.

Training: a stratified validation split (`validation_size`) is taken from the training examples;
the pipeline (text normalisation → hashed character n-gram TF-IDF → LinearSVC wrapped in
scikit-learn's `CalibratedClassifierCV(method="temperature")`) is fitted on the rest. On the
validation split metrics are measured and the abstain threshold is chosen (the lowest confidence at
which auto-routed validation items reach `target_precision`). The pipeline is then refitted on all
examples (its temperature re-fitted by the calibrator's own folds); card metrics are the validation
figures. A test file is never involved.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from classifier.routing import card as card_io
from classifier.routing.catalogue import CataloguePrior, blend
from classifier.words.features import TEXT_COLUMN, FeatureConfig, build_features, to_frame
from classifier.words.text import with_normal_forms

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
    calibration_folds: int = 3  # CalibratedClassifierCV folds for the temperature
    validation_size: float = 0.2
    target_precision: float = 0.95
    # Floor for the chosen threshold: a validation split written by the same hands as the training
    # data flatters the model (see ledger.intake.model.routing.MIN_AUTO_THRESHOLD).
    min_threshold: float = 0.0
    # Labels the ledger never routes automatically (非本厅职责 is always sent back by a person):
    # validation items predicted as these do not take part in choosing the threshold.
    never_auto: tuple[str, ...] = ("not_ours",)
    refit_on_all: bool = True
    random_state: int = 20210


def build_pipeline(config: TrainConfig) -> Pipeline:
    """features (normalise → char n-grams, per text block) → LinearSVC calibrated by
    scikit-learn's temperature scaling.

    `ensemble=False`: out-of-fold margins fit the one temperature, and a single LinearSVC fitted on
    all the data predicts (one model to evaluate per message, not one per fold).
    """
    clf = CalibratedClassifierCV(
        LinearSVC(C=config.C),
        method="temperature",
        cv=config.calibration_folds,
        ensemble=False,
    )
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

    def predict(
        self,
        titles: Sequence[str] | None,
        bodies: Sequence[str],
        prior: CataloguePrior | None = None,
    ) -> list[Prediction]:
        """Top-3 per message; with a catalogue `prior`, its evidence is blended in (see
        `classifier.routing.catalogue`). Auto-routing needs the threshold *and* agreement with the model
        alone: a suggestion that only the catalogue makes is always checked by a person.

        Each text is normalised once: with a prior, the model's text block and the prior read the
        same `normalise` form (`NormalisedText`)."""
        frame = self._frame(titles, bodies)
        normal: list[str] | None = None
        if prior is not None and prior.codes:
            carried, normal = with_normal_forms(list(frame[:, TEXT_COLUMN]))
            for row, text in enumerate(carried):  # cell by cell: the cells keep their type
                frame[row, TEXT_COLUMN] = text
        proba = self.pipeline.predict_proba(frame)
        classes = [str(c) for c in self.pipeline.classes_]
        model_best = proba.argmax(axis=1)
        if prior is not None and normal is not None:
            evidence = prior.evidence_normalised(normal)
            proba, classes = blend(proba, classes, evidence, prior.codes)
        k = min(3, proba.shape[1])
        top = np.argsort(-proba, axis=1)[:, :k]
        top_p = np.round(np.take_along_axis(proba, top, axis=1).astype(float), 4).tolist()
        threshold = self.threshold
        out = []
        for idx, ps, own in zip(top.tolist(), top_p, model_best.tolist(), strict=True):
            top3 = [(classes[i], p) for i, p in zip(idx, ps, strict=True)]
            out.append(Prediction(top3[0][0], ps[0], top3, ps[0] >= threshold and idx[0] == own))
        return out

    def predict_one(self, title: str, body: str, prior: CataloguePrior | None = None) -> Prediction:
        return self.predict([title], [body], prior)[0]

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
) -> Pipeline:
    """Fit normaliser + features + calibrated classifier."""
    use_title = config.features.use_title and titles is not None and any(titles)
    cfg = config if use_title else _without_title(config)
    pipeline = build_pipeline(cfg)
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
    classes = pipeline.classes_
    proba = pipeline.predict_proba(x_val)
    predicted = classes[np.argmax(proba, axis=1)]
    confidence = proba.max(axis=1)
    eligible = ~np.isin(predicted, config.never_auto)
    threshold = (
        choose_threshold(
            confidence[eligible], (predicted == y_val)[eligible], config.target_precision
        )
        if eligible.any()
        else 1.0
    )
    threshold = max(threshold, config.min_threshold)
    params["temperature"] = round(_temperature(pipeline), 6)
    routed = (confidence >= threshold) & eligible
    metrics = {
        "validation_macro_f1": round(float(f1_score(y_val, predicted, average="macro")), 4),
        "validation_accuracy": round(float(accuracy_score(y_val, predicted)), 4),
        "validation_size": int(len(val_idx)),
        "auto_route_coverage": round(float(routed.mean()), 4),
        "auto_route_precision": round(float((predicted == y_val)[routed].mean()), 4)
        if routed.any()
        else None,
        "validation_log_loss": round(_log_loss(proba, classes, y_val), 4),
        "train_seconds": 0.0,
    }
    say(
        f"验证集 validation: macro-F1 {metrics['validation_macro_f1']:.4f}, "
        f"阈值 threshold {threshold:.3f} (自动分办 auto-route {metrics['auto_route_coverage']:.0%})"
    )
    if config.refit_on_all:
        say(f"用全部 {len(labels)} 条样本重新训练 refit on all examples")
        pipeline = fit_pipeline(titles, bodies, labels, config)
    metrics["train_seconds"] = round(time.perf_counter() - started, 1)
    return Router(pipeline, _card(labels, titles, bodies, threshold, metrics, params))


def _temperature(pipeline: Pipeline) -> float:
    """The fitted temperature (for the card); NaN if scikit-learn's internals change."""
    try:
        calibrator = pipeline.named_steps["clf"].calibrated_classifiers_[0].calibrators[0]
        return float(calibrator.beta_) ** -1 if hasattr(calibrator, "beta_") else float("nan")
    except (AttributeError, IndexError, KeyError):
        return float("nan")


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
