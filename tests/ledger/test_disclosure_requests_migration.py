"""Migration 'foi' (依申请公开 records) goes up and down on both backends; `huiying remind` marks an
application whose 补正 date has passed as 视为撤回."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from alembic import command
from click.testing import CliRunner
from sqlalchemy import inspect, select

from huiying.cli import main
from ledger.clock.deadlines import SHANGHAI
from ledger.db import make_engine, make_session_factory
from ledger.intake.pipeline import IntakeContext, intake
from ledger.intake.records import IntakeRecord
from ledger.models import Event, Item, ItemStatus, User
from ledger.schema import alembic_config, current_revision
from ledger.settings import Settings
from ledger.workflow.disclosure import requests as foi
from ledger.workflow.disclosure.catalogue import load_catalogue
from ledger.workflow.guards import Clock

TABLES = ("disclosure_request", "disclosure_correction", "disclosure_consultation")


def test_tables_up_and_down(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) != "(none)"
        assert all(inspect(engine).has_table(t) for t in TABLES)
        cfg = alembic_config(database_url)
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, "foi-1")  # the revision before ours, wherever it is chained
        assert not any(inspect(engine).has_table(t) for t in TABLES)
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
        assert all(inspect(engine).has_table(t) for t in TABLES)
    finally:
        engine.dispose()


def test_remind_marks_expired_corrections_withdrawn(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings.from_env()
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine).begin() as session:
            received = datetime(2026, 5, 11, 11, tzinfo=SHANGHAI)
            ctx = IntakeContext.load(session, settings)
            record = IntakeRecord(
                source="manual",
                external_id="R-1",
                item_type="依申请公开",
                title="申请公开专项资金分配结果",
                body="请公开。",
                received_at=received,
            )
            item = session.get(Item, intake(session, record, ctx, now=received).item_id)
            assert item is not None
            user = session.scalars(select(User).where(User.username == "fenban")).one()
            foi.register_application(
                session,
                user,
                item,
                load_catalogue(settings.data_dir / "disclosure_requests.toml"),
                applicant_type="自然人",
                name=None,
                address=None,
                now=received,
            )
            foi.issue_correction(
                session,
                user,
                item.id,
                item.version,
                to_complete="请写明年度",
                issued_at=datetime(2026, 5, 12, 9, tzinfo=SHANGHAI),
                answer_by=date(2026, 5, 22),
                now=datetime(2026, 5, 12, 10, tzinfo=SHANGHAI),
                clock=Clock.from_data_dir(settings.data_dir),
            )
            item_id = item.id
        monkeypatch.setenv("HUIYING_DATABASE_URL", database_url)
        result = CliRunner().invoke(main, ["remind", "--no-email"])
        assert result.exit_code == 0, result.output
        assert f"视为撤回：1 件（#{item_id}）" in result.output
        with make_session_factory(engine)() as session:
            assert session.get(Item, item_id).status == ItemStatus.WITHDRAWN  # type: ignore[union-attr]
            assert (
                session.scalar(
                    select(Event.actor).where(Event.item_id == item_id, Event.action == "视为撤回")
                )
                == "系统"
            )
    finally:
        engine.dispose()
