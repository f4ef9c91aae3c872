"""The routing model's files: the current model, earlier ones kept for rollback, and a decision log.

instance/models/router.joblib            the model intake uses (+ .card.json)
instance/models/history/router-<t>.joblib models it replaced, newest last — `rollback` restores one
instance/models/history/retired-<t>.joblib models an administrator rolled back (never restored)
instance/models/updates.jsonl            one line per retrain decision or rollback, with figures

Every write goes through a temporary file and a rename, so a running intake never loads half a file.
"""

from __future__ import annotations

import json
import os
import shutil
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from classifier.routing.card import ModelCard
from classifier.routing.model import Router as ModelPipeline
from classifier.routing.model import load_router as load_model_file
from ledger.intake.model.routing import save_model_atomically
from ledger.settings import Settings

KEEP = 10  # earlier models kept for rollback
NOTHING_TO_ROLL_BACK = (
    "没有可以回滚到的上一版本分办模型：只有后台重新训练切换模型后，被替换的模型才会保留以供回滚"
    "（回滚时停用的模型不能再恢复）。"
)


class RollbackError(RuntimeError):
    """No earlier model to go back to."""


class ModelBusy(RuntimeError):
    """Another process (the background retrain, the CLI, another web worker) is changing the model."""


def lock_path(settings: Settings) -> Path:
    """Held while a model is trained, switched or rolled back (one such change at a time)."""
    return settings.model_path.parent / "update.lock"


def update_lock(settings: Settings) -> AbstractContextManager[object]:
    """One model change at a time: raises ModelBusy at once when another change is under way.

    Returns filelock's acquire proxy, a context manager that releases the lock on exit."""
    lock_path(settings).parent.mkdir(parents=True, exist_ok=True)
    try:
        return FileLock(str(lock_path(settings))).acquire(timeout=0)
    except Timeout as exc:
        raise ModelBusy("另一个进程正在更新分办模型，本次跳过。") from exc


def history_dir(settings: Settings) -> Path:
    return settings.model_path.parent / "history"


def log_path(settings: Settings) -> Path:
    return settings.model_path.parent / "updates.jsonl"


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _card_file(path: Path) -> Path:
    return path.with_name(path.name + ".card.json")


def _move(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)
    if _card_file(src).exists():
        shutil.copy2(_card_file(src), _card_file(dst))


def previous_models(settings: Settings) -> list[Path]:
    """Models that `rollback` can restore, oldest first."""
    return sorted(history_dir(settings).glob("router-*.joblib"))


def archive_and_save(model: ModelPipeline, settings: Settings) -> Path:
    """Keep the current model for rollback, then make `model` the current one."""
    current = settings.model_path
    if current.exists():
        _move(current, history_dir(settings) / f"router-{_stamp()}.joblib")
        for old in previous_models(settings)[:-KEEP]:
            old.unlink(missing_ok=True)
            _card_file(old).unlink(missing_ok=True)
    return save_model_atomically(model, current)


def rollback(settings: Settings, by: str | None = None) -> ModelCard:
    """Restore the most recent earlier model; the current one is retired (kept, never restored).

    Call it holding `update_lock`. `by` (the administrator, from the web page) goes into the log.
    Intake reads the model file for every batch, so every process routes with the restored model
    from its next batch on, as after a background switch."""
    candidates = previous_models(settings)
    if not candidates:
        raise RollbackError(NOTHING_TO_ROLL_BACK)
    previous = candidates[-1]
    restored = load_model_file(previous)  # refuses files made under other library versions
    current = settings.model_path
    retired_card = None
    if current.exists():
        if _card_file(current).exists():
            retired_card = json.loads(_card_file(current).read_text("utf-8")).get("created_at")
        _move(current, history_dir(settings) / f"retired-{_stamp()}.joblib")
    save_model_atomically(restored, current)
    previous.unlink()
    _card_file(previous).unlink(missing_ok=True)
    record(
        settings,
        {
            "action": "rollback",
            "restored_created_at": restored.card.created_at,
            "retired_created_at": retired_card,
            # automatic retraining waits for new decisions beyond what the retired model had seen
            "ledger_examples": _ledger_examples_of(retired_card, settings),
            **({"by": by} if by else {}),
        },
    )
    return restored.card


def _ledger_examples_of(created_at: str | None, settings: Settings) -> int:
    for entry in reversed(read_log(settings)):
        if entry.get("created_at") == created_at and "ledger_examples" in entry:
            return int(entry["ledger_examples"])
    return 0


def record(settings: Settings, entry: dict[str, Any]) -> None:
    path = log_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"at": datetime.now(UTC).isoformat(timespec="seconds"), **entry})
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def read_log(settings: Settings) -> list[dict[str, Any]]:
    path = log_path(settings)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def card_of(path: Path) -> dict[str, Any] | None:
    """The card beside a model file, read without loading (unpickling) the model."""
    card = _card_file(path)
    if not card.exists():
        return None
    try:
        data = json.loads(card.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


@dataclass(frozen=True)
class Overview:
    """What `huiying model show` and the admin page show: the current model's card, the card of
    the model `rollback` would restore, how many earlier models are kept, the latest decisions."""

    current: dict[str, Any] | None
    previous: dict[str, Any] | None
    kept: int
    log: list[dict[str, Any]]


def overview(settings: Settings, log_entries: int = 10) -> Overview:
    earlier = previous_models(settings)
    current = card_of(settings.model_path) if settings.model_path.exists() else None
    return Overview(
        current=current,
        previous=card_of(earlier[-1]) if earlier else None,
        kept=len(earlier),
        log=read_log(settings)[-log_entries:],
    )
