"""Learning from staff: confirmed and corrected routes in the ledger become training examples."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sqlalchemy import select
from sqlalchemy.orm import Session

from classifier.routing.catalogue import CataloguePrior
from classifier.routing.model import Router as ModelPipeline
from classifier.routing.model import TrainConfig, train_from_examples
from classifier.routing.negatives import NOT_OURS, load_real_negatives
from classifier.routing.seed import load_seed_corpus
from ledger.intake.model.model_store import archive_and_save
from ledger.intake.model.routing import MIN_AUTO_THRESHOLD
from ledger.models import Department, Item, RoutingDecision
from ledger.settings import Settings

Progress = Callable[[str], None]
TRAIN_CONFIG = TrainConfig(min_threshold=MIN_AUTO_THRESHOLD)
# Below this many confirmed routes a held-out comparison says nothing; report validation metrics only.
MIN_HELD_OUT = 20


@dataclass(frozen=True)
class Example:
    title: str
    body: str
    label: str
    item_id: int | None = None  # None for seed-corpus and shared-data examples


@dataclass(frozen=True)
class RetrainReport:
    ledger_examples: int
    seed_examples: int
    held_out: int
    before_macro_f1: float | None  # a seed-corpus-only model on held-out confirmed routes
    after_macro_f1: float | None  # the new model (trained without them) on the same items
    validation_macro_f1: float
    threshold: float
    auto_route_coverage: float
    path: Path


def ledger_examples(session: Session) -> list[Example]:
    """Each item's latest routing decision, when a person confirmed or corrected it.

    A later decision wins: an item a 处室 sent back after confirmation teaches nothing until
    triage routes it again.
    """
    rows = session.execute(
        select(
            RoutingDecision.item_id,
            RoutingDecision.is_training_example,
            Item.title,
            Item.body,
            Department.code,
        )
        .join(Item, Item.id == RoutingDecision.item_id)
        .outerjoin(Department, Department.id == RoutingDecision.department_id)
        .order_by(RoutingDecision.item_id, RoutingDecision.id)
    )
    latest: dict[int, Example | None] = {}
    for item_id, is_example, title, body, code in rows:
        latest[item_id] = Example(title, body, code, item_id) if is_example and code else None
    return [e for e in latest.values() if e is not None]


def base_examples(settings: Settings) -> list[Example]:
    """What every model learns from before the ledger: the seed corpus and, when the shared data
    folder is there, real 非本厅职责 messages (read from it, never copied)."""
    seed = [
        Example(e.title, e.body, e.department_code)
        for e in load_seed_corpus(settings.data_dir / "seed_corpus.csv")
    ]
    negatives = load_real_negatives(settings.shared_data_dir)
    return seed + [Example(n.title, n.body, NOT_OURS) for n in negatives]


def macro_f1(
    model: ModelPipeline, examples: list[Example], prior: CataloguePrior | None = None
) -> float:
    """Macro-F1 of the model's top suggestion (with the catalogue prior, as intake routes)."""
    predictions = model.predict([e.title for e in examples], [e.body for e in examples], prior)
    return float(
        f1_score([e.label for e in examples], [p.label for p in predictions], average="macro")
    )


def train(examples: list[Example], progress: Progress) -> ModelPipeline:
    router = train_from_examples(
        [e.title for e in examples],
        [e.body for e in examples],
        [e.label for e in examples],
        config=TRAIN_CONFIG,
        progress=progress,
    )
    router.card.params["real_negatives"] = sum(
        e.label == NOT_OURS and e.item_id is None for e in examples
    )
    return router


def retrain(session: Session, settings: Settings, progress: Progress = print) -> RetrainReport:
    """Retrain on the seed corpus plus the ledger's confirmed routes; compare before and after."""
    seed = base_examples(settings)
    learned = ledger_examples(session)
    progress(
        f"种子语料（含真实的非本厅职责留言）{len(seed)} 条，台账中人工确认/改派的分办 {len(learned)} 条"
    )
    before = after = None
    held: list[Example] = []
    if len(learned) >= MIN_HELD_OUT:
        labels = [e.label for e in learned]
        stratify = labels if min(labels.count(x) for x in set(labels)) >= 2 else None
        kept, held = train_test_split(learned, test_size=0.2, random_state=0, stratify=stratify)
        # "Before" = what the seed corpus alone knows; the saved model may have seen these items.
        baseline = train(seed, lambda _msg: None)
        before = macro_f1(baseline, held)
        progress(f"对比：留出 {len(held)} 条确认过的分办；仅用种子语料的模型宏平均 F1 {before:.3f}")
        candidate = train(seed + list(kept), progress)
        after = macro_f1(candidate, held)
        progress(f"新模型（未见过这 {len(held)} 条）宏平均 F1 {after:.3f}")
    progress("用全部样本训练最终模型")
    model = train(seed + learned, progress)
    model.card.params["ledger_examples"] = len(learned)
    path = archive_and_save(model, settings)
    metrics = model.card.metrics
    return RetrainReport(
        ledger_examples=len(learned),
        seed_examples=len(seed),
        held_out=len(held),
        before_macro_f1=before,
        after_macro_f1=after,
        validation_macro_f1=float(metrics["validation_macro_f1"]),
        threshold=float(model.threshold),
        auto_route_coverage=float(metrics["auto_route_coverage"]),
        path=path,
    )
