"""The 舆情事件台账 export: one row per 舆情事件, with its linked items and its responses, in Chinese.
The item export (ledger.exports.items) is the 舆情回应台账; this sheet is named apart from it.

Linked items are listed as the exporting user may see them (per-处室 visibility; the rest are
counted, not named). Every text cell is masked, and text starting with "=" stays text.
"""

from __future__ import annotations

from datetime import datetime
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ledger.clock.deadlines import SHANGHAI
from ledger.exports.items import text_cell
from ledger.models import OpinionEvent, User
from ledger.workflow.events.reads import clock_state, visible_linked_items

SHEET = "舆情事件台账"
COLUMNS = (
    ("序号", 6),
    ("事件标题", 30),
    ("等级", 7),
    ("状态", 8),
    ("首次发现时间", 17),
    ("回应时限", 17),
    ("计时规则", 14),
    ("首次回应时间", 17),
    ("是否按时回应", 12),
    ("回应情况", 60),
    ("关联事项数", 8),
    ("关联事项", 50),
    ("来源链接", 30),
    ("跟踪情况", 40),
    ("办结时间", 17),
    ("办结小结", 40),
)
WRAPPED = {"事件标题", "回应情况", "关联事项", "来源链接", "跟踪情况", "办结小结"}


def _local(value: datetime | None) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if value else ""


def _on_time(event: OpinionEvent, now: datetime) -> str:
    state = clock_state(event, now)
    return {
        "按时回应": "是",
        "超时回应": "否（超时回应）",
        "超时": "否（超时未回应）",
        "办结": "研判后未回应",
    }.get(state.state, f"未回应（{state.label}）")


def event_row(
    session: Session, user: User, n: int, event: OpinionEvent, now: datetime
) -> list[object]:
    items, hidden = visible_linked_items(session, user, event)
    linked = [f"{i.external_id} {i.title}" for i in items]
    if hidden:
        linked.append(f"另有 {hidden} 件不在您的可见范围")
    responses = [
        f"{_local(r.responded_at)} {r.channel}：{r.content}（审批：{r.approved_by}）"
        for r in event.responses
    ]
    notes = [f"{_local(x.at)} {x.text}" for x in event.notes]
    row: list[object] = [
        n,
        event.title,
        event.level,
        str(event.status),
        _local(event.first_seen_at),
        _local(event.due_at),
        "24 小时" if event.rule_key == "opinion_major" else "48 小时",
        _local(event.first_response_at),
        _on_time(event, now),
        "\n".join(responses),
        len(items) + hidden,
        "\n".join(linked),
        "\n".join(event.source_links or []),
        "\n".join(notes),
        _local(event.closed_at),
        event.closing_summary or "",
    ]
    # the item export's cell step: control characters out first, then masked
    return [text_cell(v) if isinstance(v, str) else v for v in row]


def workbook_bytes(session: Session, user: User, now: datetime) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    ws.append([name for name, _ in COLUMNS])
    for col, (_, width) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
        head = ws.cell(row=1, column=col)
        head.font, head.fill = Font(bold=True), PatternFill("solid", fgColor="EEF2F6")
    ws.freeze_panes = "A2"
    wrap = Alignment(wrap_text=True, vertical="top")
    rows = session.scalars(  # oldest first, as a ledger reads; details in one query each
        select(OpinionEvent)
        .options(
            selectinload(OpinionEvent.responses),
            selectinload(OpinionEvent.notes),
            selectinload(OpinionEvent.items),
        )
        .order_by(OpinionEvent.first_seen_at, OpinionEvent.id)
    ).all()
    for n, event in enumerate(rows, start=1):
        ws.append(event_row(session, user, n, event, now))
        for col, (name, _) in enumerate(COLUMNS, start=1):
            cell = ws.cell(row=n + 1, column=col)
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, never a formula
            if name in WRAPPED:
                cell.alignment = wrap
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(rows) + 1}"
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
