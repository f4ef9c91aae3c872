"""编号 of hand-entered items: RG-<Asia/Shanghai day of entry>-<serial of the day>, claimed in the
database (two clerks at the same moment get two numbers, one form twice gets one item); items
entered before keep their RG-<token> 编号 and their form still registers once. Real databases."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ledger.clock.deadlines import SHANGHAI
from ledger.db import make_engine, make_session_factory
from ledger.intake.manual.manual_entry import ManualEntry, register
from ledger.intake.manual.receipt import ReceiptRules, load_receipt_rules
from ledger.intake.pipeline import IntakeContext, IntakeResult
from ledger.models import EntryNumber, Item, User
from ledger.schema import alembic_config
from ledger.settings import Settings

DATA = Path(__file__).resolve().parents[2] / "data"
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def receipts() -> ReceiptRules:
    return load_receipt_rules(DATA / "receipt_rules.toml")


def context(session: Session, instance_dir: Path) -> IntakeContext:
    return IntakeContext.load(session, Settings("unused", DATA, instance_dir))


def clerk(session: Session, name: str = "fenban") -> User:
    return session.scalars(select(User).where(User.username == name)).one()


def call(token: str, title: str = "来电反映企业用电负荷受限") -> ManualEntry:
    return ManualEntry(
        token=token,
        item_type="12345",
        channel="来电",
        title=title,
        body=f"{title}，请协调供电。",
        received_at=datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI),
    )


def number_of(session: Session, result: IntakeResult) -> str:
    item = session.get(Item, result.item_id)
    assert item is not None
    return item.external_id


def test_entries_of_a_day_are_numbered_in_order(
    session: Session, receipts: ReceiptRules, instance_dir: Path
) -> None:
    ctx, office = context(session, instance_dir), clerk(session)
    first = register(session, office, call("n1"), ctx, receipts, now=NOW)
    second = register(session, office, call("n2", "咨询技改补贴申报"), ctx, receipts, now=NOW)
    assert number_of(session, first) == "RG-20261202-0001"
    assert number_of(session, second) == "RG-20261202-0002"
    again = register(session, office, call("n1"), ctx, receipts, now=NOW)  # the same form
    assert (again.item_id, again.outcome) == (first.item_id, "unchanged")
    # 2026-12-02 23:30 UTC is 2026-12-03 07:30 in Beijing: the next day, serials start again
    next_day = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)
    third = register(session, office, call("n3", "反映园区污水"), ctx, receipts, now=next_day)
    assert number_of(session, third) == "RG-20261203-0001"
    fourth = register(session, office, call("n4", "咨询专精特新认定"), ctx, receipts, now=NOW)
    assert number_of(session, fourth) == "RG-20261202-0003"


def _racing_pair(
    engine: Engine, instance_dir: Path, receipts: ReceiptRules, tokens: tuple[str, str]
) -> list[IntakeResult]:
    """Clerk A claims and waits, uncommitted, while clerk B registers: on PostgreSQL B reads the
    same next number, its insert waits for A's transaction and fails when A commits, and B takes
    the next number; SQLite lets B's write transaction begin only after A's commit."""
    factory = make_session_factory(engine)
    a_claimed, b_started = threading.Event(), threading.Event()
    loaded = threading.Barrier(2, timeout=60)

    def enter(token: str, title: str, first: bool) -> IntakeResult:
        with factory() as session:
            ctx = context(session, instance_dir)
            office = clerk(session)
            session.commit()  # the context is loaded: nothing held from here on
            loaded.wait()
            if not first:
                assert a_claimed.wait(30)
                b_started.set()
            result = register(session, office, call(token, title), ctx, receipts, now=NOW)
            if first:
                a_claimed.set()
                assert b_started.wait(30)
                time.sleep(0.5)  # B is now waiting on A's claim (PostgreSQL) or lock (SQLite)
            session.commit()
            return result

    with ThreadPoolExecutor(2) as pool:
        a = pool.submit(enter, tokens[0], "来电反映企业用电负荷受限", True)
        b = pool.submit(enter, tokens[1], "来信咨询中小企业融资担保", False)
        return [a.result(timeout=120), b.result(timeout=120)]


def test_two_clerks_at_the_same_moment_get_two_numbers(
    database_url: str, instance_dir: Path, receipts: ReceiptRules
) -> None:
    engine = make_engine(database_url)
    try:
        a, b = _racing_pair(engine, instance_dir, receipts, ("race1", "race2"))
        assert a.outcome == b.outcome == "new" and a.item_id != b.item_id
        with Session(engine) as session:
            assert [number_of(session, a), number_of(session, b)] == [
                "RG-20261202-0001",
                "RG-20261202-0002",
            ]
            titles = session.scalars(select(Item.title).order_by(Item.id)).all()
            assert titles == [
                "来电反映企业用电负荷受限",
                "来信咨询中小企业融资担保",
            ]  # none overwritten
    finally:
        engine.dispose()


def test_one_form_sent_twice_at_the_same_moment_is_one_item(
    database_url: str, instance_dir: Path, receipts: ReceiptRules
) -> None:
    engine = make_engine(database_url)
    try:
        a, b = _racing_pair(engine, instance_dir, receipts, ("twice", "twice"))
        assert (a.outcome, b.outcome) == ("new", "unchanged") and a.item_id == b.item_id
        with Session(engine) as session:
            assert session.scalar(select(func.count()).select_from(Item)) == 1
            assert number_of(session, a) == "RG-20261202-0001"
    finally:
        engine.dispose()


def _migrate(engine: Engine, url: str, target: str, down: bool = False) -> None:
    cfg = alembic_config(url)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(cfg, target)


def test_items_entered_before_keep_their_number_and_their_form(
    database_url: str, instance_dir: Path, receipts: ReceiptRules
) -> None:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session, session.begin():
            old = register(
                session, clerk(session), call("oldform"), context(session, instance_dir),
                receipts, now=NOW,
            )  # fmt: skip
            # as entered before the upgrade: its 编号 was RG-<form token>
            session.execute(
                update(Item).where(Item.id == old.item_id).values(external_id="RG-oldform")
            )
        _migrate(engine, database_url, "dupes", down=True)
        _migrate(engine, database_url, "head")
        with Session(engine) as session, session.begin():
            row = session.scalars(select(EntryNumber)).one()
            assert (row.token, row.number, row.item_id) == ("oldform", "RG-oldform", old.item_id)
            ctx, office = context(session, instance_dir), clerk(session)
            again = register(session, office, call("oldform"), ctx, receipts, now=NOW)
            assert (again.item_id, again.outcome) == (old.item_id, "unchanged")
            assert number_of(session, again) == "RG-oldform"
            new = register(session, office, call("newform", "咨询技改补贴"), ctx, receipts, now=NOW)
            assert number_of(session, new) == "RG-20261202-0001"
    finally:
        engine.dispose()
