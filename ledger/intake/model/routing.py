"""Routing suggestions for intake: which 处室 should handle an item, how sure, topics and risk.

The trained model (classifier) gives the top 3 处室 with calibrated confidence, blended with the
处室 catalogue's own knowledge (data/departments.toml: terms, duties, typical requests — read afresh
for every intake batch, so an edited catalogue changes routing at once). Below the model's abstain
threshold the item waits for a person at the triage desk. With no model file yet, a cold-start model
is trained from the seed corpus (plus real 非本厅职责 messages from the shared data folder, when it
is there) and saved, so every item is routed by a model.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session

from classifier.opinion.risk import assess_normalised
from classifier.opinion.topics import OpinionConfig, load_opinion_config, topics_in
from classifier.opinion.topics import normalise as topic_form
from classifier.routing.card import ModelFileError, ModelVersionMismatch
from classifier.routing.catalogue import CataloguePrior
from classifier.routing.model import Prediction, TrainConfig
from classifier.routing.model import Router as ModelPipeline
from classifier.routing.model import load_router as load_model_file
from classifier.routing.negatives import load_real_negatives
from classifier.routing.seed import train_cold_start
from ledger.settings import Settings

log = logging.getLogger(__name__)
# Auto-routing skips a person: no ledger model auto-routes below this confidence, whatever its
# validation split allows. That split is mostly the seed corpus, written by the same people as the
# training data; issue 13 measured the cold-start model at 0.67 accuracy on real-style messages.
MIN_AUTO_THRESHOLD = 0.9


@dataclass(frozen=True)
class Suggestion:
    department_code: str
    confidence: float


@dataclass(frozen=True)
class RouteResult:
    """Top suggestions (best first); `auto` is True when confident enough to route without a person."""

    suggestions: list[Suggestion]
    auto: bool
    method: str
    topics: list[str] = field(default_factory=list)
    risk_level: str | None = None
    risk_reasons: list[str] = field(default_factory=list)

    @property
    def best(self) -> Suggestion | None:
        return self.suggestions[0] if self.suggestions else None


class Router(Protocol):
    def route(self, title: str, body: str) -> RouteResult: ...


class ModelRouter:
    """Adapts the classifier's model (and topic/risk rules) to what intake needs."""

    method = "model"

    def __init__(
        self, model: ModelPipeline, opinion: OpinionConfig, prior: CataloguePrior | None = None
    ) -> None:
        self.model = model
        self.opinion = opinion
        self.prior = prior

    def route(self, title: str, body: str) -> RouteResult:
        return self.route_many([(title, body)])[0]

    def route_many(self, texts: Sequence[tuple[str, str]]) -> list[RouteResult]:
        """A batch with one model call (intake hands over a page of records at once)."""
        if not texts:
            return []
        predictions = self.model.predict([t for t, _ in texts], [b for _, b in texts], self.prior)
        return [
            self._result(title, body, p)
            for (title, body), p in zip(texts, predictions, strict=True)
        ]

    def _result(self, title: str, body: str, prediction: Prediction) -> RouteResult:
        text = topic_form(f"{title}\n{body}")  # once for both the topics and the risk
        risk = assess_normalised(text, self.opinion)
        return RouteResult(
            suggestions=[Suggestion(code, round(float(p), 4)) for code, p in prediction.top3],
            auto=bool(prediction.auto_route),
            method=self.method,
            topics=topics_in(text, self.opinion),
            risk_level=risk.level,
            risk_reasons=list(risk.reasons),
        )


def save_model_atomically(model: ModelPipeline, path: Path) -> Path:
    """Write next to the target and rename, so a crawler never loads a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        model.save(tmp)
        os.replace(tmp, path)
        card = Path(tmp + ".card.json")
        if card.exists():
            os.replace(card, path.with_name(path.name + ".card.json"))
    finally:
        for leftover in (Path(tmp), Path(tmp + ".card.json")):
            leftover.unlink(missing_ok=True)
    return path


def cold_start_model(settings: Settings) -> ModelPipeline:
    return train_cold_start(
        settings.data_dir / "seed_corpus.csv",
        # the same floor as every ledger model (ledger.intake.model.routing.MIN_AUTO_THRESHOLD)
        config=TrainConfig(min_threshold=MIN_AUTO_THRESHOLD),
        negatives=load_real_negatives(settings.shared_data_dir),
    )


def load_prior(settings: Settings) -> CataloguePrior | None:
    """The catalogue's routing evidence; None (model only) when the file is missing or broken."""
    path = settings.data_dir / "departments.toml"
    try:
        return CataloguePrior.from_toml(path)
    except (OSError, ValueError, KeyError) as exc:  # tomllib.TOMLDecodeError is a ValueError
        log.error("处室目录 %s 无法读取（%s）：本批次只用模型分办。", path, exc)
        return None


def load_model(settings: Settings) -> ModelPipeline:
    """The saved model; trains and saves the cold-start model when there is none yet.

    A model that cannot be loaded (other library versions, a damaged file) is not used: the
    cold-start model stands in and the log says to run `huiying train`.
    """
    path = settings.model_path
    if not path.exists():
        log.warning("还没有分办模型：用种子语料训练冷启动模型并保存到 %s", path)
        model = cold_start_model(settings)
        save_model_atomically(model, path)
        return model
    try:
        return load_model_file(path)
    except (ModelVersionMismatch, ModelFileError) as exc:
        log.error("分办模型 %s 无法使用（%s）；暂用冷启动模型。请运行 huiying train。", path, exc)
        return cold_start_model(settings)


def load_router(session: Session, settings: Settings) -> Router:
    """The router intake uses. `session` is for future use (per-source routing overrides)."""
    del session
    opinion = load_opinion_config(settings.data_dir / "topics.toml")
    return ModelRouter(load_model(settings), opinion, load_prior(settings))
