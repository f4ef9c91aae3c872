"""Approving a 12345 reply and sending back a 12345 order reach the feed's report-back API.

Runs against the bundled demo portal (the imitation 12345 platform) over HTTP on loopback.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from demoportal.server import PortalHandle, start_in_thread
from ledger.intake.pipeline import IntakeContext, intake
from ledger.intake.records import IntakeRecord
from ledger.models import Event, Item, User
from ledger.settings import Settings
from ledger.workflow import handling, review, triage
from ledger.workflow.report_back import HttpReportBack, NoReportBack

TOKEN = "demo-12345-token"


@pytest.fixture(scope="module")
def portal() -> Iterator[PortalHandle]:
    with start_in_thread("127.0.0.1", 0, counts={"board": 5, "mailbox": 5, "feed": 20}) as handle:
        yield handle


def _get(url: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read().decode("utf-8"))


def _open_orders(portal: PortalHandle) -> list[dict]:
    data = _get(f"{portal.url}/api/12345/orders?limit=50")["data"]
    return [o for o in data["items"] if o["status"] in ("待签收", "办理中")]


def _ingest(session: Session, order: dict, data_dir: Path, instance_dir: Path) -> int:
    # No 处室 takes an order automatically here: the tests walk triage themselves, and which open
    # order comes first depends on the portal's clock (and on what an earlier test did with it).
    ctx = replace(
        IntakeContext.load(session, Settings("unused", data_dir, instance_dir)), department_ids={}
    )
    record = IntakeRecord(
        source="demo_12345",
        channel="12345",
        external_id=order["order_no"],
        item_type="12345",
        title=order["title"],
        body=order["content"],
        received_at=datetime.now(UTC),
    )
    return intake(session, record, ctx).item_id


def _user(session: Session, name: str) -> User:
    return session.scalars(select(User).where(User.username == name)).one()


def _events(session: Session, item_id: int) -> list[str]:
    return list(session.scalars(select(Event.action).where(Event.item_id == item_id)))


def test_approved_reply_is_reported_to_the_platform(
    session: Session, portal: PortalHandle, data_dir: Path, instance_dir: Path
) -> None:
    order = _open_orders(portal)[0]
    item_id = _ingest(session, order, data_dir, instance_dir)
    now = datetime.now(UTC)
    seen = session.get(Item, item_id).version  # type: ignore[union-attr]
    item = triage.confirm(
        session, _user(session, "fenban"), item_id, seen, now=now, department_code="sme"
    )
    handler, reviewer = _user(session, "zxqy"), _user(session, "zxqy-sh")
    handling.save_draft(
        session, handler, item.id, item.version, "经协调，欠款方已承诺月底前付清。", now=now
    )
    handling.submit(session, handler, item.id, item.version, now=now)
    platform = HttpReportBack(f"{portal.url}/api/12345", TOKEN)
    review.approve(session, reviewer, item.id, item.version, now=now, report_back=platform)
    assert "12345回传" in _events(session, item.id)
    stored = _get(f"{portal.url}/api/12345/orders/{order['order_no']}")["data"]
    assert stored["status"] == "已办结"
    assert stored["feedback"] == "经协调，欠款方已承诺月底前付清。"


def test_send_back_reaches_the_platform_with_its_reason(
    session: Session, portal: PortalHandle, data_dir: Path, instance_dir: Path
) -> None:
    order = _open_orders(portal)[-1]
    item_id = _ingest(session, order, data_dir, instance_dir)
    platform = HttpReportBack(f"{portal.url}/api/12345", TOKEN)
    triage.return_not_ours(
        session,
        _user(session, "fenban"),
        item_id,
        session.get(Item, item_id).version,  # type: ignore[union-attr]
        "物业维修问题，请转住建部门。",
        now=datetime.now(UTC),
        report_back=platform,
    )
    assert "12345回退" in _events(session, item_id)
    stored = _get(f"{portal.url}/api/12345/orders/{order['order_no']}")["data"]
    assert (
        stored["status"] == "已回退" and stored["return_reason"] == "物业维修问题，请转住建部门。"
    )


def test_unreachable_platform_is_recorded_and_the_decision_stands(
    session: Session, portal: PortalHandle, data_dir: Path, instance_dir: Path
) -> None:
    order = _open_orders(portal)[1]
    item_id = _ingest(session, order, data_dir, instance_dir)
    item = triage.return_not_ours(
        session,
        _user(session, "fenban"),
        item_id,
        session.get(Item, item_id).version,  # type: ignore[union-attr]
        "不属于本厅职责。",
        now=datetime.now(UTC),
        report_back=HttpReportBack("http://127.0.0.1:9/api/12345", TOKEN, timeout=2),
    )
    assert item.status == "已退回"
    assert "12345回退失败" in _events(session, item_id)
    assert NoReportBack().send_back(item, "x").ok is False


def test_a_conflicting_edit_stops_before_the_platform_is_told(
    database_url: str, portal: PortalHandle, data_dir: Path, instance_dir: Path
) -> None:
    from sqlalchemy.orm.exc import StaleDataError

    from ledger.db import make_engine, make_session_factory
    from ledger.models import Item

    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    order = _open_orders(portal)[2]
    with factory.begin() as s:
        item_id = _ingest(s, order, data_dir, instance_dir)
    first = factory()
    item = first.get(Item, item_id)
    assert item is not None
    first.commit()  # A has the item open (expire_on_commit=False keeps what was read)
    with factory.begin() as s:  # meanwhile B changes it
        other = s.get(Item, item_id)
        assert other is not None
        other.priority = "紧急"
    platform = HttpReportBack(f"{portal.url}/api/12345", TOKEN)
    with pytest.raises(StaleDataError):
        triage.return_not_ours(
            first,
            _user(first, "fenban"),
            item_id,
            item.version,  # what A saw
            "不属本厅。",
            now=datetime.now(UTC),
            report_back=platform,
        )
    first.rollback()
    first.close()
    engine.dispose()
    stored = _get(f"{portal.url}/api/12345/orders/{order['order_no']}")["data"]
    assert stored["status"] in ("待签收", "办理中")  # the platform heard nothing
