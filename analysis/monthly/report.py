"""The month's report: a Word document (python-docx) with charts, and its tables as an Excel file."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl import Workbook

from analysis.monthly.charts import bar_chart
from analysis.monthly.month import MonthAnalysis
from analysis.topics.hotness import FORMULA

SHANGHAI = ZoneInfo("Asia/Shanghai")
BODY_FONT = "Noto Sans CJK SC"


def _target(path: Path | IO[bytes]) -> str | IO[bytes]:
    return str(path) if isinstance(path, Path) else path


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _day(value: datetime | None) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d") if value else "—"


def tables(a: MonthAnalysis) -> dict[str, tuple[list[str], list[list[object]]]]:
    """The report's tables by sheet name: (header, rows). The Word report and Excel share them."""
    return {
        "渠道": (["来源渠道", "本月条数"], [[c, n] for c, n in a.channels]),
        "处室": (
            ["承办处室", "收到", "已答复", "按时", "超期", "未到期", "按时率"],
            [
                [d.name, d.received, d.answered, d.on_time, d.late, d.pending, _pct(d.on_time_rate)]
                for d in a.departments
            ],
        ),
        "超期事项": (
            ["事项编号", "标题", "承办处室", "渠道", "办理时限", "超期天数"],
            [
                [o.item_id, o.title, o.department, o.channel, _day(o.due_at), o.days_over]
                for o in a.overdue
            ],
        ),
        "热点话题": (
            [
                "排名",
                "热度",
                "关键词",
                "地点/机构",
                "条数",
                "发送人",
                "点赞",
                "较上月",
                "时间跨度",
                "代表事项",
            ],
            [
                [
                    t.rank,
                    round(t.hotness, 1),
                    "、".join(t.keywords[:5]),
                    "、".join(t.places) or "—",
                    t.size,
                    t.senders,
                    t.likes,
                    f"+{t.growth}" if t.growth else "0",
                    f"{_day(t.start)}～{_day(t.end)}",
                    t.representative_title,
                ]
                for t in a.topics
            ],
        ),
        "公开建议": (
            ["建议公开标题", "提问条数", "提问人数", "承办处室", "已有答复", "代表事项"],
            [
                [
                    c.suggested_title,
                    c.size,
                    c.senders,
                    c.department or "待定",
                    f"{c.replied} 条" if c.replied else "无",
                    c.representative_title,
                ]
                for c in a.candidates
            ],
        ),
    }


def _set_fonts(doc) -> None:
    style = doc.styles["Normal"]
    style.font.name = BODY_FONT
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), BODY_FONT)
    for name in ("Title", "Heading 1", "Heading 2"):
        st = doc.styles[name]
        st.font.name = BODY_FONT
        st.element.rPr.rFonts.set(qn("w:eastAsia"), BODY_FONT)


def _table(doc, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Light Grid Accent 1"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = str(text)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = str(value)


def _picture(doc, png: bytes) -> None:
    doc.add_picture(io.BytesIO(png), width=Cm(15))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER


def write_docx(a: MonthAnalysis, path: Path | IO[bytes], *, generated_at: datetime) -> None:
    year, month = a.month.split("-")
    doc = Document()
    _set_fonts(doc)
    doc.add_heading(f"{year}年{int(month)}月 舆情回应与依申请公开分析报告", level=0)
    doc.add_paragraph(
        f"统计范围：{year}年{int(month)}月1日至月末（北京时间）收到的事项；"
        f"生成时间：{generated_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}。"
    )
    if a.total == 0:
        doc.add_heading("本月概况", level=1)
        doc.add_paragraph(
            f"本月台账中没有收到事项，因此没有热点话题、按时率与公开建议可报告。"
            f"上月收到 {a.previous_total} 条。当前仍有 {len(a.overdue)} 件超期未办结事项。"
        )
        if a.overdue:
            _table(doc, *tables(a)["超期事项"])
        doc.save(_target(path))
        return

    t = tables(a)
    change = a.total - a.previous_total
    doc.add_heading("一、总体情况", level=1)
    doc.add_paragraph(
        f"本月共收到 {a.total} 条（上月 {a.previous_total} 条，{'增加' if change >= 0 else '减少'} "
        f"{abs(change)} 条），按时答复率 {_pct(a.on_time_rate)}，当前超期未办结 {len(a.overdue)} 件。"
    )
    _table(doc, *t["渠道"])
    _picture(
        doc,
        bar_chart(
            [c for c, _ in a.channels],
            [n for _, n in a.channels],
            title="各渠道收到条数",
            xlabel="条数",
        ),
    )

    doc.add_heading("二、各处室办理情况", level=1)
    doc.add_paragraph(
        "按时：在办理时限内答复；超期：超过时限才答复或至今未答复；按时率 = 按时 ÷（按时 + 超期）。"
    )
    _table(doc, *t["处室"])
    judged = [d for d in a.departments if d.on_time_rate is not None]
    if judged:
        _picture(
            doc,
            bar_chart(
                [d.name for d in judged],
                [d.on_time_rate or 0 for d in judged],
                title="各处室按时答复率",
                percent=True,
            ),
        )

    doc.add_heading("三、超期未办结事项", level=1)
    if a.overdue:
        _table(doc, *t["超期事项"])
    else:
        doc.add_paragraph("目前没有超期未办结事项。")

    doc.add_heading("四、热点话题", level=1)
    doc.add_paragraph(f"热度计算方法：{FORMULA}。")
    if a.topics:
        _table(doc, *t["热点话题"])
        _picture(
            doc,
            bar_chart(
                [f"{x.rank}. {'、'.join(x.places[:1] or x.keywords[:2])}" for x in a.topics],
                [round(x.hotness, 1) for x in a.topics],
                title="热点话题热度",
                xlabel="热度",
            ),
        )
        if a.rising:
            doc.add_heading("较上月上升的话题", level=2)
            for x in a.rising[:5]:
                doc.add_paragraph(
                    f"{'、'.join(x.keywords[:4])}：本月 {x.size} 条，上月 {x.previous} 条",
                    style="List Bullet",
                )
    else:
        doc.add_paragraph("本月事项中没有两条以上同一问题的话题。")

    doc.add_heading("五、依申请公开转主动公开建议", level=1)
    if a.candidates:
        doc.add_paragraph(
            "以下问题近三个月被多人反复询问，建议由承办处室整理后主动公开，今后同类来信可直接引导查阅。"
        )
        _table(doc, *t["公开建议"])
    else:
        doc.add_paragraph("近三个月没有被多人反复询问的信息类问题。")
    doc.save(_target(path))


def write_xlsx(a: MonthAnalysis, path: Path | IO[bytes]) -> None:
    wb = Workbook()
    wb.remove(wb.active)
    for name, (header, rows) in tables(a).items():
        ws = wb.create_sheet(name)
        ws.append(header)
        for row in rows:
            ws.append(list(row))
    wb.save(_target(path))
