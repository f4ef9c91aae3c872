"""`huiying train` without --data: retrain from the seed corpus plus the ledger's confirmed routes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from huiying.commands.routing.classify import train


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HUIYING_DATABASE_URL", database_url)
    monkeypatch.setenv("HUIYING_INSTANCE_DIR", str(tmp_path))
    return tmp_path


def test_train_from_ledger_writes_the_instance_model(env: Path) -> None:
    result = CliRunner().invoke(train, [])
    assert result.exit_code == 0, result.output
    assert "训练完成" in result.output and "种子语料" in result.output
    assert (env / "models" / "router.joblib").exists()
    again = CliRunner().invoke(train, ["--if-missing"])
    assert again.exit_code == 0 and "已有分办模型" in again.output


def test_train_on_an_uninitialised_database_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUIYING_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setenv("HUIYING_INSTANCE_DIR", str(tmp_path))
    result = CliRunner().invoke(train, [])
    assert result.exit_code == 2
    assert "huiying init-db" in result.output
