"""Manual registration: receipt date by channel (条例 Art. 31), the one intake path, attachments."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.clock.deadlines import SHANGHAI
from ledger.intake.manual.attachments import Upload, attachment_path
from ledger.intake.manual.manual_entry import ManualEntry, register
from ledger.intake.manual.receipt import (
    ReceiptRuleError,
    ReceiptRules,
    load_receipt_rules,
    parse_receipt_rules,
)
from ledger.intake.pipeline import IntakeContext
from ledger.intake.record_checks import IntakeError
from ledger.models import Event, Item, ItemStatus, RoutingDecision, User
from ledger.settings import Settings

NOW = datetime(2026, 10, 20, 10, tzinfo=SHANGHAI)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def ctx(session: Session, data_dir: Path, instance_dir: Path) -> IntakeContext:
    settings = Settings(database_url="unused", data_dir=data_dir, instance_dir=instance_dir)
    return IntakeContext.load(session, settings)


@pytest.fixture(scope="module")
def receipts() -> ReceiptRules:
    return load_receipt_rules(Path(__file__).resolve().parents[2] / "data" / "receipt_rules.toml")


def user(session: Session, name: str) -> User:
    found = session.scalar(select(User).where(User.username == name))
    assert found is not None
    return found


def application(token: str = "t1", **overrides: object) -> ManualEntry:
    values: dict[str, object] = {
        "token": token,
        "item_type": "依申请公开",
        "channel": "来信",
        "title": "申请公开2025年中小企业发展专项资金分配结果",
        "body": "申请人王五，身份证号370102198001011234，请求公开专项资金分配明细。",
        "received_at": sh(2026, 9, 28, 9, 30),  # signed for on Monday 09-28
        "submitted_at": sh(2026, 9, 24, 16),  # posted the Thursday before
        "author": "王五",
    }
    values.update(overrides)
    return ManualEntry(**values)  # type: ignore[arg-type]


# -- receipt rule by channel ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "basis", "label"),
    [
        ("来访", "same_day", "当面提交时间"),
        ("来信", "signed_for", "签收时间"),
        ("网上申请", "confirmed", "双方确认时间"),
        ("传真", "confirmed", "双方确认时间"),
    ],
)
def test_article_31_by_channel(
    receipts: ReceiptRules, channel: str, basis: str, label: str
) -> None:
    rule = receipts.get(channel)
    assert (rule.basis, rule.label) == (basis, label)
    assert "第三十一条" in rule.legal_source


def test_post_counts_from_the_day_signed_for(receipts: ReceiptRules) -> None:
    got = receipts.receipt(
        "来信", received_at=sh(2026, 9, 28, 9), submitted_at=sh(2026, 9, 24, 16), now=NOW
    )
    assert got.received_at == sh(2026, 9, 28, 9)
    assert "以签收之日为准" in got.explanation and "寄出）于 2026-09-24 16:00" in got.explanation


@pytest.mark.parametrize(
    ("received", "submitted", "message"),
    [
        (None, None, "请填写签收时间（来信以签收之日为收到日）"),
        (sh(2026, 9, 23), sh(2026, 9, 24), "早于提交（寄出）时间"),
        (sh(2026, 10, 21), None, "不能是将来的时间"),
        (sh(2026, 10, 1), sh(2026, 10, 22), "不能是将来的时间"),
    ],
)
def test_bad_receipt_dates_refused(
    receipts: ReceiptRules, received: datetime | None, submitted: datetime | None, message: str
) -> None:
    with pytest.raises(IntakeError, match=message.replace("（", ".").replace("）", ".")):
        receipts.receipt("来信", received_at=received, submitted_at=submitted, now=NOW)


def test_unknown_channel_and_bad_rules_file(receipts: ReceiptRules) -> None:
    with pytest.raises(IntakeError, match="可选：来访"):
        receipts.get("飞鸽传书")
    with pytest.raises(ReceiptRuleError, match="basis"):
        parse_receipt_rules({"来信": {"basis": "postmark", "label": "x", "legal_source": "y"}})
    with pytest.raises(ReceiptRuleError, match="不认识的字段"):
        parse_receipt_rules(
            {"来信": {"basis": "same_day", "label": "x", "legal_source": "y", "days": 1}}
        )


# -- registration -----------------------------------------------------------------------------


def test_application_by_post_is_registered_with_its_clock(
    session: Session, ctx: IntakeContext, receipts: ReceiptRules, instance_dir: Path
) -> None:
    entry = application(uploads=[Upload("申请表.pdf", PDF)])
    result = register(session, user(session, "fenban"), entry, ctx, receipts, now=NOW)
    assert result.outcome == "new"
    item = session.get(Item, result.item_id)
    assert item is not None
    assert item.item_type == "foi_request" and item.source.slug == "manual"
    assert item.received_at == sh(2026, 9, 28, 9, 30).astimezone(UTC)
    # Signed for Mon 09-28: 20 working days across 国庆 → Fri 2026-10-30 (tests/ledger/test_disclosure_clock).
    assert item.due_at is not None
    assert item.due_at.astimezone(SHANGHAI).date() == date(2026, 10, 30)
    assert item.extra["渠道"] == "来信" and "签收之日" in item.extra["收到日依据"]
    assert item.author_masked == "王*"
    [att] = item.extra["附件"]
    assert att["name"] == "申请表.pdf" and att["size"] == len(PDF)
    assert attachment_path(instance_dir, item.id, att).read_bytes() == PDF
    actions = session.scalars(select(Event.action).where(Event.item_id == item.id)).all()
    assert "收件" in actions and "人工录入" in actions


def test_same_form_twice_registers_once(
    session: Session, ctx: IntakeContext, receipts: ReceiptRules
) -> None:
    clerk = user(session, "fenban")
    first = register(session, clerk, application("dup1"), ctx, receipts, now=NOW)
    edited = application(
        "dup1", title="改过的标题", uploads=[Upload("补充.txt", "补充材料".encode())]
    )
    again = register(session, clerk, edited, ctx, receipts, now=NOW)
    assert again.item_id == first.item_id and again.outcome == "unchanged"
    item = session.get(Item, first.item_id)
    assert item is not None and item.title == application().title and "附件" not in item.extra


def test_department_user_enters_for_own_department(
    session: Session, ctx: IntakeContext, receipts: ReceiptRules
) -> None:
    handler = user(session, "rjc")  # 软件与信息服务业处
    entry = application(
        "own1",
        item_type="12345",
        channel="来电",
        title="咨询中小企业融资担保政策",
        body="来电咨询融资担保补贴如何申请。",
        submitted_at=None,
    )
    result = register(session, handler, entry, ctx, receipts, now=NOW)
    item = session.get(Item, result.item_id)
    assert item is not None
    assert item.department_id == handler.department_id
    assert item.status == ItemStatus.IN_PROGRESS
    last = session.scalars(
        select(RoutingDecision)
        .where(RoutingDecision.item_id == item.id)
        .order_by(RoutingDecision.id.desc())
    ).first()
    assert last is not None and last.method == "confirmed" and not last.is_training_example
    assert last.department_id == handler.department_id


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"uploads": [Upload("木马.exe", b"MZ\x90\x00")]}, "类型不允许"),
        ({"uploads": [Upload("假的.pdf", b"MZ\x90\x00")]}, "文件名与内容不符"),
        ({"uploads": [Upload("大.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024))]}, "超过上限 10 MB"),
        ({"title": "  "}, "请填写：标题"),
        ({"received_at": sh(2026, 9, 20)}, "早于提交"),
        ({"received_at": sh(2026, 11, 1)}, "将来"),
        ({"item_type": "投诉箱"}, "未知的事项类型"),
        ({"channel": "飞鸽传书"}, "不在收到日期规则中"),
    ],
)
def test_bad_entry_saves_nothing(
    session: Session,
    ctx: IntakeContext,
    receipts: ReceiptRules,
    instance_dir: Path,
    overrides: dict[str, object],
    message: str,
) -> None:
    items = session.scalar(select(func.count()).select_from(Item))
    files = sorted((instance_dir / "attachments").rglob("*"))
    with pytest.raises(IntakeError, match=message):
        register(
            session,
            user(session, "fenban"),
            application("bad", **overrides),
            ctx,
            receipts,
            now=NOW,
        )
    assert session.scalar(select(func.count()).select_from(Item)) == items
    assert sorted((instance_dir / "attachments").rglob("*")) == files


def test_roles_that_may_not_enter(
    session: Session, ctx: IntakeContext, receipts: ReceiptRules
) -> None:
    with pytest.raises(IntakeError, match="分析员不能录入事项"):
        register(session, user(session, "fenxi"), application("r1"), ctx, receipts, now=NOW)
