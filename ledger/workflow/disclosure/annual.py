"""The annual-report table the 条例 requires (第五十条; 国办公开办函〔2021〕30号 format, part 三):
收到和处理政府信息公开申请情况, computed from the ledger for one calendar year (Asia/Shanghai).

- 一、本年新收: applications received in the year;
- 二、上年结转: received before the year and not concluded (answered / deemed withdrawn) before it;
- 三、办理结果: applications concluded in the year, in the row their reply type (and ground) maps to
  (data/disclosure_requests.toml), deemed-withdrawn ones in 其他处理 1;
- 四、结转下年度: received by the year's end and not concluded by then.
So 一 + 二 = 三（七）总计 + 四, the check the official format prints above the table.
Columns: 自然人, then 法人或其他组织 by kind, then 总计. Merged (合并) and sent-back (已退回)
items are not applications of ours and are not counted. Per-处室 visibility applies (visible_items).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import IO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from sqlalchemy.orm import Session

from ledger.clock.deadlines import SHANGHAI
from ledger.models import DisclosureRequest, Item, ItemStatus, User
from ledger.queries import visible_items
from ledger.workflow.disclosure.catalogue import DisclosureCatalogue, ReportRow

ITEM_TYPE = "foi_request"
NOT_COUNTED = (ItemStatus.MERGED, ItemStatus.RETURNED)
CHECK_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


@dataclass(frozen=True)
class AnnualTable:
    year: int
    columns: tuple[str, ...]  # applicant types, then 总计
    rows: tuple[tuple[ReportRow, tuple[int, ...] | None], ...]  # None: a heading row

    def value(self, key: str, column: str = "总计") -> int:
        for row, values in self.rows:
            if row.key == key and values is not None:
                return values[self.columns.index(column)]
        raise KeyError(key)


def annual_table(
    session: Session, user: User, catalogue: DisclosureCatalogue, year: int
) -> AnnualTable:
    start = datetime(year, 1, 1, tzinfo=SHANGHAI)
    end = datetime(year + 1, 1, 1, tzinfo=SHANGHAI)
    types = catalogue.applicant_types
    counts: dict[str, list[int]] = {r.key: [0] * len(types) for r in catalogue.report_rows}
    stmt = (
        visible_items(user)
        .join(DisclosureRequest, DisclosureRequest.item_id == Item.id)
        .where(
            Item.item_type == ITEM_TYPE,
            Item.status.not_in(NOT_COUNTED),
            Item.received_at < end,
        )
        .add_columns(DisclosureRequest)
    )
    for item, req in session.execute(stmt):
        col = types.index(req.applicant_type) if req.applicant_type in types else len(types) - 1
        received, done = item.received_at, req.concluded_at
        if received >= start:
            counts["new"][col] += 1
        elif done is None or done >= start:
            counts["carried_in"][col] += 1
        if done is not None and start <= done < end:
            row = catalogue.withdrawn_row if req.reply_type is None else req.reply_row
            if row in counts:
                counts[row][col] += 1
        if done is None or done >= end:
            counts["carried_out"][col] += 1
    _sum_children(catalogue.report_rows, counts)
    level1 = [r.key for r in catalogue.report_rows if r.level == 1 and r.key != "total"]
    if "total" in counts:
        counts["total"] = [sum(counts[k][i] for k in level1) for i in range(len(types))]
    rows = tuple(
        (r, None if r.heading else (*counts[r.key], sum(counts[r.key])))
        for r in catalogue.report_rows
    )
    return AnnualTable(year, (*types, "总计"), rows)


def _sum_children(rows: tuple[ReportRow, ...], counts: dict[str, list[int]]) -> None:
    """A parent's figures are its level-2 rows' (an outcome is counted once, in its finest row)."""
    for i, row in enumerate(rows):
        if not row.sum_of_children:
            continue
        children = []
        for child in rows[i + 1 :]:
            if child.level <= row.level:
                break
            children.append(child.key)
        counts[row.key] = [
            counts[row.key][c] + sum(counts[k][c] for k in children)
            for c in range(len(counts[row.key]))
        ]


def write_annual_workbook(table: AnnualTable, out: IO[bytes]) -> None:
    """The official layout: a three-row header (申请人情况 → 自然人 / 法人或其他组织 (5 kinds) / 总计),
    the row labels in A:C, the figures in D:J."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = f"{table.year}年"
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    bold = Font(bold=True)
    ws.merge_cells("A1:J1")
    ws["A1"] = f"三、收到和处理政府信息公开申请情况（{table.year}年度）"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = centre
    # header rows 2-4
    ws.merge_cells("A2:C4")
    ws["A2"] = CHECK_NOTE
    ws.merge_cells("D2:J2")
    ws["D2"] = "申请人情况"
    ws.merge_cells("D3:D4")
    ws["D3"] = table.columns[0]
    legal = table.columns[1:-1]
    last_legal = chr(ord("E") + len(legal) - 1)
    ws.merge_cells(f"E3:{last_legal}3")
    ws["E3"] = "法人或其他组织"
    for i, name in enumerate(legal):
        ws.cell(row=4, column=5 + i, value=name)
    total_col = 5 + len(legal)
    ws.merge_cells(start_row=3, start_column=total_col, end_row=4, end_column=total_col)
    ws.cell(row=3, column=total_col, value="总计")
    r = 5
    for row, values in table.rows:
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=3)
        label = ws.cell(row=r, column=1, value=row.label)
        label.alignment = Alignment(indent=row.level * 2, vertical="center", wrap_text=True)
        if row.level == 0:
            label.font = bold
        for c, value in enumerate(values or (), start=4):
            ws.cell(row=r, column=c, value=value)
        r += 1
    for line in ws.iter_rows(min_row=2, max_row=r - 1, max_col=total_col):
        for cell in line:
            cell.border = box
            if cell.row <= 4 or cell.column >= 4:
                cell.alignment = centre
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 12
    ws.column_dimensions["C"].width = 20
    for c in range(4, total_col + 1):
        ws.column_dimensions[chr(ord("A") + c - 1)].width = 11
    ws.row_dimensions[2].height = 30
    wb.save(out)


def annual_workbook_bytes(table: AnnualTable) -> bytes:
    buffer = BytesIO()
    write_annual_workbook(table, buffer)
    return buffer.getvalue()
