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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from classifier.card import ModelCard
from classifier.model import Router as ModelPipeline
from classifier.model import load_router as load_model_file
from ledger.intake.routing import save_model_atomically
from ledger.settings import Settings

KEEP = 10  # earlier models kept for rollback


class RollbackError(RuntimeError):
    """No earlier model to go back to."""


def lock_path(settings: Settings) -> Path:
    """Held while a model is trained, switched or rolled back (one such change at a time)."""
    return settings.model_path.parent / "update.lock"


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


def rollback(settings: Settings) -> ModelCard:
    """Restore the most recent earlier model; the current one is retired (kept, never restored)."""
    candidates = previous_models(settings)
    if not candidates:
        raise RollbackError("没有可以回滚到的旧模型（history 目录为空）。")
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
