"""Read messages from any CSV for `huiying hot-topics`: named columns, bad rows counted with reasons."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from dateutil import parser as dateparser

from analysis.messages import Message

TITLE_CHARS = 60


class CsvInputError(ValueError):
    """The file cannot be used at all (missing file or column); the message says which."""


@dataclass
class CsvColumns:
    id: str
    text: list[str]
    likes: str | None = None
    user: str | None = None
    time: str | None = None
    reply: str | None = None  # an earlier reply (依申请→主动公开: is the answer already written?)
    department: str | None = None  # the 处室 that answered
    kind: str | None = None  # the channel's own request type (咨询 / 投诉 …)

    def named(self) -> list[str]:
        optional = (self.likes, self.user, self.time, self.reply, self.department, self.kind)
        return [self.id, *self.text, *(c for c in optional if c)]


@dataclass
class CsvRead:
    messages: list[Message]
    rows: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason)


SHANGHAI = ZoneInfo("Asia/Shanghai")


def _parse_time(value: str) -> datetime:
    """ISO 8601 or any common date format; a time without zone is Asia/Shanghai local time."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = dateparser.parse(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=SHANGHAI)


def read_messages(path: Path, cols: CsvColumns) -> CsvRead:
    """Messages of the CSV. Row numbers count the header as row 1, as a spreadsheet shows them."""
    if not path.is_file():
        raise CsvInputError(f"找不到文件：{path}")
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
    except UnicodeDecodeError as exc:
        raise CsvInputError(f"{path} 不是 UTF-8 编码的 CSV：{exc}") from exc
    with handle:
        missing = [c for c in cols.named() if c not in header]
        if missing:
            raise CsvInputError(
                f"CSV 中没有列：{'、'.join(missing)}；文件中的列为：{'、'.join(header) or '（无表头）'}"
            )
        out = CsvRead(messages=[])
        seen: set[str] = set()
        try:
            for rowno, row in enumerate(reader, start=2):
                out.rows += 1
                reason = _row_problem(row, cols, seen)
                if isinstance(reason, str):
                    out.skipped.append((rowno, reason))
                    continue
                out.messages.append(reason)
                seen.add(reason.id)
        except UnicodeDecodeError as exc:
            raise CsvInputError(f"{path} 第 {out.rows + 1} 行附近不是 UTF-8 编码：{exc}") from exc
    return out


def _row_problem(row: dict[str, str | None], cols: CsvColumns, seen: set[str]) -> Message | str:
    """The row as a Message, or why it was skipped (naming the column)."""
    ident = (row.get(cols.id) or "").strip()
    if not ident:
        return f"列 {cols.id} 为空"
    if ident in seen:
        return f"列 {cols.id} 的值 {ident} 重复"
    texts = [(row.get(c) or "").strip() for c in cols.text]
    if not any(texts):
        return f"文本列 {'、'.join(cols.text)} 均为空"
    if len(texts) > 1:
        title, body = texts[0], "\n".join(t for t in texts[1:] if t)
    else:  # one text column: its first sentence acts as the title
        title, body = texts[0][:TITLE_CHARS], texts[0]
    likes = 0
    if cols.likes:
        raw = (row.get(cols.likes) or "").strip()
        if raw:
            try:
                likes = int(float(raw))
            except ValueError:
                return f"列 {cols.likes} 的值 {raw!r} 不是数字"
            if likes < 0:
                return f"列 {cols.likes} 的值 {raw!r} 为负数"
    posted = None
    if cols.time:
        raw = (row.get(cols.time) or "").strip()
        if not raw:
            return f"列 {cols.time} 为空"
        try:
            posted = _parse_time(raw)
        except (ValueError, OverflowError):
            return f"列 {cols.time} 的值 {raw!r} 不是可识别的时间"
    return Message(
        id=ident,
        title=title,
        body=body,
        posted_at=posted,
        user=_optional(row, cols.user),
        likes=likes,
        reply=_optional(row, cols.reply),
        department=_optional(row, cols.department),
        request_kind=_optional(row, cols.kind),
    )


def _optional(row: dict[str, str | None], column: str | None) -> str | None:
    return (row.get(column) or "").strip() or None if column else None
