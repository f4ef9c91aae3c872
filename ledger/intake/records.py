"""The one shape every channel hands to intake (crawler pipelines, the web form, CSV imports)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any

# C0 controls except \t and \n, DEL, C1 controls and lone surrogates: invisible in a page, refused
# by Excel (openpyxl IllegalCharacterError) and, for NUL, by PostgreSQL but not by SQLite.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def without_control_chars(text: str) -> str:
    """`text` with line breaks unified to \\n and every other control character removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


@dataclass(frozen=True)
class IntakeRecord:
    """A message as a channel delivered it, already normalised to plain text.

    ``source`` is the slug of a configured source (``data/sources/<slug>.toml``) or ``manual``;
    ``external_id`` is the id the source gives the message (工单编号, 留言编号...). Together they
    identify the item: delivering the same record twice changes nothing.
    ``item_type`` is the deadline rule's key or any staff alias (12345, 留言板, 领导信箱, 依申请公开...).
    All datetimes must be timezone-aware.
    """

    source: str
    external_id: str
    item_type: str
    title: str
    body: str
    received_at: datetime
    url: str | None = None
    author: str | None = None
    request_kind: str | None = None  # 诉求类型: 投诉/咨询/建议/求助/举报
    urgency: str | None = None  # 紧急程度
    source_status: str | None = None  # status text as the source shows it (待回复/已办理...)
    source_due_at: datetime | None = None  # 办理时限 given by the source (12345 work orders)
    dispatched_at: datetime | None = None  # 派单时间
    reply_unit: str | None = None
    reply_text: str | None = None
    replied_at: datetime | None = None
    satisfaction: str | None = None
    likes: int | None = None
    channel: str | None = (
        None  # 来源渠道 as offices write it (留言板/领导信箱/12345); else from the type
    )
    source_name: str | None = None  # the source's display name, e.g. "厅网站留言板"
    extra: dict[str, str] = field(default_factory=dict)
    # The earliest plausible received time for this channel (a source file's `not_before`);
    # None: the ledger's default.
    not_before: datetime | None = None

    def cleaned(self) -> IntakeRecord:
        """The same record with control characters removed from every text, so that both
        databases store the same thing and every export can write it."""
        changes: dict[str, Any] = {
            f.name: without_control_chars(value)
            for f in fields(self)
            if isinstance(value := getattr(self, f.name), str)
        }
        changes["extra"] = {
            without_control_chars(str(k)): without_control_chars(str(v))
            for k, v in self.extra.items()
        }
        return replace(self, **changes)
