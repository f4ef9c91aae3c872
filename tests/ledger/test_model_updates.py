"""Learning from staff, safely: 60 confirmed routes → the background job retrains and switches;
a worse model is refused; an administrator can roll back."""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from huiying.cli import main
from huiying.commands.jobs import RetrainLoop
from ledger.db import make_engine, make_session_factory
from ledger.intake.model.model_store import previous_models, read_log
from ledger.intake.model.model_updates import consider, is_held_out, retrain_if_due
from ledger.intake.model.routing import load_model
from ledger.intake.model.training import Example, base_examples, ledger_examples, train
from ledger.intake.pipeline import IntakeContext, intake
from ledger.intake.records import IntakeRecord
from ledger.models import Item, ItemStatus, User
from ledger.settings import Settings
from ledger.workflow.triage import confirm, reroute

PLACES = [
    "城东",
    "河西",
    "高新区",
    "开发区",
    "北关",
    "南湖",
    "江北",
    "新城",
    "老城",
    "临港",
    "西塘",
    "东坝",
]
ISSUES = ["建设审批慢", "布点不足", "企业申请补贴", "运营商收费乱", "功率标准不统一"]


def _instance(tmp_path: Path, instance_dir: Path) -> Path:
    """A private instance folder with the session's cold-start model (nothing else touches it)."""
    private = tmp_path / "instance"
    shutil.copytree(instance_dir / "models", private / "models")
    return private


def _confirm_charging_pile_routes(settings: Settings, start: int = 0) -> None:
    """Staff route every complaint about 充电桩 to 节能与综合利用处 (the model says otherwise)."""
    engine = make_engine(settings.database_url)
    with make_session_factory(engine).begin() as session:
        ctx = IntakeContext.load(session, settings)
        user = session.scalars(select(User).where(User.username == "fenban")).one()
        now = datetime(2026, 11, 20, tzinfo=UTC)
        for n, (place, issue) in enumerate(
            [(p, i) for p in PLACES for i in ISSUES][start : start + 60]
        ):
            record = IntakeRecord(
                source="demo_board",
                external_id=f"CP-{start + n}",
                item_type="留言板",
                title=f"{place}充电桩{issue}",
                body=f"{place}的公共充电桩{issue}，附近企业和居民意见很大，请求省里协调。",
                received_at=now + timedelta(minutes=n),
            )
            item = session.get(Item, intake(session, record, ctx).item_id)
            assert item is not None
            if item.status == ItemStatus.NEW:
                confirm(
                    session, user, item.id, item.version, now=now, department_code="energy_saving"
                )
            elif item.department is None or item.department.code != "energy_saving":
                reroute(session, user, item.id, item.version, "energy_saving", now=now)
    engine.dispose()


@pytest.mark.slow
def test_sixty_confirmed_routes_switch_models_in_the_background(
    database_url: str, data_dir: Path, instance_dir: Path, tmp_path: Path
) -> None:
    private = _instance(tmp_path, instance_dir)
    settings = Settings(database_url, data_dir, private, Settings.from_env().shared_data_dir)
    before = load_model(settings)
    _confirm_charging_pile_routes(settings)

    env = {
        **os.environ,
        "HUIYING_DATABASE_URL": database_url,
        "HUIYING_INSTANCE_DIR": str(private),
        "HUIYING_DATA_DIR": str(data_dir),
        "HUIYING_RETRAIN_EVERY": "50",
    }
    loop = RetrainLoop(minutes=0.01, env=env).start()  # checks every 0.6 s
    try:
        deadline = time.monotonic() + 240
        while not read_log(settings):
            assert time.monotonic() < deadline, "the background retrain never decided"
            time.sleep(0.5)
    finally:
        loop.stop()
        loop.thread.join(timeout=120)
    (entry,) = read_log(settings)
    assert entry["action"] == "switched", entry
    assert entry["ledger_examples"] == 60 and entry["held_out"] >= 5
    assert entry["candidate_macro_f1"] > entry["current_macro_f1"]

    after = load_model(settings)
    assert after.card.created_at != before.card.created_at
    assert after.card.metrics["heldout_macro_f1"] == entry["candidate_macro_f1"]
    assert after.card.metrics["previous_model_heldout_macro_f1"] == entry["current_macro_f1"]
    assert after.predict_one("充电桩", "小区周边充电桩建设进度太慢").label == "energy_saving"
    assert len(previous_models(settings)) == 1

    # Nothing new confirmed: the next check does nothing.
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        assert retrain_if_due(session, settings, every=50).status == "not_due"
    engine.dispose()

    # The administrator rolls back: the cold-start model is current again.
    result = CliRunner().invoke(main, ["model", "rollback"], env=env)
    assert result.exit_code == 0, result.output
    assert "已回滚" in result.output
    assert load_model(settings).card.created_at == before.card.created_at
    assert read_log(settings)[-1]["action"] == "rollback"
    # … and automatic retraining does not immediately undo the rollback.
    with make_session_factory(engine)() as session:
        assert retrain_if_due(session, settings, every=50).status == "not_due"
    engine.dispose()
    again = CliRunner().invoke(main, ["model", "rollback"], env=env)
    assert again.exit_code != 0 and "没有可以回滚" in again.output


def test_a_worse_model_is_refused(
    database_url: str, data_dir: Path, instance_dir: Path, tmp_path: Path
) -> None:
    private = _instance(tmp_path, instance_dir)
    settings = Settings(database_url, data_dir, private, None)
    _confirm_charging_pile_routes(settings)
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        assert retrain_if_due(session, settings, every=50).status == "switched"
        learned = ledger_examples(session)
    engine.dispose()
    current = load_model(settings)
    stamp = settings.model_path.stat().st_mtime_ns
    held = [e for e in learned if is_held_out(e.item_id)]
    # Deliberately worse: the same training data with the labels shuffled.
    base = base_examples(settings) + [e for e in learned if not is_held_out(e.item_id)]
    labels = [e.label for e in base]
    random.Random(0).shuffle(labels)
    bad = train(
        [Example(e.title, e.body, label) for e, label in zip(base, labels, strict=True)],
        lambda _m: None,
    )
    bad.card.params["ledger_examples"] = len(learned) + 50
    outcome = consider(bad, current, held, settings)
    assert outcome.status == "refused"
    assert outcome.candidate_macro_f1 is not None and outcome.current_macro_f1 is not None
    assert outcome.candidate_macro_f1 < outcome.current_macro_f1
    assert settings.model_path.stat().st_mtime_ns == stamp  # the current model was not touched
    entry = read_log(settings)[-1]
    assert entry["action"] == "refused" and entry["current_macro_f1"] == outcome.current_macro_f1
    assert "未切换" in outcome.summary()
    card = json.loads(settings.model_path.with_name("router.joblib.card.json").read_text("utf-8"))
    assert card["created_at"] == current.card.created_at


def test_one_model_change_at_a_time(
    database_url: str, data_dir: Path, instance_dir: Path, tmp_path: Path
) -> None:
    from filelock import FileLock

    from ledger.intake.model.model_store import lock_path

    private = _instance(tmp_path, instance_dir)
    settings = Settings(database_url, data_dir, private, None)
    env = {**os.environ, "HUIYING_DATABASE_URL": database_url, "HUIYING_INSTANCE_DIR": str(private)}
    with FileLock(str(lock_path(settings))):
        for args in (["model", "retrain"], ["model", "rollback"]):
            result = CliRunner().invoke(main, args, env=env)
            assert result.exit_code != 0 and "另一个进程正在更新分办模型" in result.output
    result = CliRunner().invoke(main, ["model", "retrain"], env=env)
    assert result.exit_code == 0 and "无需更新" in result.output


@pytest.mark.parametrize("by", [None, "张工"], ids=["操作系统用户", "--by"])
def test_the_command_line_rollback_records_who_ran_it(
    database_url: str, data_dir: Path, instance_dir: Path, tmp_path: Path, by: str | None
) -> None:
    """As the admin page's 回滚 does: the name goes into updates.jsonl and the audit trail."""
    import getpass

    from ledger.intake.model.model_store import archive_and_save
    from ledger.models import Event

    private = _instance(tmp_path, instance_dir)
    settings = Settings(database_url, data_dir, private, None)
    archive_and_save(load_model(settings), settings)  # an earlier model to go back to
    env = {**os.environ, "HUIYING_DATABASE_URL": database_url, "HUIYING_INSTANCE_DIR": str(private)}
    args = ["model", "rollback", *(["--by", by] if by else [])]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 0, result.output
    who = by or getpass.getuser()
    assert f"操作人 {who}" in result.output
    entry = read_log(settings)[-1]
    assert entry["action"] == "rollback" and entry["by"] == who
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        [event] = session.scalars(select(Event).where(Event.action == "回滚分办模型"))
        assert (event.actor, event.actor_user_id, event.item_id) == (who, None, None)
        assert event.note == "huiying model rollback（命令行）"
    engine.dispose()
    # nothing left to roll back to: refused, and no second event
    again = CliRunner().invoke(main, args, env=env)
    assert again.exit_code != 0 and "没有可以回滚" in again.output
    with make_session_factory(engine)() as session:
        assert len(session.scalars(select(Event).where(Event.action == "回滚分办模型")).all()) == 1
    engine.dispose()
