"""Export the filtered 台账 to Excel in the columns offices use, with personal data masked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from io import BytesIO
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session, joinedload, selectinload

from ledger import proposal_export
from ledger.clock.deadlines import SHANGHAI
from ledger.intake.records import without_control_chars
from ledger.masking import mask_personal_data
from ledger.models import Item, ReplyStatus, User
from ledger.queries import OVERDUE_STATUSES, ItemFilter, filtered
from ledger.search import STATS

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
    # type-specific columns: empty for other item types
    ("申请人类型（依申请公开）", 12),
    ("答复类型（依申请公开）", 30),
    *proposal_export.COLUMNS,
)
SUMMARY_CHARS = 120
MAX_ROWS = 100_000
BATCH = 1000  # rows read per database round trip
WRAPPED = (4, 5, 10)  # 标题, 内容摘要, 答复内容: long text wraps in its cell


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


def foi_cells(item: Item) -> list[object]:
    req = item.disclosure_request
    return [req.applicant_type, req.reply_label] if req is not None else ["", ""]


def iter_rows(
    session: Session, user: User, flt: ItemFilter, now: datetime
) -> Iterator[list[object]]:
    """The export's rows, read from the database a batch at a time (bounded memory: the session's
    identity map holds items weakly, so rows already written are freed)."""
    if flt.text:
        STATS.refresh(session)
    stmt = (
        filtered(user, flt, now=now)
        .options(
            joinedload(Item.source),
            joinedload(Item.department),
            selectinload(Item.replies),
            selectinload(Item.disclosure_request),
        )
        .order_by(Item.received_at, Item.id)
        .limit(MAX_ROWS)
        .execution_options(yield_per=BATCH)
    )
    for n, item in enumerate(session.scalars(stmt), start=1):
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
            *foi_cells(item),
            *proposal_export.cells(session, item),
        ]
        # The one masking step for the export: every text cell, whatever column it is in.
        yield [mask_personal_data(v) if isinstance(v, str) else v for v in row]


def rows(session: Session, user: User, flt: ItemFilter, now: datetime) -> list[list[object]]:
    return list(iter_rows(session, user, flt, now))


def write_workbook(
    session: Session, user: User, flt: ItemFilter, now: datetime, out: IO[bytes]
) -> int:
    """Write the .xlsx to `out` in openpyxl's write-only mode: rows go to a temporary file as
    they come, so memory stays flat whatever the row count. Returns the number of rows."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("舆情回应台账")
    for col, (_, width) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"
    head_font, head_fill = Font(bold=True), PatternFill("solid", fgColor="EEF2F6")
    header = []
    for name, _ in COLUMNS:
        cell = WriteOnlyCell(ws, value=name)
        cell.font, cell.fill = head_font, head_fill
        header.append(cell)
    ws.append(header)
    wrap = Alignment(wrap_text=True, vertical="top")
    count = 0
    for row in iter_rows(session, user, flt, now):
        ws.append([_cell(ws, col, cell_value(value), wrap) for col, value in enumerate(row)])
        count += 1
    # 筛选 buttons on the header row, as offices expect (written when the sheet closes)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count + 1}"
    wb.save(out)
    return count


def _cell(ws: Any, col: int, value: object, wrap: Alignment) -> object:
    text_start = isinstance(value, str) and value.startswith("=")
    if not text_start and col not in WRAPPED:
        return value  # a plain value: no cell object, so 100,000 rows stay cheap
    cell = WriteOnlyCell(ws, value=value)
    if text_start:
        cell.data_type = "s"  # crawled text starting with "=" is text, never a formula
    if col in WRAPPED:
        cell.alignment = wrap
    return cell


def workbook_bytes(session: Session, user: User, flt: ItemFilter, now: datetime) -> bytes:
    buffer = BytesIO()
    write_workbook(session, user, flt, now, buffer)
    return buffer.getvalue()
