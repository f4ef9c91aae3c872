"""Export the filtered 台账 to Excel in the columns offices use, with personal data masked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from io import BytesIO
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.clock.deadlines import SHANGHAI
from ledger.exports import proposals as proposal_export
from ledger.intake.records import without_control_chars
from ledger.masking import mask_personal_data
from ledger.models import Department, DisclosureRequest, Item, Reply, ReplyStatus, Source, User
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
# The item columns the rows read (with the 来源渠道 and 承办处室 names joined in).
EXPORTED = (
    Item.id,
    Item.external_id,
    Item.item_type,
    Item.title,
    Item.body,
    Item.received_at,
    Item.status,
    Item.satisfaction,
    Item.topics,
    Item.risk_level,
    Item.due_at,
    Item.replied_at,
)


def _local(value: datetime | None) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if value else ""


# The replies that count as the answer (staff replies once approved, the source's published one);
# the last of them is the answer. Both readers below use this one tuple.
ANSWER_STATUSES = (ReplyStatus.APPROVED, ReplyStatus.PUBLISHED)


def answered_text(item: Item) -> str:
    """The reply that counts: approved/published staff replies or the source's published reply."""
    for reply in reversed(item.replies):
        if reply.status in ANSWER_STATUSES:
            return reply.text
    return ""


def overdue_label(
    due_at: datetime | None, replied_at: datetime | None, status: str, now: datetime
) -> str:
    if due_at is None:
        return ""
    if replied_at is not None:
        return "是（超期答复）" if replied_at > due_at else "否"
    if status in OVERDUE_STATUSES and now > due_at:
        return "是"
    return "否"


def foi_cells(req: DisclosureRequest | None) -> list[object]:
    return [req.applicant_type, req.reply_label] if req is not None else ["", ""]


def _answers(session: Session, item_ids: list[int]) -> dict[int, str]:
    """answered_text for many items at once: the last approved/published reply of each."""
    found = session.execute(
        select(Reply.item_id, Reply.text)
        .where(
            Reply.item_id.in_(item_ids),
            Reply.status.in_(ANSWER_STATUSES),
        )
        .order_by(Reply.id)
    )
    return {item_id: text for item_id, text in found}  # later replies overwrite earlier ones


def _requests(session: Session, item_ids: list[int]) -> dict[int, DisclosureRequest]:
    found = session.scalars(
        select(DisclosureRequest).where(DisclosureRequest.item_id.in_(item_ids))
    )
    return {req.item_id: req for req in found}


def iter_rows(
    session: Session, user: User, flt: ItemFilter, now: datetime
) -> Iterator[list[object]]:
    """The export's rows, read from the database a batch at a time (bounded memory).

    Plain columns, not Item objects: building ~20 mapped objects' state per row cost more than
    writing the row. Replies, 依申请公开 and 建议提案 details come in one query per batch."""
    if flt.text:
        STATS.refresh(session)
    stmt = (
        filtered(user, flt, now=now)
        .join(Source, Source.id == Item.source_id)
        .outerjoin(Department, Department.id == Item.department_id)
        .with_only_columns(*EXPORTED, Source.channel, Department.name.label("department"))
        .order_by(Item.received_at, Item.id)
        .limit(MAX_ROWS)
        .execution_options(yield_per=BATCH)
    )
    n = 0
    for batch in session.execute(stmt).partitions():
        ids = [item.id for item in batch]
        answers = _answers(session, ids)
        requests = _requests(session, ids)
        proposals = proposal_export.cells_for(
            session, [item.id for item in batch if item.item_type == proposal_export.ITEM_TYPE]
        )
        for item in batch:
            n += 1
            body = text_cell(item.body)  # before cutting, so no number is cut in half
            summary = body if len(body) <= SUMMARY_CHARS else body[:SUMMARY_CHARS] + "…"
            row: list[object] = [
                n,
                item.channel,
                item.external_id,
                _local(item.received_at),
                item.title,
                summary,
                item.department or "",
                _local(item.due_at),
                item.status,
                _local(item.replied_at),
                answers.get(item.id, ""),
                overdue_label(item.due_at, item.replied_at, item.status, now),
                item.satisfaction or "",
                "、".join(item.topics or []),
                item.risk_level or "",
                *foi_cells(requests.get(item.id)),
                *proposals.get(item.id, proposal_export.EMPTY),
            ]
            # The one masking step for the export: every text cell, whatever column it is in.
            yield [text_cell(v) if isinstance(v, str) else v for v in row]


def text_cell(value: str) -> str:
    """A text cell as it goes out: control characters removed first, so none can split a phone
    or ID number and hide it from masking; then masked."""
    return mask_personal_data(without_control_chars(value))


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
    # One styled cell made the slow way; the wrapped cells of every row copy its style array
    # (setting .alignment on each cell hashes the Alignment to look it up: 3 times a row).
    styled = WriteOnlyCell(ws)
    styled.alignment = Alignment(wrap_text=True, vertical="top")
    wrap = styled._style
    count = 0
    for row in iter_rows(session, user, flt, now):
        # iter_rows has cleaned and masked the text (text_cell)
        ws.append([_cell(ws, col, value, wrap) for col, value in enumerate(row)])
        count += 1
    # 筛选 buttons on the header row, as offices expect (written when the sheet closes)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count + 1}"
    wb.save(out)
    return count


def _cell(ws: Any, col: int, value: object, wrap: Any) -> object:
    text_start = isinstance(value, str) and value.startswith("=")
    if not text_start and col not in WRAPPED:
        # A plain value: no cell object, so 100,000 rows stay cheap. An empty one is no cell
        # at all (as a blank cell in Excel), not an empty string element.
        return None if value == "" else value
    cell = Cell(ws, row=1, column=1, value=value, style_array=wrap if col in WRAPPED else None)
    if text_start:
        cell.data_type = "s"  # crawled text starting with "=" is text, never a formula
    return cell


def workbook_bytes(session: Session, user: User, flt: ItemFilter, now: datetime) -> bytes:
    buffer = BytesIO()
    write_workbook(session, user, flt, now, buffer)
    return buffer.getvalue()
