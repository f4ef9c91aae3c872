"""Batch intake (issue 12): one path for a batch and for a single record; duplicates inside a batch;
a bad record refused alone; two crawlers racing on the same batch; one routing call per batch."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.db import make_engine, make_session_factory
from ledger.intake.batch import intake_batch
from ledger.intake.delivery import ConflictingDuplicate
from ledger.intake.pipeline import IntakeContext, IntakeResult
from ledger.intake.record_checks import IntakeError
from ledger.intake.records import IntakeRecord
from ledger.models import Event, Item, Reply
from ledger.settings import Settings

NOW = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


def record(n: int, **overrides: object) -> IntakeRecord:
    values: dict[str, object] = {
        "source": "feed",
        "external_id": f"GD{n:04d}",
        "item_type": "12345",
        "title": f"企业反映园区限电影响生产（{n}）",
        "body": f"园区近一周每天限电四小时，请协调有序用电指标。编号 {n}。",
        "received_at": datetime(2026, 9, 1, tzinfo=UTC) + timedelta(hours=n),
    }
    values.update(overrides)
    return IntakeRecord(**values)  # type: ignore[arg-type]


def make_ctx(session: Session, data_dir: Path, instance_dir: Path) -> IntakeContext:
    return IntakeContext.load(session, Settings("unused", data_dir, instance_dir))


@pytest.fixture
def ctx(session: Session, data_dir: Path, instance_dir: Path) -> IntakeContext:
    return make_ctx(session, data_dir, instance_dir)


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_batch_lands_like_single_records_with_one_routing_call(
    session: Session, ctx: IntakeContext
) -> None:
    calls: list[int] = []
    model = ctx.router.model  # type: ignore[attr-defined]
    original = model.predict

    def counting_predict(titles, bodies, prior=None):
        calls.append(len(bodies))
        return original(titles, bodies, prior)

    model.predict = counting_predict
    try:
        batch = [record(n, reply_text="已答复。" if n % 2 else None) for n in range(30)]
        outcomes = intake_batch(session, batch, ctx, now=NOW)
    finally:
        del model.predict
    assert calls == [30]  # one model call for the whole batch
    assert [o.outcome for o in outcomes] == ["new"] * 30  # type: ignore[union-attr]
    items = session.scalars(select(Item).order_by(Item.external_id)).all()
    assert len(items) == 30 and all(i.suggestions and i.due_at for i in items)
    assert count(session, Reply) == 15
    assert session.scalar(select(func.count()).where(Event.action == "收件")) == 30
    # delivered again: unchanged, nothing written
    events = count(session, Event)
    again = intake_batch(session, batch, ctx, now=NOW)
    assert {o.outcome for o in again} == {"unchanged"}  # type: ignore[union-attr]
    assert count(session, Event) == events


def test_duplicates_inside_one_batch(session: Session, ctx: IntakeContext) -> None:
    first, other = record(1), record(2)
    changed = record(1, body="第二版：园区停电。")
    outcomes = intake_batch(session, [first, other, first, changed], ctx, now=NOW)
    new, new2, repeat, conflict = outcomes
    assert isinstance(new, IntakeResult) and new.outcome == "new"
    assert isinstance(new2, IntakeResult) and new2.outcome == "new"
    assert isinstance(repeat, IntakeResult) and repeat == IntakeResult(new.item_id, "unchanged")
    assert isinstance(conflict, ConflictingDuplicate) and "body" in str(conflict)
    assert count(session, Item) == 2
    assert session.get(Item, new.item_id).body.startswith("园区近一周")  # type: ignore[union-attr]


def test_one_bad_record_is_refused_alone(session: Session, ctx: IntakeContext) -> None:
    batch = [
        record(1),
        record(2, received_at=datetime(1970, 1, 1, tzinfo=UTC)),
        record(3, title="  "),
        record(4, item_type="快递投诉"),
        record(5),
    ]
    outcomes = intake_batch(session, batch, ctx, now=NOW)
    kinds = [type(o).__name__ if isinstance(o, Exception) else o.outcome for o in outcomes]
    assert kinds == ["new", "IntakeError", "IntakeError", "IntakeError", "new"]
    assert "1970" in str(outcomes[1]) and "标题" in str(outcomes[2])
    assert sorted(session.scalars(select(Item.external_id))) == ["GD0001", "GD0005"]


def test_a_row_the_database_refuses_is_refused_alone(session: Session, ctx: IntakeContext) -> None:
    # likes beyond 64 bits: PostgreSQL refuses the row; SQLite's driver cannot bind it
    outcomes = intake_batch(session, [record(1), record(2, likes=10**20), record(3)], ctx, now=NOW)
    assert [isinstance(o, IntakeResult) for o in outcomes] == [True, False, True]
    assert isinstance(outcomes[1], IntakeError) and "GD0002" in str(outcomes[1])
    assert count(session, Item) == 2


def test_two_crawlers_racing_on_one_batch(database_url: str, data_dir: Path, instance_dir: Path):
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    with sessions() as s:
        ctx = make_ctx(s, data_dir, instance_dir)
    first_batch = [record(n) for n in range(20)]
    second_batch = [
        *first_batch[:19],
        record(19, urgency="紧急"),
        *(record(n) for n in range(20, 25)),
    ]
    a_written, results, errors = threading.Event(), {}, []

    def crawler_a() -> None:
        try:
            with sessions() as s, s.begin():
                results["a"] = intake_batch(s, first_batch, ctx, now=NOW)
                a_written.set()
                threading.Event().wait(1.0)  # B is now blocked on our uncommitted rows
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
            a_written.set()

    def crawler_b() -> None:
        a_written.wait()
        try:
            with sessions() as s, s.begin():
                results["b"] = intake_batch(s, second_batch, ctx, now=NOW)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=crawler_a), threading.Thread(target=crawler_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert [o.outcome for o in results["a"]] == ["new"] * 20
    b = [o.outcome for o in results["b"]]
    assert b == ["unchanged"] * 19 + ["updated"] + ["new"] * 5
    with sessions() as s:
        assert count(s, Item) == 25  # every record once
        assert s.scalar(select(func.count()).where(Event.action == "收件")) == 25
    engine.dispose()


def test_a_batch_inserts_its_items_in_short_statements_in_record_order(
    session: Session, ctx: IntakeContext
) -> None:
    """psycopg parses a statement with more than 50 parameters again on every run; a batch's items
    went out as one INSERT with ~26 per item. Now (PostgreSQL) their ids come from the sequence
    first, and the INSERT is one short statement per item; on both databases the ids follow the
    records' order."""
    from sqlalchemy import event

    widest: list[int] = []  # parameters of each statement the driver gets for the items

    def one(cursor, statement, parameters, context) -> None:  # noqa: ANN001
        if statement.startswith("INSERT INTO item "):
            widest.append(len(parameters))

    def many(cursor, statement, parameters, context) -> None:  # noqa: ANN001
        if statement.startswith("INSERT INTO item "):
            widest.append(max(len(row) for row in parameters))

    engine = session.get_bind().engine  # dialect events are the engine's
    event.listen(engine, "do_execute", one)
    event.listen(engine, "do_executemany", many)
    try:
        outcomes = intake_batch(session, [record(n) for n in range(60)], ctx, now=NOW)
    finally:
        event.remove(engine, "do_execute", one)
        event.remove(engine, "do_executemany", many)
    ids = [o.item_id for o in outcomes if isinstance(o, IntakeResult)]
    assert len(ids) == 60 and ids == sorted(ids)
    externals = session.scalars(select(Item.external_id).where(Item.id.in_(ids)).order_by(Item.id))
    assert list(externals) == [f"GD{n:04d}" for n in range(60)]
    if session.get_bind().dialect.name == "postgresql":
        assert widest and max(widest) <= 50, widest
