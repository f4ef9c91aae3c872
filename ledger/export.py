"""Export the filtered 台账 to Excel in the columns offices use, with personal data masked."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session, joinedload, selectinload

from ledger.clock.deadlines import SHANGHAI
from ledger.intake.records import without_control_chars
from ledger.masking import mask_personal_data
from ledger.models import Item, ReplyStatus, User
from ledger.queries import OVERDUE_STATUSES, ItemFilter, filtered

COLUMNS = (
    ("序号", 6),
    ("来源渠道", 10),
    ("编号", 16),
    ("收到时间", 17),
    ("标题", 30),
    ("内容摘要", 50),
    ("承办处室", 16),
    ("办理时限", 17),
    ("状态", 9),
    ("答复时间", 17),
    ("答复内容", 50),
    ("是否超期", 9),
    ("满意度", 9),
    ("话题", 18),
    ("风险等级", 9),
)
SUMMARY_CHARS = 120
MAX_ROWS = 20000


def cell_value(value: object) -> object:
    """Text without the control characters Excel refuses. Intake already removes them; this
    guards rows stored before that (or written by other paths)."""
    return without_control_chars(value) if isinstance(value, str) else value


def _local(value: datetime | None) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if value else ""


def answered_text(item: Item) -> str:
    """The reply that counts: approved/published staff replies or the source's published reply."""
    for reply in reversed(item.replies):
        if reply.status in (ReplyStatus.APPROVED, ReplyStatus.PUBLISHED):
            return reply.text
    return ""


def overdue_label(item: Item, now: datetime) -> str:
    if item.due_at is None:
        return ""
    if item.replied_at is not None:
        return "是（超期答复）" if item.replied_at > item.due_at else "否"
    if item.status in OVERDUE_STATUSES and now > item.due_at:
        return "是"
    return "否"


def rows(session: Session, user: User, flt: ItemFilter, now: datetime) -> list[list[object]]:
    stmt = (
        filtered(user, flt, now=now)
        .options(joinedload(Item.source), joinedload(Item.department), selectinload(Item.replies))
        .order_by(Item.received_at, Item.id)
        .limit(MAX_ROWS)
    )
    out: list[list[object]] = []
    for n, item in enumerate(session.scalars(stmt).unique(), start=1):
        body = mask_personal_data(item.body)  # before cutting, so no number is cut in half
        summary = body if len(body) <= SUMMARY_CHARS else body[:SUMMARY_CHARS] + "…"
        row: list[object] = [
            n,
            item.source.channel,
            item.external_id,
            _local(item.received_at),
            item.title,
            summary,
            item.department.name if item.department else "",
            _local(item.due_at),
            item.status,
            _local(item.replied_at),
            answered_text(item),
            overdue_label(item, now),
            item.satisfaction or "",
            "、".join(item.topics or []),
            item.risk_level or "",
        ]
        # The one masking step for the export: every text cell, whatever column it is in.
        out.append([mask_personal_data(v) if isinstance(v, str) else v for v in row])
    return out


def workbook_bytes(session: Session, user: User, flt: ItemFilter, now: datetime) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "舆情回应台账"
    ws.append([name for name, _ in COLUMNS])
    for row in rows(session, user, flt, now):
        ws.append([cell_value(value) for value in row])
    head = PatternFill("solid", fgColor="EEF2F6")
    for col, (_, width) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
        cell = ws.cell(row=1, column=col)
        cell.font, cell.fill = Font(bold=True), head
    for line in ws.iter_rows(min_row=2):
        for cell in line:
            if cell.data_type == "f":  # crawled text starting with "=" is text, never a formula
                cell.data_type = "s"
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions  # 筛选 buttons on the header row, as offices expect
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
