"""Learning from staff, safely: retrain after N new confirmed routes, switch only if not worse.

`retrain_if_due` is what the running service calls in the background (huiying/commands/jobs.py,
through `huiying model retrain --if-due`). It counts the routes staff confirmed or corrected (each
item's latest decision, see `ledger.intake.model.training.ledger_examples`); once `every` more have arrived than
the current model (or the last attempt) had seen, it trains a candidate on the seed corpus, the real
非本厅职责 messages and the confirmed routes — except one in five, chosen by item id and never
trained on by an automatic retrain — and compares candidate and current model on those held-out
routes (macro-F1 of the top suggestion, with the 处室 catalogue prior, as intake routes). The
candidate replaces the current model only if it is not worse; the old model is kept for
`huiying model rollback` and the admin page's 回滚 (`rollback_recorded`, `rollback_by_admin`).
Both figures go on the new model's card and into the update log.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from classifier.routing.card import ModelCard, ModelFileError, ModelVersionMismatch
from classifier.routing.model import Router as ModelPipeline
from ledger.audit import record_event
from ledger.intake.model.model_store import (
    ModelBusy,
    RollbackError,
    archive_and_save,
    card_of,
    read_log,
    record,
    rollback,
    update_lock,
)
from ledger.intake.model.routing import load_model, load_prior
from ledger.intake.model.training import Example, base_examples, ledger_examples, macro_f1, train
from ledger.models import Role, User
from ledger.settings import Settings
from ledger.workflow.guards import WorkflowError, require_role

Progress = Callable[[str], None]
DEFAULT_EVERY = 50
HELD_OUT_ONE_IN = 5


@dataclass(frozen=True)
class UpdateOutcome:
    status: str  # "not_due" | "switched" | "refused"
    ledger_examples: int
    new_since_last: int
    held_out: int = 0
    candidate_macro_f1: float | None = None
    current_macro_f1: float | None = None
    path: Path | None = None

    def summary(self) -> str:
        if self.status == "not_due":
            return (
                f"分办模型无需更新：自上次训练以来新增确认分办 {self.new_since_last} 条，"
                f"共 {self.ledger_examples} 条"
            )
        verdict = "已切换到新模型" if self.status == "switched" else "新模型更差，未切换"
        return (
            f"{verdict}：留出的 {self.held_out} 条确认分办上，新模型宏平均 F1 "
            f"{self.candidate_macro_f1:.3f}，当前模型 {self.current_macro_f1:.3f}"
        )


def is_held_out(item_id: int | None) -> bool:
    """Stable across runs and processes: the same items are held out every time."""
    if item_id is None:
        return False
    return hashlib.sha256(str(item_id).encode()).digest()[0] % HELD_OUT_ONE_IN == 0


def seen_examples(settings: Settings, current: ModelPipeline) -> int:
    """Confirmed routes already accounted for: by the current model or by the last attempt."""
    seen = int(current.card.params.get("ledger_examples", 0))
    for entry in read_log(settings):
        seen = max(seen, int(entry.get("ledger_examples", 0)))
    return seen


def retrain_if_due(
    session: Session,
    settings: Settings,
    every: int = DEFAULT_EVERY,
    progress: Progress = lambda _msg: None,
) -> UpdateOutcome:
    current = load_model(settings)
    learned = ledger_examples(session)
    new = len(learned) - seen_examples(settings, current)
    if new < every:
        return UpdateOutcome("not_due", len(learned), new)
    held = [e for e in learned if is_held_out(e.item_id)]
    kept = [e for e in learned if not is_held_out(e.item_id)]
    progress(f"新增确认分办 {new} 条：用 {len(kept)} 条训练候选模型，留出 {len(held)} 条做对比")
    candidate = train(base_examples(settings) + kept, progress)
    candidate.card.params["ledger_examples"] = len(learned)
    return consider(candidate, current, held, settings, new_since_last=new)


def consider(
    candidate: ModelPipeline,
    current: ModelPipeline,
    held: list[Example],
    settings: Settings,
    *,
    new_since_last: int = 0,
) -> UpdateOutcome:
    """Switch to `candidate` only if it routes the held-out confirmed items at least as well."""
    learned = int(candidate.card.params.get("ledger_examples", 0))
    if not held:
        record(
            settings,
            {"action": "refused", "reason": "no held-out items", "ledger_examples": learned},
        )
        return UpdateOutcome("refused", learned, new_since_last)
    prior = load_prior(settings)
    new_f1 = round(macro_f1(candidate, held, prior), 4)
    old_f1 = round(macro_f1(current, held, prior), 4)
    figures = {
        "held_out": len(held),
        "candidate_macro_f1": new_f1,
        "current_macro_f1": old_f1,
        "ledger_examples": learned,
    }
    if new_f1 < old_f1:
        record(settings, {"action": "refused", **figures, "created_at": candidate.card.created_at})
        return UpdateOutcome("refused", learned, new_since_last, len(held), new_f1, old_f1)
    candidate.card.metrics.update(
        {
            "heldout_macro_f1": new_f1,
            "previous_model_heldout_macro_f1": old_f1,
            "heldout_size": len(held),
            "previous_model_created_at": current.card.created_at,
        }
    )
    path = archive_and_save(candidate, settings)
    record(settings, {"action": "switched", **figures, "created_at": candidate.card.created_at})
    return UpdateOutcome("switched", learned, new_since_last, len(held), new_f1, old_f1, path)


def rollback_by_admin(
    session: Session, admin: User, settings: Settings, now: datetime
) -> ModelCard:
    """The admin page's 回滚 (administrators only): `rollback_recorded` under the admin's name."""
    require_role(admin, (Role.ADMIN,), "回滚分办模型")
    return rollback_recorded(session, admin, settings, now)


def rollback_recorded(
    session: Session, actor: str | User, settings: Settings, now: datetime, note: str | None = None
) -> ModelCard:
    """A 回滚 that says who did it, whether from the admin page or `huiying model rollback` (an OS
    user or `--by`): the update lock, `model_store.rollback` with the name in its log line, and an
    event in the ledger's audit trail like every other admin change. Refusals are WorkflowErrors."""
    retired = card_of(settings.model_path) or {}
    by = actor.username if isinstance(actor, User) else actor
    try:
        with update_lock(settings):
            card = rollback(settings, by=by)
    except (RollbackError, ModelBusy) as exc:
        raise WorkflowError(str(exc)) from exc
    except (ModelVersionMismatch, ModelFileError) as exc:
        raise WorkflowError(f"上一版本的分办模型无法使用，未回滚：{exc}") from exc
    record_event(
        session,
        None,
        actor,
        "回滚分办模型",
        before={"模型训练于": retired.get("created_at"), "样本数": retired.get("n_examples")},
        after={"模型训练于": card.created_at, "样本数": card.n_examples},
        note=note,
        at=now,
    )
    return card
