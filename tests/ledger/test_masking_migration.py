"""Names stored before the masking fix are re-masked by migration `masking`, up and down."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import select, update

from ledger.db import make_engine, make_session_factory
from ledger.intake import IntakeContext, intake
from ledger.models import Item
from ledger.records import IntakeRecord
from ledger.schema import alembic_config, current_revision, upgrade
from ledger.settings import Settings

OLD = {
    "M-1": ("王小明138****5678", "王**138****5678"),
    "M-2": ("&lt;b&gt;欧阳小明&lt;/b&gt;", "欧***"),
    "M-3": ("张*", "张*"),
    "M-4": ("网友6a8f", "网友6a8f"),
}


def test_stored_names_are_masked_again(
    database_url: str, data_dir: Path, instance_dir: Path
) -> None:
    engine = make_engine(database_url)
    settings = Settings(database_url=database_url, data_dir=data_dir, instance_dir=instance_dir)
    with make_session_factory(engine).begin() as session:
        ctx = IntakeContext.load(session, settings)
        for external_id in OLD:
            record = IntakeRecord(
                source="demo_12345",
                external_id=external_id,
                item_type="12345",
                title="咨询补贴",
                body="何时发放？",
                received_at=datetime(2026, 9, 25, 2, 0, tzinfo=UTC),
                author="李四",
            )
            intake(session, record, ctx, now=record.received_at)
        for external_id, (stored, _) in OLD.items():  # as the old code stored them
            session.execute(
                update(Item).where(Item.external_id == external_id).values(author_masked=stored)
            )
    cfg = alembic_config(database_url)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0002")
    assert current_revision(engine) == "0002"
    upgrade(engine)
    assert current_revision(engine) == ScriptDirectory.from_config(cfg).get_current_head()
    with make_session_factory(engine)() as session:
        names = {e: a for e, a in session.execute(select(Item.external_id, Item.author_masked))}
    engine.dispose()
    assert names == {external_id: masked for external_id, (_, masked) in OLD.items()}
