"""Model card and persistence.

A model file is a joblib container holding two things: the card (plain JSON-able dict) and the
pickled estimator as bytes. Loading reads the card first and compares its library versions with the
running ones *before* unpickling any scikit-learn object, so a model made under other versions is
refused with `ModelVersionMismatch` instead of failing obscurely or predicting wrongly.
Pickles can run code when loaded: only load model files this installation wrote itself.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import platform
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import joblib

from classifier.words.text import segmenter_info

FORMAT = "huiying-router/1"

# Where the classifier's modules lived before they were grouped into subpackages: a model trained
# before then names its classes by the old paths, and an office's trained model must survive the upgrade.
MOVED_MODULES = {
    f"classifier.{name}": f"classifier.{package}.{name}"
    for package, names in {
        "words": ("text", "userdict", "charngrams", "features"),
        "routing": ("model", "catalogue", "negatives", "seed", "card", "evaluation"),
        "opinion": ("topics", "risk"),
    }.items()
    for name in names
}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        return super().find_class(MOVED_MODULES.get(module, module), name)


class ModelVersionMismatch(RuntimeError):
    """The model file was made with other library versions (or another tokenizer/user dictionary)."""


class ModelFileError(RuntimeError):
    """The file is not a huiying model (or is damaged)."""


def library_versions() -> dict[str, str]:
    """Versions that must match between training and loading, plus the tokenizer set-up."""
    versions = {
        "python": platform.python_version(),
        "scikit-learn": metadata.version("scikit-learn"),
        "numpy": metadata.version("numpy"),
        "scipy": metadata.version("scipy"),
        "joblib": metadata.version("joblib"),
    }
    versions.update(segmenter_info())
    return versions


def data_fingerprint(texts: Iterable[str], labels: Iterable[str]) -> str:
    """SHA-256 over the training texts and labels, in order."""
    digest = hashlib.sha256()
    for text, label in zip(texts, labels, strict=True):
        digest.update(text.encode("utf-8"))
        digest.update(b"\x1f")
        digest.update(label.encode("utf-8"))
        digest.update(b"\x1e")
    return digest.hexdigest()


@dataclass
class ModelCard:
    labels: list[str]
    threshold: float
    data_fingerprint: str
    n_examples: int
    metrics: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=library_versions)
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    format: str = FORMAT


def save(estimator: Any, card: ModelCard, path: str | Path) -> Path:
    """Write the model file and a human-readable ``<path>.card.json`` beside it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    card_dict = asdict(card)
    payload = pickle.dumps(estimator, protocol=pickle.HIGHEST_PROTOCOL)
    joblib.dump({"card": card_dict, "estimator": payload}, path, compress=3)
    card_path = path.with_name(path.name + ".card.json")
    card_path.write_text(json.dumps(card_dict, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def version_differences(saved: dict[str, str]) -> list[str]:
    current = library_versions()
    return [
        f"{name}: {saved.get(name, '?')} → {current[name]}"
        for name in sorted(current)
        if saved.get(name) != current[name]
    ]


def load(path: str | Path) -> tuple[Any, ModelCard]:
    """Read a model file; raise ModelVersionMismatch if it was made under other versions."""
    path = Path(path)
    try:
        container = joblib.load(path)
    except FileNotFoundError:
        raise
    except Exception as exc:
        raise ModelFileError(f"无法读取模型文件 {path} / cannot read model file: {exc}") from exc
    if not isinstance(container, dict) or container.get("card", {}).get("format") != FORMAT:
        raise ModelFileError(f"{path} 不是 huiying 分办模型 / is not a huiying router model")
    card = ModelCard(**container["card"])
    diffs = version_differences(card.versions)
    if diffs:
        raise ModelVersionMismatch(
            f"模型 {path} 是用不同版本的软件训练的（{'; '.join(diffs)}），请重新运行 `huiying train`。"
            f"\nModel {path} was trained with other library versions; run `huiying train` again."
        )
    return _Unpickler(io.BytesIO(container["estimator"])).load(), card
