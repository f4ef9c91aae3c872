"""The 处室 catalogue routes at once: edited terms change suggestions without retraining.

Also: real 非本厅职责 examples come from the shared data folder when it is there, and the product
still trains from its own seed corpus when it is not.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from classifier.routing.negatives import load_real_negatives
from ledger.intake.model.routing import cold_start_model
from ledger.intake.pipeline import IntakeContext
from ledger.settings import REPO_ROOT, Settings

TITLE, BODY = "咨询", "我们是做氢能的企业，计划建一座加氢站，请问省里有没有支持？"


def _edit_terms(path: Path, code: str, extra: list[str]) -> None:
    text = path.read_text(encoding="utf-8")
    marker = f'code = "{code}"'
    head, tail = text.split(marker, 1)
    before, after = tail.split("terms = [", 1)
    quoted = "".join(f'"{t}", ' for t in extra)
    path.write_text(head + marker + before + "terms = [" + quoted + after, encoding="utf-8")


def test_editing_a_departments_terms_changes_the_suggestion_without_retraining(
    session: Session, data_dir: Path, instance_dir: Path, tmp_path: Path
) -> None:
    edited = tmp_path / "data"
    shutil.copytree(data_dir, edited, ignore=shutil.ignore_patterns("demo", "sources"))
    settings = Settings("unused", edited, instance_dir)
    model_file = settings.model_path
    stamp = model_file.stat().st_mtime_ns

    before = IntakeContext.load(session, settings).router.route(TITLE, BODY)
    assert before.best is not None and before.best.department_code != "energy_saving"

    _edit_terms(edited / "departments.toml", "energy_saving", ["氢能", "加氢站"])
    after = IntakeContext.load(session, settings).router.route(TITLE, BODY)
    assert after.best is not None and after.best.department_code == "energy_saving"
    assert not after.auto  # a route only the catalogue suggests is checked by a person
    assert model_file.stat().st_mtime_ns == stamp  # same model file: nothing was retrained


def test_a_broken_catalogue_falls_back_to_the_model(
    session: Session, data_dir: Path, instance_dir: Path, tmp_path: Path
) -> None:
    edited = tmp_path / "data"
    shutil.copytree(data_dir, edited, ignore=shutil.ignore_patterns("demo", "sources"))
    (edited / "departments.toml").write_text("[[department]\ncode = ", encoding="utf-8")
    router = IntakeContext.load(session, Settings("unused", edited, instance_dir)).router
    assert router.prior is None  # type: ignore[attr-defined]
    assert router.route(TITLE, BODY).best is not None


SHARED = Settings.from_env().shared_data_dir


@pytest.mark.skipif(SHARED is None, reason="../shared/data not found (set HUIYING_SHARED_DATA)")
def test_real_negatives_are_read_from_the_shared_folder_not_the_repo() -> None:
    negatives = load_real_negatives(SHARED)
    sources = {n.source for n in negatives}
    assert {"teddycup2020/hot_messages.csv", "fuzhou12345/work_orders.csv"} <= sources
    assert len(negatives) == 150 and all(n.body for n in negatives)
    assert load_real_negatives(SHARED) == negatives  # reproducible sample
    # never copied into the repository
    tracked = {p.name for p in REPO_ROOT.rglob("*.csv") if ".venv" not in p.parts}
    assert not tracked & {"hot_messages.csv", "replied_messages.csv", "work_orders.csv"}
    model = cold_start_model(Settings("unused", REPO_ROOT / "data", Path("unused"), SHARED))
    assert model.card.params["real_negatives"] == 150


def test_without_the_shared_folder_the_seed_corpus_alone_trains(tmp_path: Path) -> None:
    assert load_real_negatives(None) == [] and load_real_negatives(tmp_path) == []
    model = cold_start_model(Settings("unused", REPO_ROOT / "data", tmp_path, None))
    assert model.card.params["real_negatives"] == 0
    assert "not_ours" in model.labels and "equipment" in model.labels


def test_cold_start_router_on_messages_written_apart_from_the_seed_corpus(
    session: Session, data_dir: Path, instance_dir: Path
) -> None:
    """Regression floor well below the measured figure (benchmarks/routing_report.py, README)."""
    import csv

    from sklearn.metrics import f1_score

    with open(REPO_ROOT / "tests" / "files" / "routing_messages.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 100
    router = IntakeContext.load(session, Settings("unused", data_dir, instance_dir)).router
    predicted = [router.route(r["title"], r["body"]).best for r in rows]
    truth = [r["department_code"] for r in rows]
    labels = [p.department_code if p else "" for p in predicted]
    assert f1_score(truth, labels, average="macro") >= 0.85
