"""The item every spider yields; pipelines turn it into a ledger IntakeRecord."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Field names a source file may map; anything else a source maps goes to `extra`.
TEXT_FIELDS = ("title", "author", "status", "request_kind", "urgency", "reply_unit", "satisfaction")
BODY_FIELDS = ("body", "reply_text")
TIME_FIELDS = ("received_at", "due_at", "dispatched_at", "replied_at")
KNOWN_FIELDS = {"external_id", "likes", *TEXT_FIELDS, *BODY_FIELDS, *TIME_FIELDS}


@dataclass
class MessageItem:
    """A message as scraped. Before NormalisePipeline values are raw strings; after it, text is
    plain and the *_at fields are aware datetimes."""

    source: str
    item_type: str
    external_id: str
    url: str
    title: Any = None
    body: Any = None
    author: Any = None
    received_at: Any = None
    status: Any = None
    request_kind: Any = None
    urgency: Any = None
    due_at: Any = None
    dispatched_at: Any = None
    reply_unit: Any = None
    reply_text: Any = None
    replied_at: Any = None
    satisfaction: Any = None
    likes: Any = None
    extra: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # set by normalisation, read by validation

    @classmethod
    def from_fields(
        cls, source: str, item_type: str, external_id: str, url: str, values: dict[str, Any]
    ) -> MessageItem:
        item = cls(source=source, item_type=item_type, external_id=external_id, url=url)
        for name, value in values.items():
            if name == "external_id":
                continue
            if name in KNOWN_FIELDS:
                setattr(item, name, value)
            elif value not in (None, ""):
                item.extra[name] = str(value)
        return item


def is_aware(value: Any) -> bool:
    return isinstance(value, datetime) and value.tzinfo is not None
