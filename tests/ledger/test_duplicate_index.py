"""Duplicate candidates found once, at intake (issue 14, part 0): a re-post is found and a different
complaint is not; a pair inside one batch; what a reader may see; merged items; changed texts; the
migration that backfills existing items, up and down. Every case on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from classifier import minhash
from ledger.db import make_engine, make_session_factory
from ledger.intake.batch import intake_batch
from ledger.intake.duplicates import likely_duplicates
from ledger.intake.pipeline import IntakeContext, IntakeResult
from ledger.intake.records import IntakeRecord
from ledger.models import (
    Department,
    DuplicateBand,
    DuplicateCandidate,
    Item,
    ItemSignature,
    ItemStatus,
    User,
)
from ledger.schema import alembic_config, current_revision
from ledger.settings import Settings

NOW = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
POWER = (
    "园区限电影响生产",
    "我公司位于高新区产业园，近一周每天限电四小时，生产线被迫停工，订单无法按期交付，"
    "请求协调有序用电指标。",
)
POWER_AGAIN = (  # the same complaint, re-posted a week later with a few words changed
    "再次反映园区限电问题",
    "我公司位于高新区产业园，近一周每天都限电四小时，生产线被迫停工，订单无法按期交付，"
    "恳请协调有序用电指标。",
)
VOUCHER = ("中小企业公共服务券如何申请", "想申请中小企业公共服务平台的服务券，请问需要哪些材料。")
ARREARS = ("国企拖欠货款", "某国有企业拖欠我公司货款 80 余万元，多次催要无果，请求协调。")


def rec(ext: str, text: tuple[str, str], days: float = 0, source: str = "feed") -> IntakeRecord:
    title, body = text
    return IntakeRecord(
        source=source,
        external_id=ext,
        item_type="12345",
        title=title,
        body=body,
        received_at=datetime(2026, 9, 1, tzinfo=UTC) + timedelta(days=days),
    )


def take(session: Session, data_dir: Path, instance_dir: Path, *records: IntakeRecord) -> list[int]:
    ctx = IntakeContext.load(session, Settings("unused", data_dir, instance_dir))
    outcomes = intake_batch(session, list(records), ctx, now=NOW)
    assert all(isinstance(o, IntakeResult) for o in outcomes), outcomes
    return [o.item_id for o in outcomes]  # type: ignore[union-attr]


def user(session: Session, name: str) -> User:
    return session.scalars(select(User).where(User.username == name)).one()


def found(session: Session, reader: str, item_id: int) -> dict[int, float]:
    item = session.get(Item, item_id)
    assert item is not None
    dups = likely_duplicates(session, user(session, reader), [item])[item_id]
    return {d.item.id: d.score for d in dups}


def test_a_reposted_complaint_is_found_and_a_different_one_is_not(
    session: Session, data_dir: Path, instance_dir: Path
) -> None:
    [first, voucher] = take(session, data_dir, instance_dir, rec("A1", POWER), rec("V1", VOUCHER))
    # a later batch, through another channel: found against the stored index, both ways
    [again] = take(session, data_dir, instance_dir, rec("LY-7", POWER_AGAIN, 7, "board"))
    expected = minhash.jaccard(
        minhash.shingles("".join(POWER)), minhash.shingles("".join(POWER_AGAIN))
    )
    assert 0.5 < expected < 1
    assert found(session, "fenban", again) == {first: round(expected, 2)}
    assert found(session, "fenban", first) == {again: round(expected, 2)}
    assert found(session, "fenban", voucher) == {}
    # the stored index: one signature per item, 32 band keys each, no pair with the voucher
    assert session.scalar(select(func.count()).select_from(ItemSignature)) == 3
    assert session.scalar(select(func.count()).select_from(DuplicateBand)) == 3 * 32
    assert not session.scalar(select(func.count()).where(DuplicateCandidate.item_id == voucher))


def test_a_pair_inside_one_batch(session: Session, data_dir: Path, instance_dir: Path) -> None:
    ids = take(
        session,
        data_dir,
        instance_dir,
        rec("B1", POWER),
        rec("B2", ARREARS, 1),
        rec("B3", POWER_AGAIN, 2),
    )
    assert set(found(session, "fenban", ids[0])) == {ids[2]}
    assert set(found(session, "fenban", ids[2])) == {ids[0]}
    assert found(session, "fenban", ids[1]) == {}
    # delivered again unchanged: not signed again, the pair not doubled
    take(session, data_dir, instance_dir, rec("B1", POWER), rec("B3", POWER_AGAIN, 2))
    assert session.scalar(select(func.count()).select_from(DuplicateCandidate)) == 2


def test_readers_see_only_candidates_they_may_see_and_no_merged_item(
    session: Session, data_dir: Path, instance_dir: Path
) -> None:
    a, b, c = take(
        session,
        data_dir,
        instance_dir,
        rec("C1", POWER),
        rec("C2", POWER_AGAIN, 1),
        rec("C3", POWER, 2),
    )
    sme = session.scalars(select(Department).where(Department.code == "sme")).one()
    chemical = session.scalars(select(Department).where(Department.code == "chemical")).one()
    session.execute(update(Item).where(Item.id.in_([a, b])).values(department_id=sme.id))
    session.execute(update(Item).where(Item.id == c).values(department_id=chemical.id))
    assert set(found(session, "fenban", a)) == {b, c}  # 办公室 sees every 处室
    assert set(found(session, "zxqy", a)) == {b}  # a 处室 only its own
    # merged: it points at its original already, so it is no longer offered; undone, it is back
    session.execute(update(Item).where(Item.id == b).values(status=ItemStatus.MERGED))
    session.expire_all()
    assert set(found(session, "fenban", a)) == {c}
    session.execute(update(Item).where(Item.id == b).values(status=ItemStatus.NEW))
    assert set(found(session, "fenban", a)) == {b, c}


def test_a_changed_text_is_indexed_again_and_old_items_are_not_paired(
    session: Session, data_dir: Path, instance_dir: Path
) -> None:
    a, old = take(session, data_dir, instance_dir, rec("D1", POWER), rec("D0", POWER, -120))
    assert found(session, "fenban", a) == {}  # 120 days apart: outside the 90-day window
    [b] = take(session, data_dir, instance_dir, rec("D2", POWER_AGAIN, 3))
    assert set(found(session, "fenban", a)) == {b}
    take(session, data_dir, instance_dir, rec("D2", VOUCHER, 3))  # corrected at the source
    assert found(session, "fenban", a) == {} and found(session, "fenban", b) == {}
    assert session.scalar(select(func.count()).where(DuplicateBand.item_id == b)) == 32
    assert old != a


def test_the_migration_backfills_existing_items_up_and_down(
    database_url: str, data_dir: Path, instance_dir: Path
) -> None:
    engine = make_engine(database_url)
    with make_session_factory(engine).begin() as session:
        ids = take(
            session,
            data_dir,
            instance_dir,
            rec("E1", POWER),
            rec("E2", VOUCHER, 1),
            rec("E3", POWER_AGAIN, 2),
        )
        at_intake = set(
            session.execute(select(DuplicateCandidate.item_id, DuplicateCandidate.candidate_id))
        )
    cfg = alembic_config(database_url)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "dupes-1")  # just below this migration, wherever it is chained
    assert current_revision(engine) != "dupes"
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "dupes")
    assert current_revision(engine) == "dupes"
    with make_session_factory(engine)() as session:
        backfilled = set(
            session.execute(select(DuplicateCandidate.item_id, DuplicateCandidate.candidate_id))
        )
        signed = session.scalar(select(func.count()).select_from(ItemSignature))
        assert set(found(session, "fenban", ids[0])) == {ids[2]}
    engine.dispose()
    assert backfilled == at_intake == {(ids[0], ids[2]), (ids[2], ids[0])}
    assert signed == 3
