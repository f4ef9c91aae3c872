"""The notices sent to an applicant (补正告知书, 延期告知书, 答复告知书) as Word files.

Wording lives in data/disclosure_notices.toml (a title and paragraphs with ${名称} fields, via the
standard library's string.Template), not in a .docx template: the office edits it in any text
editor, the file diffs in git, and a field can never be split across Word runs (the usual failure
of .docx templates edited in Word). python-docx writes the file. The applicant's name and address
appear only here, on the letter addressed to them; the caller logs every download.
"""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from ledger.clock.deadlines import SHANGHAI
from ledger.config.keys import UnknownKeyError, check_keys
from ledger.config.schemas import DISCLOSURE_NOTICES
from ledger.masking import mask_personal_data
from ledger.models import AdjustmentStatus, DisclosureRequest, Item
from ledger.workflow.guards import WorkflowError

KINDS = ("correction", "extension", "reply")


class Fields(string.Template):
    """${名称}: field names in Chinese (the standard pattern is ASCII only)."""

    idpattern = r"[^\W\d]\w*"


@dataclass(frozen=True)
class NoticeTemplate:
    kind: str
    name: str
    title: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class NoticeBook:
    issuer: str
    templates: dict[str, NoticeTemplate]


class NoticeFileError(ValueError):
    """The wording file is malformed; the message says where."""


def load_notice_book(path: Path) -> NoticeBook:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        check_keys(data, DISCLOSURE_NOTICES, str(path))
        templates = {
            kind: NoticeTemplate(
                kind,
                str(data[kind]["name"]),
                str(data[kind]["title"]),
                tuple(str(p) for p in data[kind]["paragraphs"]),
            )
            for kind in KINDS
        }
        return NoticeBook(str(data["issuer"]), templates)
    except UnknownKeyError as exc:
        raise NoticeFileError(str(exc)) from exc
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise NoticeFileError(f"告知书措辞 {path} 无法读取：{exc!r}") from exc


def available(item: Item, req: DisclosureRequest) -> list[str]:
    """Which notices this application has the facts for."""
    kinds = []
    if req.corrections:
        kinds.append("correction")
    if any(
        a.kind == "extend" and a.status == AdjustmentStatus.APPROVED for a in item.clock_adjustments
    ):
        kinds.append("extension")
    if req.reply_type:
        kinds.append("reply")
    return kinds


def fields(book: NoticeBook, item: Item, req: DisclosureRequest) -> dict[str, str]:
    """Every ${name} the templates may use, for this application."""
    values = {
        "机关": book.issuer,
        "文号": f"编号：{item.external_id}",
        "申请人": req.applicant_name or "申请人",
        "申请人地址": req.applicant_address or "（未登记）",
        "收到日期": _date(item.received_at),
        # the request's own words may hold third parties' numbers: masked like everywhere else
        "申请内容": mask_personal_data(item.title),
        "告知日期": "",
    }
    if req.corrections:
        c = req.corrections[-1]
        values |= {
            "补正事项": c.to_complete,
            "补正截止": _cn(c.answer_by.year, c.answer_by.month, c.answer_by.day),
            "告知日期": _date(c.issued_at),
        }
    extensions = [
        a
        for a in item.clock_adjustments
        if a.kind == "extend" and a.status == AdjustmentStatus.APPROVED
    ]
    if extensions:
        last = extensions[-1]
        values |= {
            "延期天数": str(sum(a.amount or 0 for a in extensions)),
            "延期理由": last.reason.split("（经")[0],
            "新答复期限": _date(item.due_at) if item.due_at else "",
            "告知日期": _date(last.at),
        }
    if req.reply_type:
        values |= {
            "答复类型": req.reply_type,
            "法定理由": f"理由：{req.reply_ground}。" if req.reply_ground else "",
            "负责机关": f"该信息由{req.reply_body}负责公开，请向其提出申请。"
            if req.reply_body
            else "",
            "答复正文": req.reply_text or "",
            "答复日期": _date(req.replied_at) if req.replied_at else "",
        }
    return values


def render_notice(book: NoticeBook, kind: str, item: Item, req: DisclosureRequest) -> bytes:
    if kind not in available(item, req):
        raise WorkflowError("该申请还没有这份告知书所需的记录（补正、延期或答复）。")
    template = book.templates[kind]
    values = fields(book, item, req)
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "宋体", Pt(14)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")  # CJK text needs the East Asian font
    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(template.title)
    run.bold, run.font.size = True, Pt(18)
    for text in template.paragraphs:
        line = Fields(text).safe_substitute(values)
        if not line.strip():
            continue
        para = doc.add_paragraph(line)
        if text.strip() in ("${机关}", "${告知日期}", "${答复日期}"):
            para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


def _date(moment: datetime) -> str:
    local = moment.astimezone(SHANGHAI)
    return _cn(local.year, local.month, local.day)


def _cn(year: int, month: int, day: int) -> str:
    return f"{year}年{month}月{day}日"
