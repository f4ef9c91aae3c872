"""The routing model's card as the admin page shows it: Chinese labels, Beijing time, percentages.

Reads the plain dicts of `ledger.intake.model.model_store.overview` (the card JSON beside each model file),
so showing the page never loads (unpickles) a model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from webapp.display import local_time

# card metric → (label, shown as a percentage?); metrics not listed here are shown under their key
METRICS: dict[str, tuple[str, bool]] = {
    "validation_macro_f1": ("验证集宏平均 F1", False),
    "validation_accuracy": ("验证集准确率", True),
    "validation_size": ("验证集条数", False),
    "auto_route_coverage": ("验证集中可自动分办的比例", True),
    "auto_route_precision": ("其中分办正确的比例", True),
    "heldout_macro_f1": ("留出的人工确认分办上的宏平均 F1", False),
    "previous_model_heldout_macro_f1": ("当时的在用模型在同一留出集上的宏平均 F1", False),
    "heldout_size": ("留出的人工确认分办条数", False),
    "validation_log_loss": ("验证集对数损失", False),
    "train_seconds": ("训练用时（秒）", False),
}
ACTIONS = {"switched": "已切换到新模型", "refused": "新模型未采用", "rollback": "回滚到上一版本"}


@dataclass(frozen=True)
class CardView:
    trained_at: str
    examples: int
    ledger_examples: int | None
    labels: int
    threshold: str
    figures: list[tuple[str, str]]
    replaced: str | None  # when the model it replaced was trained (after an automatic switch)


def moment(text: object) -> str:
    try:
        return local_time(datetime.fromisoformat(str(text)), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return str(text or "—")


def _figure(value: Any, percent: bool) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1%}" if percent else f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)


def card_view(card: Mapping[str, Any] | None) -> CardView | None:
    if card is None:
        return None
    metrics = dict(card.get("metrics") or {})
    replaced = metrics.pop("previous_model_created_at", None)
    figures = [
        (label, _figure(metrics[key], percent))
        for key, (label, percent) in METRICS.items()
        if key in metrics
    ]
    figures += [
        (key, _figure(value, False)) for key, value in metrics.items() if key not in METRICS
    ]
    learned = (card.get("params") or {}).get("ledger_examples")
    return CardView(
        trained_at=moment(card.get("created_at")),
        examples=int(card.get("n_examples") or 0),
        ledger_examples=int(learned) if learned is not None else None,
        labels=len(card.get("labels") or []),
        threshold=_figure(card.get("threshold"), True),
        figures=figures,
        replaced=moment(replaced) if replaced else None,
    )


@dataclass(frozen=True)
class LogLine:
    at: str
    action: str
    detail: str


def log_line(entry: Mapping[str, Any]) -> LogLine:
    """One line of the update log (updates.jsonl) in words."""
    action = str(entry.get("action", ""))
    if action == "rollback":
        detail = (
            f"恢复训练于 {moment(entry.get('restored_created_at'))} 的模型，"
            f"停用训练于 {moment(entry.get('retired_created_at'))} 的模型"
        )
        if entry.get("by"):
            detail += f"（操作人：{entry['by']}）"
    elif "candidate_macro_f1" in entry:
        detail = (
            f"留出的 {entry.get('held_out')} 条确认分办上：新模型宏平均 F1 "
            f"{entry['candidate_macro_f1']}，在用模型 {entry.get('current_macro_f1')}"
        )
    else:
        detail = str(entry.get("reason", ""))
    return LogLine(moment(entry.get("at")), ACTIONS.get(action, action), detail)
