"""Bad input from sources (issue 8, items 7, 8, 9, 11): control characters, implausible dates,
conflicting duplicates inside one delivery, oversized bodies. Every case on both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.exports.items import workbook_bytes
from ledger.intake.delivery import ConflictingDuplicate, DeliveryLog
from ledger.intake.originals import CHARS_KEY, FILE_KEY
from ledger.intake.pipeline import IntakeContext, IntakeError, intake
from ledger.intake.records import IntakeRecord
from ledger.models import Event, Item, User
from ledger.queries import ItemFilter
from ledger.settings import Settings

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def ctx(session: Session, data_dir: Path, tmp_path: Path) -> IntakeContext:
    settings = Settings(database_url="unused", data_dir=data_dir, instance_dir=tmp_path)
    return IntakeContext.load(session, settings)


def record(**overrides: object) -> IntakeRecord:
    values: dict[str, object] = {
        "source": "hotline",
        "external_id": "GD2026092500001",
        "item_type": "12345",
        "title": "企业反映园区限电影响生产",
        "body": "园区近一周每天限电四小时，请协调。",
        "received_at": datetime(2026, 9, 25, 10, 0, tzinfo=CST),
    }
    values.update(overrides)
    return IntakeRecord(**values)  # type: ignore[arg-type]


def items(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Item)) or 0


# --- 7. control characters ------------------------------------------------------------------
def test_control_characters_are_removed_at_intake_and_export_works(
    session: Session, ctx: IntakeContext
) -> None:
    dirty = record(
        title="限电\x1b[31m通知\x00",
        body="第一行\r\n第二行\b\x00\x07\t制表符保留\x85",
        reply_text="已处理\x0c完毕",
        reply_unit="运行局\x1f",
        extra={"备注\x00": "含\x1b控制符"},
    )
    item = session.get(Item, intake(session, dirty, ctx, now=NOW).item_id)
    assert item is not None
    assert item.title == "限电[31m通知"
    assert item.body == "第一行\n第二行\t制表符保留"
    assert item.extra == {"备注": "含控制符"}
    assert item.replies[0].text == "已处理完毕" and item.replies[0].unit == "运行局"
    # the same delivery again is unchanged: the hash is taken of the cleaned text
    assert intake(session, dirty, ctx, now=NOW).outcome == "unchanged"

    admin = session.scalars(select(User).where(User.username == "admin")).one()
    data = workbook_bytes(session, admin, ItemFilter(), NOW)
    sheet = load_workbook(BytesIO(data)).active
    assert sheet is not None
    titles = [row[4] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "限电[31m通知" in titles


def test_export_guards_text_stored_before_intake_cleaned_it(
    session: Session, ctx: IntakeContext
) -> None:
    item = session.get(Item, intake(session, record(), ctx, now=NOW).item_id)
    assert item is not None
    item.body = "旧数据\x1b里的\b控制符"  # written before this fix (SQLite took it)
    session.flush()
    admin = session.scalars(select(User).where(User.username == "admin")).one()
    sheet = load_workbook(BytesIO(workbook_bytes(session, admin, ItemFilter(), NOW))).active
    assert sheet is not None
    assert [r[5] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["旧数据里的控制符"]


def test_a_control_character_inside_an_old_phone_number_does_not_hide_it_from_masking(
    session: Session, ctx: IntakeContext
) -> None:
    item = session.get(Item, intake(session, record(), ctx, now=NOW).item_id)
    assert item is not None
    item.body = "请回电138\b12345678"  # stored before intake cleaned text (PostgreSQL refuses NUL)
    item.title = "身份证370102\x1b199001011234"
    session.flush()
    admin = session.scalars(select(User).where(User.username == "admin")).one()
    sheet = load_workbook(BytesIO(workbook_bytes(session, admin, ItemFilter(), NOW))).active
    assert sheet is not None
    [row] = sheet.iter_rows(min_row=2, values_only=True)
    assert (row[4], row[5]) == ("身份证370102********1234", "请回电138****5678")


# --- 8. implausible dates -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"received_at": datetime(1970, 1, 1, tzinfo=UTC)}, "收到时间.*早于该渠道可能存在的时间"),
        ({"received_at": datetime(2099, 1, 1, tzinfo=UTC)}, "收到时间.*晚于当前时间"),
        ({"received_at": datetime(9999, 12, 31, tzinfo=UTC)}, "晚于当前时间"),
        ({"received_at": NOW + timedelta(hours=2)}, "晚于当前时间"),
        ({"source_due_at": datetime(2026, 9, 20, tzinfo=CST)}, "办理时限.*早于收到时间"),
        ({"source_due_at": datetime(9999, 12, 31, tzinfo=UTC)}, "办理时限.*不可信"),
        ({"replied_at": datetime(2099, 1, 1, tzinfo=UTC), "reply_text": "已答复"}, "答复时间"),
        ({"dispatched_at": datetime(1999, 12, 31, tzinfo=UTC)}, "派单时间"),
        (
            {
                "received_at": datetime(2014, 5, 1, tzinfo=CST),
                "not_before": datetime(2015, 1, 1, tzinfo=CST),
            },
            "早于该渠道可能存在的时间 2015-01-01",
        ),
    ],
)
def test_implausible_dates_are_refused_with_the_reason(
    session: Session, ctx: IntakeContext, overrides: dict, message: str
) -> None:
    with pytest.raises(IntakeError, match=message):
        intake(session, record(**overrides), ctx, now=NOW)
    assert items(session) == 0


def test_plausible_dates_pass(session: Session, ctx: IntakeContext) -> None:
    ok = record(
        received_at=NOW + timedelta(minutes=30),  # a source clock a little ahead
        source_due_at=NOW + timedelta(days=7),
        dispatched_at=datetime(2000, 1, 1, tzinfo=UTC),
    )
    assert intake(session, ok, ctx, now=NOW).outcome == "new"


# --- 9. conflicting duplicates inside one delivery ------------------------------------------
def test_a_conflicting_duplicate_in_one_delivery_keeps_the_first_version(
    session: Session, ctx: IntakeContext
) -> None:
    first = record(body="第一版：园区限电。")
    second = record(body="第二版：园区停电。", urgency="紧急")

    def crawl() -> list[str]:
        delivery, outcomes = DeliveryLog(), []
        for rec in (first, second, first):
            try:
                outcomes.append(intake(session, rec, ctx, now=NOW, delivery=delivery).outcome)
            except ConflictingDuplicate as exc:
                assert "body, urgency" in str(exc) and "保留先收到的版本" in str(exc)
                outcomes.append("conflict")
        assert delivery.conflicts == 1
        return outcomes

    assert crawl() == ["new", "conflict", "unchanged"]
    assert crawl() == ["unchanged", "conflict", "unchanged"]  # no flip from crawl to crawl
    item = session.scalars(select(Item)).one()
    assert item.body == "第一版：园区限电。"
    assert session.scalar(select(func.count()).where(Event.action == "来源更新")) == 0


# --- 11. oversized bodies -------------------------------------------------------------------
def test_an_oversized_body_is_cut_and_kept_whole_as_a_file(
    session: Session, ctx: IntakeContext, tmp_path: Path
) -> None:
    huge = "限电" * 1_000_003  # 2,000,006 characters
    item = session.get(Item, intake(session, record(body=huge), ctx, now=NOW).item_id)
    assert item is not None
    limit = ctx.limits.max_body_chars
    assert len(item.body) < limit + 200 and item.body.startswith(huge[:limit])
    assert "正文共 2000006 字" in item.body
    assert item.extra[CHARS_KEY] == "2000006"
    kept = tmp_path / item.extra[FILE_KEY]
    assert kept.read_text("utf-8") == huge
    assert kept.resolve().is_relative_to(tmp_path.resolve())
    # delivered again: unchanged (the hash is of the whole body), not a flip between cut and whole
    assert intake(session, record(body=huge), ctx, now=NOW).outcome == "unchanged"
    changed = intake(session, record(body=huge + "补充"), ctx, now=NOW)
    assert changed.outcome == "updated"
    assert kept.read_text("utf-8") == huge + "补充"


def test_a_body_at_the_limit_is_kept_as_it_is(session: Session, ctx: IntakeContext) -> None:
    body = "字" * ctx.limits.max_body_chars
    rec = replace(record(), body=body)
    item = session.get(Item, intake(session, rec, ctx, now=NOW).item_id)
    assert item is not None and item.body == body and FILE_KEY not in item.extra
