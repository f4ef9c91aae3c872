"""`huiying route`: items waiting for triage get fresh suggestions from the current model."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.intake.model.rerouting import reroute_waiting
from ledger.intake.pipeline import IntakeContext, intake
from ledger.intake.records import IntakeRecord
from ledger.models import Event, Item, ItemStatus
from ledger.settings import Settings


def test_stale_suggestions_are_refreshed_once(
    session: Session, data_dir: Path, instance_dir: Path
) -> None:
    ctx = IntakeContext.load(session, Settings("unused", data_dir, instance_dir))
    record = IntakeRecord(
        source="demo_board",
        external_id="RR-1",
        item_type="留言板",
        title="求助",
        body="我们遇到一些困难，想请厅里帮忙协调一下。",  # vague: waits for a person
        received_at=datetime(2026, 11, 20, tzinfo=UTC),
    )
    item = session.get(Item, intake(session, record, ctx).item_id)
    assert item is not None and item.status == ItemStatus.NEW
    fresh = list(item.suggestions)
    item.suggestions = [{"code": "radio", "confidence": 0.5}]  # as an older model left it
    session.flush()

    summary = reroute_waiting(session, ctx.router, ctx.department_ids)
    assert (summary.examined, summary.changed) == (1, 1)
    assert item.suggestions == fresh
    event = session.scalars(
        select(Event).where(Event.item_id == item.id, Event.action == "分办建议更新")
    ).one()
    assert event.before == {"建议": [{"code": "radio", "confidence": 0.5}]}
    again = reroute_waiting(session, ctx.router, ctx.department_ids)
    assert again.changed == 0
