"""Settings read once from environment variables, shared by the CLI, the crawler and the web app."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    instance_dir: Path
    # Real citizen messages beside the project (../shared/data), read at training time as
    # 非本厅职责 examples and never copied in; None where the folder is absent.
    shared_data_dir: Path | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        instance_dir = Path(env.get("HUIYING_INSTANCE_DIR", REPO_ROOT / "instance")).resolve()
        data_dir = Path(env.get("HUIYING_DATA_DIR", REPO_ROOT / "data")).resolve()
        default_db = f"sqlite:///{instance_dir / 'huiying.db'}"
        shared = Path(env.get("HUIYING_SHARED_DATA") or REPO_ROOT.parent / "shared" / "data")
        return cls(
            database_url=env.get("HUIYING_DATABASE_URL", default_db),
            data_dir=data_dir,
            instance_dir=instance_dir,
            shared_data_dir=shared.resolve() if shared.is_dir() else None,
        )

    @property
    def model_path(self) -> Path:
        """Where the trained routing model lives (an instance file, never in git)."""
        return self.instance_dir / "models" / "router.joblib"
