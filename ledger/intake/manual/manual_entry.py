"""Registering an item staff entered by hand (letter, call, walk-in, online form, 上级交办, media).

Everything is checked first — fields, the receipt date by channel (ledger.intake.manual.receipt), the
attachments — and only then does the item get its 编号 (RG-20261202-0001, claimed with the form's
token: ledger.intake.manual.entry_numbers) and go through the one intake path (routed, deadline set). A
form registers once. A 处室 user's entry belongs to their own 处室. The caller owns the
transaction; on any error it rolls back and the attachment files are removed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from ledger.audit import record_event
from ledger.clock.rules import UnknownItemType
from ledger.intake.manual.attachments import Upload, check_uploads, remove_files, store_uploads
from ledger.intake.manual.attachments import attachment_dir as _attachment_dir
from ledger.intake.manual.entry_numbers import claim
from ledger.intake.manual.receipt import ReceiptRules
from ledger.intake.pipeline import IntakeContext, IntakeResult, intake
from ledger.intake.record_checks import IntakeError
from ledger.intake.records import IntakeRecord
from ledger.models import Item, ItemStatus, Role, RoutingDecision, User

SOURCE = "manual"
SOURCE_NAME = "人工录入"
ENTRY_ROLES = (Role.TRIAGE, Role.ADMIN, Role.HANDLER, Role.REVIEWER)
REQUEST_KINDS = ("", "投诉", "咨询", "建议", "求助", "举报")


@dataclass(frozen=True)
class ManualEntry:
    token: str  # one per form: submitting the same form twice registers one item
    item_type: str
    channel: str
    title: str
    body: str
    received_at: datetime | None
    submitted_at: datetime | None = None
    author: str | None = None
    request_kind: str | None = None
    uploads: list[Upload] = field(default_factory=list)


def register(
    session: Session,
    user: User,
    entry: ManualEntry,
    ctx: IntakeContext,
    receipts: ReceiptRules,
    *,
    now: datetime,
) -> IntakeResult:
    """Check `entry` and register it; raises IntakeError (a Chinese message) and saves nothing."""
    if not user.has_role(*ENTRY_ROLES):
        raise IntakeError(f"{user.role_names}不能录入事项")
    if not user.sees_all_departments and user.department_id is None:
        raise IntakeError("你的账号没有所属处室，不能录入事项")
    _check_fields(entry, ctx)
    receipt = receipts.receipt(
        entry.channel, received_at=entry.received_at, submitted_at=entry.submitted_at, now=now
    )
    check_uploads(entry.uploads)
    number = claim(session, entry.token, now)
    if number.item_id is not None:  # the same form again (reload, back button, a double click)
        return IntakeResult(number.item_id, "unchanged")
    record = IntakeRecord(
        source=SOURCE,
        source_name=SOURCE_NAME,
        channel=SOURCE_NAME,  # the Source row is shared; the entry's own channel is kept on the item
        external_id=number.number,
        item_type=entry.item_type,
        title=entry.title,
        body=entry.body,
        received_at=receipt.received_at,
        author=entry.author or None,
        request_kind=entry.request_kind or None,
        extra={"渠道": entry.channel, "收到日依据": receipt.explanation},
    )
    result = intake(session, record, ctx, now=now)
    if result.outcome != "new":  # an item held the claimed 编号 without its claim: never update it
        raise IntakeError(f"编号 {number.number} 已被其他事项占用，请联系管理员")
    number.item_id = result.item_id
    item = session.get(Item, result.item_id)
    assert item is not None
    if not user.sees_all_departments and item.department_id != user.department_id:
        before = {"处室": item.department.name if item.department else None, "状态": item.status}
        item.department_id = user.department_id
        if item.status == ItemStatus.NEW:
            item.status = ItemStatus.IN_PROGRESS
        record_event(
            session, item, user, "录入处室承办", before=before, after={"状态": item.status}
        )
        # Shown in the 分办历史; not a training example: the 处室 chose itself, nobody triaged.
        session.add(
            RoutingDecision(
                item_id=item.id,
                department_id=user.department_id,
                method="confirmed",
                decided_by_id=user.id,
                reason="处室人员录入，由本处室承办",
            )
        )
    stored: list[Path] = []
    try:
        listing = []
        if entry.uploads:
            if ctx.instance_dir is None:
                raise IntakeError("未配置实例目录，不能保存附件")
            listing = store_uploads(ctx.instance_dir, item.id, entry.uploads)
            folder = _attachment_dir(ctx.instance_dir, item.id)
            stored = [folder / str(e["stored"]) for e in listing]
        item.extra = {**item.extra, "附件": listing} if listing else item.extra
        record_event(
            session,
            item,
            user,
            "人工录入",
            after={
                "渠道": entry.channel,
                "收到时间": receipt.received_at.isoformat(),
                "附件": [e["name"] for e in listing],
            },
            note=receipt.explanation,
        )
        session.flush()
    except Exception:
        remove_files(stored)
        raise
    return result


def _check_fields(entry: ManualEntry, ctx: IntakeContext) -> None:
    missing = [
        label
        for label, value in (
            ("事项类型", entry.item_type),
            ("渠道", entry.channel),
            ("标题", entry.title),
            ("内容", entry.body),
        )
        if not value or not value.strip()
    ]
    if missing:
        raise IntakeError("请填写：" + "、".join(missing))
    if not entry.token or len(entry.token) > 64 or not entry.token.isalnum():
        raise IntakeError("表单已失效，请重新打开录入页面")
    try:
        ctx.rules.get(entry.item_type)
    except UnknownItemType as exc:
        raise IntakeError(str(exc)) from exc
    if len(entry.title.strip()) > 500:
        raise IntakeError("标题超过 500 字")
    if entry.request_kind and entry.request_kind not in REQUEST_KINDS:
        raise IntakeError(f"诉求类型“{entry.request_kind}”无效")
